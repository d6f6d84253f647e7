"""The map's rows as plain Python values, and the hover text of each.

A map draws ~200 rows: per row and per small frame, pandas costs more than the drawing.
`drawn_rows` turns the per-country table into one dict per drawable row, once; the hover
text, the key and the callout read those. `choropleth_reference` holds the per-row
definitions in pandas (iterrows) that tests/test_choropleth_fast.py checks these against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.analytics.consistency import UNALLOCATED, beyond_rounding
from dashboard.figures.text import format_amount, format_change, format_share, is_missing
from dashboard.ingest.countries import DRAWN_AS

if TYPE_CHECKING:  # choropleth imports this module
    from dashboard.figures.choropleth import MapSpec


def ends_early_flags(through: list) -> list[bool]:
    """Rows whose `reported_through` is not empty: their own data ends before the period
    does, so they are drawn as gaps, not as figures (a partial period coloured like a whole
    one reads as a fall). `through`: the column's values, None where the table has none."""
    return [not is_missing(month) and str(month) != "" for month in through]


def _drawn_positions(table: pd.DataFrame) -> tuple[list[int], list[str]]:
    """The rows the map can draw: their positions in `table` and the ISO3 shape each is
    drawn on. Countries on their own shape; an area drawn as a country (Other Asia, nes ->
    Taiwan) on that country's shape unless the country has its own row; nothing else."""
    codes = table.index.tolist()
    kinds = table["country_kind"].tolist() if "country_kind" in table else ["country"] * len(
        codes)
    is_country = [(kind == "country") is True for kind in kinds]
    own = {code for code, country in zip(codes, is_country, strict=True) if country}
    positions, shapes = [], []
    for position, (code, country) in enumerate(zip(codes, is_country, strict=True)):
        shape = DRAWN_AS.get(str(code), str(code))
        if country or (code in DRAWN_AS and shape not in own):
            positions.append(position)
            shapes.append(shape)
    return positions, shapes


SHAPE = "\0shape"  # a drawn row's own key: the ISO3 it is drawn on (no column is named so)
# The columns the hover, the key and the callout read, where the table has them.
ROW_COLUMNS = ("country_name", "value", "baseline", "absolute", "percent", "ratio",
               "change_note", "estimated", "coverage", "reported_through",
               "value_without_weight_usd", "world_kg", "world_usd", "converted_usd",
               "converted_eur", "reported_by_text", "row_count")


def drawn_rows(table: pd.DataFrame, column: str = "value") -> list[dict]:
    """The rows the map can draw (`_drawn_positions`), one dict each: the columns the map
    reads (`ROW_COLUMNS` and `column`, those the table has) as `Series.tolist()` gives
    them, `listed_as` (the code the row is listed under) and `SHAPE` (the shape it is drawn
    on). `choropleth_reference.drawable_reference` is the same as a frame."""
    positions, shapes = _drawn_positions(table)
    names = [name for name in dict.fromkeys((*ROW_COLUMNS, column)) if name in table.columns]
    codes = table.index.tolist()
    columns = [[values[at] for at in positions]
               for values in (table[name].tolist() for name in names)]
    columns += [[codes[at] for at in positions], shapes]
    keys = [*names, "listed_as", SHAPE]
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


def hover_texts(rows: list[dict], spec: MapSpec) -> list[str]:
    """Each row's hover text: `choropleth_reference.hover_texts_reference` on plain rows."""
    compares = spec.column in ("absolute", "percent", "ratio")
    about = f"{spec.measure_name}, {spec.period_text}, {spec.counterpart_text}"
    texts = []
    for row in rows:
        iso, code = row[SHAPE], row["listed_as"]
        lines = [f"<b>{row['country_name']}</b> ({code})"]
        if code != iso:
            lines.append(f"Published by UN Comtrade under this area, not under {iso}'s own code;"
                         f" drawn on {iso}'s shape")
        lines.append(about)
        lines.append(f"Value: {format_amount(row['value'], spec.unit)}")
        if "baseline" in row and not pd.isna(row["baseline"]):
            lines.append(f"Baseline: {format_amount(row['baseline'], spec.unit)}")
        if compares:
            lines.append(_change_text(row, spec.unit))
        if row.get("estimated"):
            lines.append("Includes estimated weights (flagged by the reporter)")
        if row.get("coverage", "complete") != "complete":
            lines.append(f"Coverage: {row['coverage']}")
        if row.get("reported_through"):
            lines.append(f"Its rows end at {row['reported_through']}: {spec.period_text} may"
                         " not be reported yet (incomplete, not a fall)")
        lines += _allocation_lines(row, spec)
        lines += _converted_lines(row)
        lines.append(f"Reported by: {row.get('reported_by_text', '')}")
        lines.append(f"Source rows: {row.get('row_count', 0)}")
        texts.append("<br>".join(lines))
    return texts


def _allocation_lines(row: Mapping, spec: MapSpec) -> list[str]:
    """What the partner sum leaves out: value without weight, World not allocated."""
    lines = []
    without = row.get("value_without_weight_usd", 0.0)
    if without and without > 0 and spec.unit != "USD":
        lines.append(f"Value reported without a weight, left out: {format_amount(without, 'USD')}")
    # World in kg or USD, the units the rounding rule is stated in; shown in display units.
    world, per_unit = {"t": (row.get("world_kg", np.nan), 1000.0),
                       "USD": (row.get("world_usd", np.nan), 1.0)}.get(spec.unit, (np.nan, 1.0))
    if spec.column == "value" and not pd.isna(world) and not pd.isna(row["value"]):
        gap = world - row["value"] * per_unit
        if gap > 0 and beyond_rounding(gap, world):
            lines.append(f"World total reported: {format_amount(world / per_unit, spec.unit)};"
                         f" {format_amount(gap / per_unit, spec.unit)}"
                         f" ({format_share(gap / world)}) {UNALLOCATED}")
    return lines


def _converted_lines(row: Mapping) -> list[str]:
    """How much of the value was reported in euros (Comext) and at what rate it became USD."""
    usd, eur = row.get("converted_usd", 0.0), row.get("converted_eur", 0.0)
    if pd.isna(usd) or pd.isna(eur) or not usd > 0 or not eur > 0:
        return []
    return [f"Converted from {format_amount(eur, 'EUR')}: {format_amount(usd, 'USD')} of it,",
            f"at the ECB's monthly average rates ({usd / eur:.4f} USD per EUR overall)"]


def _change_text(row: Mapping, unit: str) -> str:
    note = f" ({row['change_note']})" if row.get("change_note") else ""
    if pd.isna(row["absolute"]):
        return f"Change: n/a{note}"
    difference = f"Change: {format_change(row['absolute'], unit)}"
    if pd.isna(row["ratio"]):
        return difference + note
    return (f"{difference}; {format_change(row['percent'], '%')};"
            f" ratio {format_amount(row['ratio'], 'x')}{note}")
