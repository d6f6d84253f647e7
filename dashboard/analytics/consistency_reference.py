"""The pandas definition of `consistency.allocation_at` and `consistency.world_allocation`.

`consistency` computes the same tables from integer codes (`allocation_codes`); this module
keeps the functions as they were written on the string columns, unchanged, as the readable
reference they are tested against exactly (`tests/test_allocation_fast.py`), and as the
answer for frames the fast path does not take (missing keys, labels not canonical).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.compare import source_traces
from dashboard.analytics.consistency import (
    ALLOCATION_COLUMNS,
    GROUP_MEMBERS,
    SERIES,
    _first,
    _is_member,
    _note,
    _overlapped,
    beyond_rounding,
)
from dashboard.analytics.period_rows import (
    FINENESS,
    FREQ_OF_FINENESS,
    containing_labels,
    finest_rows,
    year_rows,
)
from dashboard.ingest.period_labels import MONTHS, first_month_of_quarter
from dashboard.ingest.schema import REAL_PARTY_KINDS


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(year=frame["period"].str.slice(0, 4),
                        fineness=frame["freq"].map(FINENESS).astype(int))


def _month_rows(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`keys` and `month` (1-12) for each month a monthly or quarterly row covers."""
    monthly = (rows["freq"] == "M").to_numpy()
    # Parsed once per distinct label: per row it was a quarter of the allocation's first build.
    at, labels = pd.factorize(rows["period"])
    number = pd.to_numeric(pd.Series(labels).str.slice(5, 7).str.lstrip("Q"),
                           errors="coerce").to_numpy(dtype=np.float64)[at]
    first = np.where(monthly, number, first_month_of_quarter(number)).astype(int)
    spans = np.where(monthly, 1, 3)
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    repeated = rows[keys].iloc[np.repeat(np.arange(len(rows)), spans)]
    return repeated.assign(month=np.repeat(first, spans) + offsets)


def _sums(rows: pd.DataFrame, keys: list[str], prefix: str) -> pd.DataFrame:
    """kg and USD per group; NaN where any row lacks the figure (a part sum is no total)."""
    grouped = rows.groupby(keys, observed=True)
    out = pd.DataFrame({
        f"{prefix}_kg": grouped["net_weight_kg"].sum(min_count=1),
        f"{prefix}_usd": grouped["value_usd"].sum(min_count=1),
    })
    out[f"{prefix}_kg"] = out[f"{prefix}_kg"].where(
        ~rows["net_weight_kg"].isna().groupby([rows[k] for k in keys], observed=True).any())
    out[f"{prefix}_usd"] = out[f"{prefix}_usd"].where(
        ~rows["value_usd"].isna().groupby([rows[k] for k in keys], observed=True).any())
    out[f"{prefix}_rows"] = grouped.size()
    out[f"{prefix}_finest"] = grouped["fineness"].min()
    out[f"{prefix}_coarsest"] = grouped["fineness"].max()
    return out


