"""The per-country table behind the map: one row per country, traceable to source rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.analytics.compare import Comparison, Measure, compare, measure_values, period_totals
from dashboard.analytics.flows import Direction, Perspective, orient, with_counterpart


@dataclass(frozen=True)
class Selection:
    """What the user picked: the rows a view is computed from."""

    commodity: str
    direction: Direction = Direction.IMPORTS
    perspective: Perspective = Perspective.REPORTER
    partner: str | None = None  # ISO3 of the counterpart, None for all partners
    measure: Measure = Measure.WEIGHT


def selected_rows(frame: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Rows of the selection, oriented (country / counterpart), mapped countries only."""
    rows = orient(frame, selection.direction, selection.perspective, selection.commodity)
    rows = with_counterpart(rows, selection.partner)
    return rows[rows["country_kind"] == "country"]


def country_table(frame: pd.DataFrame, selection: Selection, period: str,
                  comparison: Comparison | None = None) -> pd.DataFrame:
    """Per country (index ISO3): value in display units, and the change when comparing.

    Columns: country_name, value, [baseline, absolute, percent, ratio], estimated,
    coverage, row_count, source_rows, reported_by_text.
    """
    rows = selected_rows(frame, selection)
    if comparison is not None:
        table = compare(rows, comparison, selection.measure)
        counts = period_totals(rows, comparison.period)["row_count"]
        table["row_count"] = counts.reindex(table.index).fillna(0).astype(int)
    else:
        totals = period_totals(rows, period)
        table = totals[["row_count", "estimated", "coverage", "source_rows"]].copy()
        table.insert(0, "value", measure_values(totals, selection.measure))
    names = rows.drop_duplicates("country").set_index("country")["country_name"]
    table.insert(0, "country_name", names.reindex(table.index))
    table["reported_by_text"] = _reported_by(rows, selection.perspective)
    table.index.name = "iso3"
    return table.sort_values("value", ascending=False, na_position="last")


def _reported_by(rows: pd.DataFrame, perspective: Perspective) -> str:
    if perspective == Perspective.REPORTER:
        return "the country itself"
    reporters = sorted(rows["counterpart_name"].unique())
    shown = ", ".join(reporters[:3]) + (" and others" if len(reporters) > 3 else "")
    return f"its partners ({shown}), as mirror data"
