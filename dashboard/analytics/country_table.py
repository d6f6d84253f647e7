"""The per-country table behind the map: one row per country, traceable to source rows."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.analytics.compare import (
    COMPLETE,
    Comparison,
    Measure,
    compare_totals,
    measure_values,
)
from dashboard.analytics.freshness import reported_before_end
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import (
    Direction,
    Perspective,
    orient,
    real_parties,
    with_counterpart,
)
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.period_rows import describe_period, rows_of_year


@dataclass(frozen=True)
class Selection:
    """What the user picked: the rows a view is computed from."""

    commodity: str
    direction: Direction = Direction.IMPORTS
    perspective: Perspective = Perspective.REPORTER
    partner: str | None = None  # ISO3 of the counterpart, None for all partners
    measure: Measure = Measure.WEIGHT

    def with_every_partner(self) -> Selection:
        """The same rows with every partner (what shares divide by), any measure: the key
        under which kept values of that selection are found."""
        return replace(self, partner=None, measure=Measure.WEIGHT)


def selected_rows(frame: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Rows of the selection, oriented (country / counterpart), real parties on both sides.

    The mapped side keeps every real party, not only countries: Other Asia, nes (drawn on
    Taiwan) and the other areas are listed in tables; only the map leaves out what it cannot
    draw.
    """
    rows = orient(frame, selection.direction, selection.perspective, selection.commodity)
    rows = with_counterpart(rows, selection.partner)
    return rows[real_parties(rows, "country")]


# The last selections' rows of one year: a view of one period (Sankey, ranking) selects
# nothing and sums one year's rows, the first step of `rows_in_period` anyway.
_YEAR_ROWS: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=8)


def selected_rows_of_year(frame: pd.DataFrame, selection: Selection, period: str
                          ) -> pd.DataFrame:
    """`selected_rows(frame, selection)` of the year of `period` (its first four characters),
    kept; the same rows, index and order. Any measure: the rows do not depend on it."""
    year = period[:4]

    def build() -> pd.DataFrame:
        return rows_of_year(selected_rows(frame, selection), year)

    return _YEAR_ROWS.get(frame, (replace(selection, measure=Measure.WEIGHT), year), build)


@dataclass(frozen=True)
class _Prepared:
    """What a map needs of a selection for any period: built once, then reused."""

    index: PeriodIndex
    names: pd.Series  # country name by ISO3
    kinds: pd.Series  # party kind by code: only "country" is drawn (and Other Asia, nes)
    reported_by_text: str
    world: PeriodIndex | None  # the reporters' own World rows, where a view has them


# The last selections' prepared rows, per frame: a change of period, comparison, measure or
# focus then costs array sums, not a pass of pandas over the rows (the map's cold path).
_PREPARED: KeptPerFrame[_Prepared] = KeptPerFrame(kept=16)


def _prepared(frame: pd.DataFrame, selection: Selection) -> _Prepared:
    def build() -> _Prepared:
        rows = selected_rows(frame, selection)
        parties = rows.drop_duplicates("country").set_index("country")
        return _Prepared(PeriodIndex(rows, "country"), parties["country_name"],
                         parties["country_kind"], _reported_by(rows, selection.perspective),
                         _world_index(frame, selection))

    return _PREPARED.get(frame, replace(selection, measure=Measure.WEIGHT), build)


def prepared_index(frame: pd.DataFrame, selection: Selection) -> PeriodIndex:
    """The selection's rows by country, kept: `PeriodIndex(selected_rows(frame, selection))`
    as the map built it (any measure; other views of the selection reuse it)."""
    return _prepared(frame, selection).index


def country_names(frame: pd.DataFrame, selection: Selection) -> pd.Series:
    """Country name by ISO3 (the mapped side) of the selection's rows, kept with its index."""
    return _prepared(frame, selection).names