def _usable(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Rows no coarser than `level`, with the label of the `level` period holding each."""
    usable = rows[rows["fineness"] <= FINENESS[level]]
    return usable.assign(container=containing_labels(usable, level))



def _counted_once(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Each series' rows for a comparison at `level`, counted once.

    Months and quarters: the finest rows (annual rows set aside where months exist). A year:
    a series' annual row where it has one (an annual World row is compared with annual
    partner rows, like with like), else its finest rows of that year.
    """
    return year_rows(rows) if level == "A" else finest_rows(rows)


def allocation_at_reference(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """World against the sum of partners for every period of frequency `level` ("A"/"Q"/"M").

    One row per reporter, flow, commodity and period for which World rows exist at `level`
    or finer (months summed to a quarter or year). kg and USD; `unallocated_*` is World minus
    partners, i.e. trade not allocated to a partner (confidential or unspecified);
    `allocated_share` (0-1) is on weight, or on value where a weight is missing.

    Like with like: the period is `comparable` only when the file has partner rows for it,
    no partner has only coarser rows that year (an annual partner row cannot be split into
    months), and either both sides use one frequency or the finer rows cover every month.

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 3, "reporter_name": ["South Korea"] * 3,
    ...     "partner": ["WLD", "CHN", "S19"], "partner_kind": ["world", "country", "area_nes"],
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "commodity_name": ["Metals"] * 3, "period": ["2024"] * 3, "freq": ["A"] * 3,
    ...     "net_weight_kg": [100_000.0, 60_000.0, 10_000.0], "value_usd": [9.0, 6.0, 1.0],
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> table = allocation_at_reference(rows, "A")
    >>> table[["unallocated_kg", "allocated_share", "gap"]].to_dict("records")
    [{'unallocated_kg': 30000.0, 'allocated_share': 0.7, 'gap': True}]
    """
    return _allocation(_prepare(frame), level)


def _allocation(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    keys = [*SERIES, "container"]
    world = _counted_once(rows[rows["partner_kind"] == "world"], level)
    # Partners as every view counts them: real partners, and group rows without members.
    counts = rows["partner_kind"].isin(REAL_PARTY_KINDS) | _orphan_mask(rows)
    partners = _counted_once(rows[counts], level)
    world_rows, partner_rows = _usable(world, level), _usable(partners, level)
    if world_rows.empty:
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    table = _sums(world_rows, keys, "world").join(_sums(partner_rows, keys, "partners"))
    table["source_rows"] = source_traces(world_rows, keys)
    table = table.reset_index().rename(columns={"container": "period"})
    table["year"] = table["period"].str.slice(0, 4)
    too_coarse = (partners["fineness"] > FINENESS[level]).groupby(
        [partners[k] for k in [*SERIES, "year"]], observed=True).any().rename("too_coarse")
    table = table.merge(too_coarse.reset_index(), on=[*SERIES, "year"], how="left")
    table = table.merge(_covered(world_rows, partner_rows, level), on=[*keys[:-1], "period"],
                        how="left")
    table = table.join(_first(world, SERIES, ["reporter_name", "commodity_name"]), on=SERIES)
    table["freq"] = level
    return _judge(table, level).reindex(columns=ALLOCATION_COLUMNS)


def _covered(world_rows: pd.DataFrame, partner_rows: pd.DataFrame, level: str) -> pd.DataFrame:
    """Distinct months covered by the rows finer than `level` (both sides), per period."""
    finer = pd.concat([world_rows, partner_rows])
    finer = finer[finer["fineness"] < FINENESS[level]]
    months = _month_rows(finer, [*SERIES, "container"])
    covered = months.groupby([*SERIES, "container"], observed=True)["month"].nunique()
    return covered.rename("months_covered").rename_axis([*SERIES, "period"]).reset_index()


def _judge(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """comparable, the share and its basis, the gap flag and a note, per period."""
    table["partner_rows"] = table["partners_rows"].fillna(0).astype(int)
    same_freq = ((table["world_finest"] == table["world_coarsest"])
                 & (table["partners_finest"] == table["world_finest"])
                 & (table["partners_coarsest"] == table["world_finest"]))
    complete = table["months_covered"] == MONTHS[level]
    too_coarse = table["too_coarse"].astype("boolean").fillna(False).astype(bool)
    table["comparable"] = (table["partner_rows"] > 0) & ~too_coarse & (same_freq | complete)
    for measure in ("kg", "usd"):
        table[f"unallocated_{measure}"] = table[f"world_{measure}"] - table[f"partners_{measure}"]
    by_weight = (table["world_kg"] > 0) & table["partners_kg"].notna()
    by_value = ~by_weight & (table["world_usd"] > 0) & table["partners_usd"].notna()
    table["share_basis"] = np.select([by_weight, by_value], ["weight", "value"], "none")
    table["allocated_share"] = np.where(
        by_weight, table["partners_kg"] / table["world_kg"].where(by_weight),
        table["partners_usd"] / table["world_usd"].where(by_value))
    gap = np.where(by_weight, beyond_rounding(table["unallocated_kg"], table["world_kg"]),
                   by_value & beyond_rounding(table["unallocated_usd"], table["world_usd"]))
    table["gap"] = table["comparable"] & gap.astype(bool)
    table["note"] = [_note(*row, MONTHS[level]) for row in zip(  # type: ignore[call-arg]
        table["partner_rows"], too_coarse, same_freq | complete, table["months_covered"],
        table["share_basis"], table["unallocated_kg"].where(by_weight, table["unallocated_usd"]),
        table["gap"], strict=True)]
    return table



def world_allocation_reference(frame: pd.DataFrame) -> pd.DataFrame:
    """World against the sum of its partners wherever the file has World rows (kg, USD).

    Columns as `allocation_at`. Per reporter, flow, commodity and year the comparison is
    made at the finest frequency where it is like with like: the World rows' own finest
    frequency when every partner has rows at it; else a coarser one, in the end the year,
    where annual World and annual partner rows are compared and a partner without an annual
    row counts with its months only when the months are complete (12) or both sides are
    monthly. A year comparable at no frequency keeps its rows, `comparable` False.

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 4, "reporter_name": ["South Korea"] * 4,
    ...     "partner": ["WLD", "WLD", "CHN", "JPN"],
    ...     "partner_kind": ["world", "world", "country", "country"],
    ...     "flow": ["import"] * 4, "commodity_code": ["280530"] * 4,
    ...     "commodity_name": ["Metals"] * 4, "period": ["2024", "2024-01", "2024", "2024"],
    ...     "freq": ["A", "M", "A", "A"], "net_weight_kg": [100.0, 10.0, 60.0, 30.0],
    ...     "value_usd": [1.0] * 4, "source_file": ["f.csv"] * 4, "source_line": [2, 3, 4, 5]})
    >>> table = world_allocation_reference(rows)
    >>> table[["period", "world_kg", "partners_kg", "gap"]].to_dict("records")
    [{'period': '2024', 'world_kg': 100.0, 'partners_kg': 90.0, 'gap': True}]
    """
    rows = _prepare(frame)
    world = rows[rows["partner_kind"] == "world"]
    if world.empty:
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    finest = world.groupby([*SERIES, "year"], observed=True)["fineness"].min()
    levels = [FREQ_OF_FINENESS[f] for f in range(int(finest.min()), 3)]
    table = pd.concat([_allocation(rows, level).assign(level=FINENESS[level])
                       for level in levels], ignore_index=True)
    table["year"] = table["period"].str.slice(0, 4)
    table = table.join(finest.rename("world_finest"), on=[*SERIES, "year"])
    table = table[table["level"] >= table["world_finest"]]
    key = [*SERIES, "year"]
    level_ok = table.groupby([*key, "level"], observed=True)["comparable"].transform("all")
    chosen = table["level"].where(level_ok).groupby([table[k] for k in key],
                                                   observed=True).transform("min")
    keep = table["level"] == chosen.fillna(table["world_finest"])
    return (table[keep].sort_values([*SERIES, "period"])[ALLOCATION_COLUMNS]
            .reset_index(drop=True))


def _orphan_mask(rows: pd.DataFrame) -> pd.Series:
    """True for each group row whose members are not broken out (rows from `_prepare`)."""
    mask = pd.Series(False, index=rows.index)
    countries = rows[rows["partner_kind"] == "country"]
    for code in rows.loc[rows["partner_kind"] == "group", "partner"].unique():
        group = rows[(rows["partner"] == code) & (rows["partner_kind"] == "group")]
        members = countries[_is_member(countries, GROUP_MEMBERS.get(str(code)))]
        mask[group.index] = ~_overlapped(group, members)
    return mask

