"""The map's per-row definitions, in pandas: what `choropleth`'s fast paths follow.

`choropleth` and `map_rows` build the hover text, the key and the drawable rows from plain Python
values (one pass over ~200 rows); these are the same texts written the direct way, on a
frame and its rows. tests/test_choropleth_fast.py checks that the two agree on varied
tables. Nothing in the app calls this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.consistency import UNALLOCATED, beyond_rounding
from dashboard.figures.text import format_amount, format_change, format_share
from dashboard.ingest.countries import DRAWN_AS


def drawable_reference(table: pd.DataFrame) -> pd.DataFrame:
    """`map_rows.drawn_rows` as a frame: countries on their own shape, an area drawn as a
    country on that country's shape unless the country has its own row (`listed_as`: the
    row's code)."""
    kinds = table["country_kind"] if "country_kind" in table else pd.Series(
        "country", index=table.index)
    shapes = pd.Series(table.index.map(lambda code: DRAWN_AS.get(str(code), str(code))),
                       index=table.index)
    own = set(table.index[kinds == "country"])
    keep = (kinds == "country") | (table.index.isin(list(DRAWN_AS)) & ~shapes.isin(own))
    drawn = table[keep.to_numpy()].copy()
    drawn["listed_as"] = drawn.index
    drawn.index = pd.Index(shapes[keep.to_numpy()], name=table.index.name)
    return drawn


def ends_early_reference(table: pd.DataFrame) -> pd.Series:
    """Rows with a non-empty `reported_through`."""
    through = table.get("reported_through")
    return through.fillna("").astype(str).ne("") if through is not None else pd.Series(
        False, index=table.index)


def hover_texts_reference(table: pd.DataFrame, spec) -> list[str]:
    """Each row's hover text, row by row (`table`: `drawable_reference`'s rows)."""
    texts = []
    for iso, row in table.iterrows():
        code = row.get("listed_as", iso)
        lines = [f"<b>{row['country_name']}</b> ({code})"]
        if code != iso:
            lines.append(f"Published by UN Comtrade under this area, not under {iso}'s own code;"
                         f" drawn on {iso}'s shape")
        lines.append(f"{spec.measure_name}, {spec.period_text}, {spec.counterpart_text}")
        lines.append(f"Value: {format_amount(row['value'], spec.unit)}")
        if "baseline" in row and not pd.isna(row.get("baseline", np.nan)):
            lines.append(f"Baseline: {format_amount(row['baseline'], spec.unit)}")
        if spec.column in ("absolute", "percent", "ratio"):
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


def _allocation_lines(row: pd.Series, spec) -> list[str]:
    lines = []
    without = row.get("value_without_weight_usd", 0.0)
    if without and without > 0 and spec.unit != "USD":
        lines.append(f"Value reported without a weight, left out: {format_amount(without, 'USD')}")
    world, per_unit = {"t": (row.get("world_kg", np.nan), 1000.0),
                       "USD": (row.get("world_usd", np.nan), 1.0)}.get(spec.unit, (np.nan, 1.0))
    if spec.column == "value" and not pd.isna(world) and not pd.isna(row["value"]):
        gap = world - row["value"] * per_unit
        if gap > 0 and beyond_rounding(gap, world):
            lines.append(f"World total reported: {format_amount(world / per_unit, spec.unit)};"
                         f" {format_amount(gap / per_unit, spec.unit)}"
                         f" ({format_share(gap / world)}) {UNALLOCATED}")
    return lines


def _converted_lines(row: pd.Series) -> list[str]:
    usd, eur = row.get("converted_usd", 0.0), row.get("converted_eur", 0.0)
    if pd.isna(usd) or pd.isna(eur) or not usd > 0 or not eur > 0:
        return []
    return [f"Converted from {format_amount(eur, 'EUR')}: {format_amount(usd, 'USD')} of it,",
            f"at the ECB's monthly average rates ({usd / eur:.4f} USD per EUR overall)"]


def _change_text(row: pd.Series, unit: str) -> str:
    note = f" ({row['change_note']})" if row.get("change_note") else ""
    if pd.isna(row["absolute"]):
        return f"Change: n/a{note}"
    difference = f"Change: {format_change(row['absolute'], unit)}"
    if pd.isna(row["ratio"]):
        return difference + note
    return (f"{difference}; {format_change(row['percent'], '%')};"
            f" ratio {format_amount(row['ratio'], 'x')}{note}")


def gap_reasons_reference(gaps: pd.DataFrame, spec) -> list[str]:
    """Why the grey countries have no figure, in the key's fixed order."""
    blank = pd.Series("", index=gaps.index)
    notes = gaps.get("change_note", blank).fillna("").astype(str)
    coverage = gaps.get("coverage", blank).fillna("").astype(str)
    coarse = coverage.str.contains("data only") | notes.str.contains("only annual")
    new = notes.str.startswith("new:") if spec.column != "value" else blank.astype(bool)
    early = ends_early_reference(gaps)
    found = {"annual data only": (coarse & coverage.str.contains("annual")).any()
             | notes.str.contains("only annual").any(),
             "quarterly data only": (coarse & coverage.str.contains("quarterly")).any(),
             "new trade: no baseline to compare with": new.any(),
             "the reporter's rows end before the period's (not reported yet?)": early.any(),
             "measure not reported": (~coarse & ~new & ~early).any()}
    return [reason for reason, present in found.items() if present]
