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
    `_with_late_reporters`). Sorted by value, largest first, missing last.

    Built once from its columns (inserting and reindexing column by column cost more than
    the sums); `country_table_reference.country_table_reference` is the same table
    built the direct way.
    """
    prepared = _prepared(frame, selection)
    label = comparison.period if comparison else period
    totals = prepared.index.totals(label)
    if comparison is not None:
        compared = compare_totals(totals, prepared.index.totals(comparison.baseline),
                                  comparison, selection.measure)
        index, columns = compared.index, dict(compared.items())
        columns["row_count"] = _aligned(totals["row_count"].to_numpy(np.int64),
                                        totals.index.get_indexer(index), 0)
    else:
        converted = ["converted_eur", "converted_usd"] if (
            totals["converted_usd"] > 0).any() else []  # Comext's rows, in euros at first
        index = totals.index
        columns = {"value": measure_values(totals, selection.measure), **{
            name: totals[name] for name in ("row_count", "estimated", "coverage",
                                            "value_without_weight_usd", *converted,
                                            "source_rows")}}
    columns = {"country_name": _taken(prepared.names, index),
               "country_kind": _taken(prepared.kinds, index), **columns,
               "reported_by_text": prepared.reported_by_text}
    columns |= _world_sums(prepared.world, label, index)
    whole = totals["coverage"] == COMPLETE
    late = _late_reporters(frame, prepared, selection, label, set(whole.index[whole]))
    if late.empty:  # sorted as arrays, the frame built once
        order = descending_order(np.asarray(columns["value"], dtype=float))
        index = index.take(order).rename("iso3")
        return pd.DataFrame({name: _in_order(values, order, index)
                             for name, values in columns.items()}, index=index)
    table = pd.DataFrame(columns, index=index.rename("iso3"))
    table = _with_late_reporters(table, prepared, late, label, comparison is not None)
    return table.sort_values("value", ascending=False, na_position="last")


def _world_sums(world: PeriodIndex | None, label: str, index: pd.Index) -> dict:
    """world_kg and world_usd per key of `index`: the sums of `world.totals(label)`'s
    net_weight_kg and value_usd (NaN where a key has none), without the rest of totals
    (coverage words, source traces), which the table does not show for World rows."""
    if world is None:
        return {"world_kg": np.nan, "world_usd": np.nan}
    at = world.key_numbers(index)
    weight, value = world.sums(label)
    return {"world_kg": _aligned(weight, at, np.nan), "world_usd": _aligned(value, at, np.nan)}


def descending_order(values: np.ndarray) -> np.ndarray:
    """Positions sorting `values` largest first, NaN last: the order
    `sort_values(ascending=False, na_position="last")` gives a float column, ties included
    (pandas' `nargsort`: its default quicksort on the reversed values, reversed back).

    >>> descending_order(np.array([1.0, np.nan, 3.0, 2.0])).tolist()
    [2, 3, 0, 1]
    """
    missing = np.isnan(values)
    present = np.flatnonzero(~missing)[::-1]
    ordered = present[values[present].argsort(kind="quicksort")][::-1]
    return np.concatenate([ordered, np.flatnonzero(missing)])


def _taken(series: pd.Series, index: pd.Index):
    """`series.reindex(index)`'s values (missing where `series` has no such key)."""
    return series.array.take(series.index.get_indexer(index), allow_fill=True)


def _aligned(values: np.ndarray, at: np.ndarray, missing) -> np.ndarray:
    """values[at], with `missing` where at is -1; NaN as missing makes a float array."""
    out = values[np.where(at >= 0, at, 0)] if len(values) else np.zeros(len(at), values.dtype)
    if isinstance(missing, float):
        out = out.astype(float)
    out[at < 0] = missing
    return out


def _in_order(values, order: np.ndarray, index: pd.Index):
    """A column's values taken in `order`, its dtype kept (a scalar stays a scalar)."""
    if isinstance(values, pd.Series) and values.dtype == object:  # not inferred as str
        return pd.Series(values.to_numpy()[order], index=index, dtype=object)
    if isinstance(values, pd.Series):
        values = values.array
    return values.take(order) if hasattr(values, "take") else values


def _late_reporters(frame: pd.DataFrame, prepared: _Prepared, selection: Selection,
                    period: str, whole: set[str]) -> pd.Series:
    """The last month of each country whose own reporting ends before `period` does.

    Only where the country reported its own figures (a mirror view's figures come from its
    partners), and not where its figure for the period is `whole` (complete: an annual
    row covers a year its monthly rows do not).
    """
    if selection.perspective != Perspective.REPORTER:
        return pd.Series([], dtype=object)
    late = reported_before_end(frame, prepared.names.index, period)
    return late[~late.index.isin(list(whole))]


def _with_late_reporters(table: pd.DataFrame, prepared: _Prepared, late: pd.Series,
                         period: str, compares: bool) -> pd.DataFrame:
    """Mark the countries whose own reporting ends before `period` does (`late`).

    Their figure for the period is incomplete (or absent), not a fall: such a country gets
    `reported_through` (its last month), is listed even without rows in the period, and
    has no change against a baseline.
    """
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
