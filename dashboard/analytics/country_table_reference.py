"""The per-country table built the direct way: what `country_table.country_table` follows.

`country_table` builds its table once from arrays (sorted before the frame exists); this
is the same table with column inserts, reindexes and `sort_values`. tests/
test_choropleth_fast.py checks the two agree. Nothing in the app calls this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.compare import COMPLETE, Comparison, compare_totals, measure_values
from dashboard.analytics.country_table import (
    Selection,
    _Prepared,
    _prepared,
    _with_late_reporters,
)
from dashboard.analytics.freshness import reported_before_end
from dashboard.analytics.orientation import Perspective


def country_table_reference(frame: pd.DataFrame, selection: Selection, period: str,
                            comparison: Comparison | None = None) -> pd.DataFrame:
    """`country_table.country_table` (its docstring names the columns), built column by
    column in pandas: the definition the fast path is tested against."""
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
    # The late reporters' marks are one function in both paths (a mark, not a sum).
    return _with_late_reporters(table, prepared, late, period, compares)
