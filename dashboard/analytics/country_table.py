"""The per-country table behind the map: one row per country, traceable to source rows."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from dashboard.analytics.compare import Comparison, Measure, compare_totals, measure_values
from dashboard.analytics.flows import Direction, Perspective, orient, with_counterpart
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.period_index import PeriodIndex


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


@dataclass(frozen=True)
class _Prepared:
    """What a map needs of a selection for any period: built once, then reused."""

    index: PeriodIndex
    names: pd.Series  # country name by ISO3
    reported_by_text: str


# The last selections' prepared rows, per frame: a change of period, comparison, measure or
# focus then costs array sums, not a pass of pandas over the rows (the map's cold path).
_PREPARED: KeptPerFrame[_Prepared] = KeptPerFrame(kept=16)


def _prepared(frame: pd.DataFrame, selection: Selection) -> _Prepared:
    def build() -> _Prepared:
        rows = selected_rows(frame, selection)
        return _Prepared(PeriodIndex(rows, "country"),
                         rows.drop_duplicates("country").set_index("country")["country_name"],
                         _reported_by(rows, selection.perspective))

    return _PREPARED.get(frame, replace(selection, measure=Measure.WEIGHT), build)


def country_table(frame: pd.DataFrame, selection: Selection, period: str,
                  comparison: Comparison | None = None) -> pd.DataFrame:
    """Per country (index ISO3): value in display units, and the change when comparing.

    Columns: country_name, value, [baseline, absolute, percent, ratio], estimated,
    coverage, row_count, source_rows, reported_by_text.
    """
    prepared = _prepared(frame, selection)
    if comparison is not None:
        current = prepared.index.totals(comparison.period)
        base = prepared.index.totals(comparison.baseline)
        table = compare_totals(current, base, comparison, selection.measure)
        table["row_count"] = current["row_count"].reindex(table.index).fillna(0).astype(int)
    else:
        totals = prepared.index.totals(period)
        table = totals[["row_count", "estimated", "coverage", "source_rows"]].copy()
        table.insert(0, "value", measure_values(totals, selection.measure))
    table.insert(0, "country_name", prepared.names.reindex(table.index))
    table["reported_by_text"] = prepared.reported_by_text
    table.index.name = "iso3"
    return table.sort_values("value", ascending=False, na_position="last")


def _reported_by(rows: pd.DataFrame, perspective: Perspective) -> str:
    if perspective == Perspective.REPORTER:
        return "the country itself"
    reporters = sorted(rows["counterpart_name"].unique())
    shown = ", ".join(reporters[:3]) + (" and others" if len(reporters) > 3 else "")
    return f"its partners ({shown}), as mirror data"