def country_table(frame: pd.DataFrame, selection: Selection, period: str,
                  comparison: Comparison | None = None) -> pd.DataFrame:
    """Per country (index ISO3): value in display units, and the change when comparing.

    Columns: country_name, country_kind, value, [baseline, absolute, percent, ratio,
    change_note], estimated, coverage, row_count, value_without_weight_usd, [converted_eur,
    converted_usd: where some value was converted from euros], source_rows,
    reported_by_text, world_kg, world_usd (the country's own World row for the period, NaN
    where it has none: the partners may then sum to less, the rest not allocated), and
    `reported_through` when a reporter's data ends before the period does (see
    `_ends_early`).
    """
    prepared = _prepared(frame, selection)
    if comparison is not None:
        current = prepared.index.totals(comparison.period)
        base = prepared.index.totals(comparison.baseline)
        table = compare_totals(current, base, comparison, selection.measure)
        table["row_count"] = current["row_count"].reindex(table.index).fillna(0).astype(int)
    else:
        totals = prepared.index.totals(period)
        converted = ["converted_eur", "converted_usd"] if (
            totals["converted_usd"] > 0).any() else []  # Comext's rows, in euros at first
        table = totals[["row_count", "estimated", "coverage", "value_without_weight_usd",
                        *converted, "source_rows"]].copy()
        table.insert(0, "value", measure_values(totals, selection.measure))
    table.insert(0, "country_kind", prepared.kinds.reindex(table.index))
    table.insert(0, "country_name", prepared.names.reindex(table.index))
    table["reported_by_text"] = prepared.reported_by_text
    world = (prepared.world.totals(comparison.period if comparison else period)
             if prepared.world is not None else None)
    for ours, theirs in (("world_kg", "net_weight_kg"), ("world_usd", "value_usd")):
        table[ours] = world[theirs].reindex(table.index) if world is not None else np.nan
    table.index.name = "iso3"
    whole = (current if comparison else totals)["coverage"] == COMPLETE
    table = _ends_early(table, frame, prepared, selection, comparison.period if comparison
                        else period, comparison is not None, set(whole.index[whole]))
    return table.sort_values("value", ascending=False, na_position="last")


def _ends_early(table: pd.DataFrame, frame: pd.DataFrame, prepared: _Prepared,
                selection: Selection, period: str, compares: bool,
                whole: set[str]) -> pd.DataFrame:
    """Mark the countries whose own reporting ends before `period` does.

    Their figure for the period is incomplete (or absent), not a fall: such a country gets
    `reported_through` (its last month), is listed even without rows in the period, and
    has no change against a baseline. Only where the country reported its own figures: a
    mirror view's figures come from its partners; and not where its figure for the period
    is `whole` (complete: an annual row covers a year its monthly rows do not).
    """
    if selection.perspective != Perspective.REPORTER:
        return table
    late = reported_before_end(frame, prepared.names.index, period)
    late = late[~late.index.isin(list(whole))]
    if late.empty:
        return table
    table = table.reindex(table.index.union(late.index))
    table.index.name = "iso3"
    table["country_name"] = prepared.names.reindex(table.index)
    table["country_kind"] = prepared.kinds.reindex(table.index)
    table["reported_by_text"] = prepared.reported_by_text
    table["row_count"] = table["row_count"].fillna(0).astype(int)
    table["estimated"] = table["estimated"].astype("boolean").fillna(False).astype(bool)
    table["value_without_weight_usd"] = table["value_without_weight_usd"].fillna(0.0)
    table["source_rows"] = table["source_rows"].fillna("")
    table["reported_through"] = late.reindex(table.index).fillna("")
    ends = late.index
    missing = table.loc[ends, "coverage"].isna()
    table.loc[ends[missing.to_numpy()], "coverage"] = "no rows"
    if compares:
        table.loc[ends, ["absolute", "percent", "ratio"]] = np.nan
        table.loc[ends, "change_note"] = [
            f"its rows end at {month}: {describe_period(period)} may not be reported yet"
            for month in late]
    return table


def _world_index(frame: pd.DataFrame, selection: Selection) -> PeriodIndex | None:
    """Each reporter's World rows, when the view is all partners as the country reported."""
    if selection.partner or selection.perspective != Perspective.REPORTER:
        return None
    rows = orient(frame, selection.direction, selection.perspective, selection.commodity)
    world = rows[(rows["counterpart_kind"] == "world") & (rows["country_kind"] != "world")]
    return PeriodIndex(world, "country") if len(world) else None


def _reported_by(rows: pd.DataFrame, perspective: Perspective) -> str:
    if perspective == Perspective.REPORTER:
        return "the country itself"
    reporters = sorted(rows["counterpart_name"].unique())
    shown = ", ".join(reporters[:3]) + (" and others" if len(reporters) > 3 else "")
    return f"its partners ({shown}), as mirror data"
