"""Consistency checks a file's own totals make possible (findings, not reading problems).

A customs file often carries its own totals: a World row beside the partner rows, an annual
row beside the months of the same year. Where they disagree, something is not in the rows
(confidential trade, unspecified partners, revisions). These functions say where, with the
file lines of both figures. Weights are kg (t where a column says so), values US dollars.

Partners that count: every partner except World and country groups, i.e. countries, "areas
nes" (Other Asia nes = partner 490) and special partners (bunkers, free zones): that trade is
real. Groups (EU, partner 97) would count member trade twice; a group row whose members are
not in the file is reported by `orphan_group_rows` instead of being dropped.

Periods are counted once, the same way on both sides of every comparison: months and
quarters by the finest-frequency rule of `periods.finest_rows`; a year from each series'
annual row where it has one, else from its months (see `_counted_once` and
`world_allocation` for when months are complete enough to stand beside an annual row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.analytics.allocation_codes import allocation_parts
from dashboard.analytics.compare import ROUNDING_ABSOLUTE, ROUNDING_SHARE, source_traces
from dashboard.analytics.period_rows import (
    FINENESS,
    FREQ_OF_FINENESS,
    containing_labels,
    finest_rows,
    year_rows,
    yearly_totals,
)
from dashboard.ingest.period_labels import MONTHS, first_month_of_quarter, freq_of
from dashboard.ingest.schema import REAL_PARTY_KINDS

SERIES = ["reporter", "flow", "commodity_code"]

# EU membership (partner 97, our EUU): European Union, "History of the EU" and "Country
# profiles" (european-union.europa.eu); the UK left on 2020-01-31 (Withdrawal Agreement,
# in force 2020-02-01). EU-28 2013-07-01..2020-01-31 includes GBR; EU-27 since 2020-02-01.
_EU_JOINED = {
    date(1958, 1, 1): ("BEL", "DEU", "FRA", "ITA", "LUX", "NLD"),
    date(1973, 1, 1): ("DNK", "IRL", "GBR"),
    date(1981, 1, 1): ("GRC",),
    date(1986, 1, 1): ("PRT", "ESP"),
    date(1995, 1, 1): ("AUT", "FIN", "SWE"),
    date(2004, 5, 1): ("CYP", "CZE", "EST", "HUN", "LVA", "LTU", "MLT", "POL", "SVK", "SVN"),
    date(2007, 1, 1): ("BGR", "ROU"),
    date(2013, 7, 1): ("HRV",),
}
_EU_LEFT = {"GBR": date(2020, 2, 1)}  # first day as a non-member
# Group code -> {member ISO3: (first day, first day after)}. A group without a table here
# counts as broken out when the file has any country row for the same key and period.
GROUP_MEMBERS: dict[str, dict[str, tuple[date, date]]] = {
    "EUU": {iso3: (joined, _EU_LEFT.get(iso3, date(9999, 1, 1)))
            for joined, members in _EU_JOINED.items() for iso3 in members},
}


def beyond_rounding(difference, reference):
    """True where a difference (kg or USD) is a real gap: >= 1 and >= 0.5% of the reference.

    >>> bool(beyond_rounding(30.0, 100.0)), bool(beyond_rounding(0.4, 100.0))
    (True, False)
    >>> bool(beyond_rounding(40.0, 10_000.0))  # 0.4%: rounding
    False
    """
    size = np.abs(difference)
    return (size >= ROUNDING_ABSOLUTE) & (size >= ROUNDING_SHARE * np.abs(reference))


def top_share_range(top_kg: float, partners_kg: float, world_kg: float) -> tuple[float, float]:
    """Range (fractions 0-1) of the top supplier's share of World when part is unallocated.

    Low: the unallocated gap (World minus partners) all went to other suppliers (top/World).
    High: it all went to the top supplier ((top + gap)/World). Where partners exceed World
    there is no gap and the denominator is the partners' total: both ends are top/partners.

    >>> top_share_range(50.0, 70.0, 100.0)  # 30 t confidential: 50% to 80%
    (0.5, 0.8)
    >>> top_share_range(50.0, 100.0, 100.0)
    (0.5, 0.5)
    """
    if np.isnan([top_kg, partners_kg, world_kg]).any() or not max(world_kg, partners_kg) > 0:
        return (float("nan"), float("nan"))
    whole = max(world_kg, partners_kg)
    gap = max(world_kg - partners_kg, 0.0)
    return (top_kg / whole, (top_kg + gap) / whole)


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


ALLOCATION_COLUMNS = [
    "reporter", "reporter_name", "flow", "commodity_code", "commodity_name", "period", "freq",
    "world_kg", "world_usd", "partners_kg", "partners_usd", "unallocated_kg", "unallocated_usd",
    "allocated_share", "share_basis", "gap", "comparable", "note", "partner_rows", "source_rows"]
# A file downloaded for a few partners only has the same gap: the words say both causes.
UNALLOCATED_CAUSES = "confidential or unspecified, or partners the download left out"
UNALLOCATED = f"not allocated to a partner in the file ({UNALLOCATED_CAUSES})"


def allocation_at(frame: pd.DataFrame, level: str,
                  positions: np.ndarray | None = None) -> pd.DataFrame:
    """World against the sum of partners for every period of frequency `level` ("A"/"Q"/"M").

    One row per reporter, flow, commodity and period for which World rows exist at `level`
    or finer (months summed to a quarter or year). kg and USD; `unallocated_*` is World minus
    partners, i.e. trade not allocated to a partner (confidential or unspecified);
    `allocated_share` (0-1) is on weight, or on value where a weight is missing.

    Like with like: the period is `comparable` only when the file has partner rows for it,
    no partner has only coarser rows that year (an annual partner row cannot be split into
    months), and either both sides use one frequency or the finer rows cover every month.

    With `positions`, only the rows of `frame` at those positions (each column read there,
    no copy of the frame). Computed from codes (`allocation_codes`); the definition is
    `consistency_reference.allocation_at_reference`, tested equal.

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 3, "reporter_name": ["South Korea"] * 3,
    ...     "partner": ["WLD", "CHN", "S19"], "partner_kind": ["world", "country", "area_nes"],
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "commodity_name": ["Metals"] * 3, "period": ["2024"] * 3, "freq": ["A"] * 3,
    ...     "net_weight_kg": [100_000.0, 60_000.0, 10_000.0], "value_usd": [9.0, 6.0, 1.0],
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> allocation_at(rows, "A")[["unallocated_kg", "allocated_share", "gap"]].to_dict("records")
    [{'unallocated_kg': 30000.0, 'allocated_share': 0.7, 'gap': True}]
    """
    parts = allocation_parts(frame, level, _orphans_among, positions)
    if parts is None:  # a frame ingest never makes (a missing key, a label not canonical)
        from dashboard.analytics.consistency_reference import allocation_at_reference

        return allocation_at_reference(frame if positions is None else frame.take(positions),
                                       level)
    if parts.empty:
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    return _judge(parts, level).reindex(columns=ALLOCATION_COLUMNS)


def _orphans_among(rows: pd.DataFrame) -> np.ndarray:
    """`_orphan_mask` of group and country rows (all it reads), as an array."""
    return _orphan_mask(_prepare(rows)).to_numpy()


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


def _note(partner_rows, too_coarse, like_with_like, covered, basis, unallocated, gap,
          needed) -> str:
    if too_coarse:
        return "some partners have only coarser (e.g. annual) rows this year: not compared"
    if partner_rows == 0:
        return "no partner rows in the file for this period: not compared"
    if not like_with_like:
        months = 0 if pd.isna(covered) else int(covered)
        return (f"World and partners differ in frequency and months are incomplete ({months}"
                f" of {needed}): not compared")
    if basis == "none":
        return "no weight or value on both sides"
    prefix = "" if basis == "weight" else "compared on value (a weight is missing); "
    if not gap:
        return prefix + "partners add up to World (within rounding)"
    if unallocated > 0:
        return prefix + f"part of World is {UNALLOCATED}"
    return prefix + "partners add up to more than World"


def world_allocation(frame: pd.DataFrame) -> pd.DataFrame:
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
    >>> world_allocation(rows)[["period", "world_kg", "partners_kg", "gap"]].to_dict("records")
    [{'period': '2024', 'world_kg': 100.0, 'partners_kg': 90.0, 'gap': True}]
    """
    rows = _prepare(frame)
    world = rows[rows["partner_kind"] == "world"]
    if world.empty:
        return pd.DataFrame(columns=ALLOCATION_COLUMNS)
    finest = world.groupby([*SERIES, "year"], observed=True)["fineness"].min()
    levels = [FREQ_OF_FINENESS[f] for f in range(int(finest.min()), 3)]
    table = pd.concat([allocation_at(frame, level).assign(level=FINENESS[level])
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


@dataclass(frozen=True)
class Allocation:
    """World against its partners for one importer (or exporter), product and period."""

    world_kg: float
    world_usd: float
    partners_kg: float
    partners_usd: float
    unallocated_kg: float  # World minus partners: not allocated to a partner
    unallocated_usd: float
    allocated_share: float  # partners / World, 0-1 (weight; value where a weight is missing)
    share_basis: str  # "weight", "value" or "none"
    comparable: bool  # False: the two sides are not like with like (see note)
    gap: bool  # a real gap, beyond rounding
    note: str
    source_rows: str  # the World rows' file lines

    def top_share_range(self, top_kg: float) -> tuple[float, float]:
        """The top supplier's possible share of World (0-1), see `top_share_range`."""
        return top_share_range(top_kg, self.partners_kg, self.world_kg)


def allocation_for(frame: pd.DataFrame, reporter: str, flow: str, commodity_code: str,
                   period: str) -> Allocation | None:
    """How much of one reporter's World total for a period is allocated to partners.

    `period` is any label ("2025", "2025-Q1", "2025-03"); months are summed to a quarter or
    year. None when the file has no World rows (or only coarser ones) for that period.
    """
    # Only the period's year: every rule here (counted once, coverage, orphan groups) is per
    # series and year, so the other years cannot change this period's row (and cost 6x).
    mine = frame[(frame["reporter"] == reporter) & (frame["flow"] == flow)
                 & (frame["commodity_code"] == commodity_code)
                 & frame["period"].str.startswith(period[:4])]
    table = allocation_at(mine, freq_of(period))
    found = table[table["period"] == period]
    if found.empty:
        return None
    row = found.iloc[0]
    return Allocation(**{name: row[name] for name in Allocation.__dataclass_fields__})


VS_KEYS = ["reporter", "partner", "flow", "commodity_code", "year"]
ANNUAL_VS_MONTHS_COLUMNS = [
    *VS_KEYS, "reporter_name", "partner_name", "partner_kind", "commodity_name",
    "annual_kg", "months_kg", "difference_kg", "relative_difference_kg",
    "annual_usd", "months_usd", "difference_usd", "relative_difference_usd",
    "months_present", "months_incomplete", "annual_source_rows", "months_source_rows"]


def annual_vs_months(frame: pd.DataFrame) -> pd.DataFrame:
    """Annual rows that disagree with the sum of the same series' months (kg, USD).

    Per reporter, partner, flow, commodity and year with an annual row and monthly (or
    quarterly) rows: `difference_*` is annual minus months, `relative_difference_*` that
    over the annual figure. Only disagreements beyond rounding (weight or value) are
    returned. `months_incomplete` (fewer than 12 months present) marks a coverage fact,
    not a contradiction: the annual row is then the only complete figure for the year.

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 3, "partner": ["CHN"] * 3,
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "period": ["2024", "2024-01", "2024-02"], "freq": ["A", "M", "M"],
    ...     "net_weight_kg": [40.0, 10.0, 20.0], "value_usd": [3.0, 1.0, 2.0],
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> annual_vs_months(rows)[["difference_kg", "months_present", "months_incomplete"]].to_dict(
    ...     "records")
    [{'difference_kg': 10.0, 'months_present': 2, 'months_incomplete': True}]
    """
    rows = _prepare(frame)
    annual = rows[rows["freq"] == "A"]
    months = finest_rows(rows[rows["freq"] != "A"])
    if annual.empty or months.empty:
        return pd.DataFrame(columns=ANNUAL_VS_MONTHS_COLUMNS)
    table = _sums(annual, VS_KEYS, "annual").join(_sums(months, VS_KEYS, "months"), how="inner")
    present = _month_rows(months, VS_KEYS)
    table["months_present"] = present.groupby(VS_KEYS, observed=True)["month"].nunique()
    for measure in ("kg", "usd"):
        difference = table[f"annual_{measure}"] - table[f"months_{measure}"]
        table[f"difference_{measure}"] = difference
        table[f"relative_difference_{measure}"] = difference / table[f"annual_{measure}"].where(
            table[f"annual_{measure}"] > 0)
    disagrees = (beyond_rounding(table["difference_kg"], table["annual_kg"])
                 | beyond_rounding(table["difference_usd"], table["annual_usd"]))
    table["months_incomplete"] = table["months_present"] < 12
    table = table[disagrees]
    for name, side in (("annual", annual), ("months", months)):  # traces of the few found
        found = pd.MultiIndex.from_frame(side[VS_KEYS]).isin(table.index)
        table[f"{name}_source_rows"] = source_traces(side[found], VS_KEYS)
    table = table.reset_index()
    names = [c for c in ANNUAL_VS_MONTHS_COLUMNS if c.endswith(("_name", "_kind"))]
    table = table.join(_first(rows, VS_KEYS[:-1], names), on=VS_KEYS[:-1])
    return table.reindex(columns=ANNUAL_VS_MONTHS_COLUMNS)


def _first(rows: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """The first value of each descriptive column per key (names are constant per key)."""
    present = [c for c in columns if c in rows.columns]
    return rows.drop_duplicates(keys).set_index(keys)[present]


ORPHAN_COLUMNS = [
    "reporter", "reporter_name", "partner", "partner_name", "flow", "commodity_code",
    "commodity_name", "period", "freq", "net_weight_kg", "value_usd", "member_rule",
    "source_rows"]


def orphan_group_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Group partner rows (e.g. EU, partner 97) whose members the file does not break out.

    A group row is an orphan when the file has no row, for the same reporter, flow and
    commodity in an overlapping period, with a partner that was a member then (EU: the
    `GROUP_MEMBERS` table, so EU-28 rows before February 2020 count GBR). Groups without a
    member table are broken out by any country row. The totals leave groups out, so an
    orphan's trade would otherwise be in no total: it is listed here, kg and USD.

    >>> rows = pd.DataFrame({"reporter": ["CHN", "CHN", "KOR"], "partner": ["EUU", "USA", "EUU"],
    ...     "partner_kind": ["group", "country", "group"], "flow": ["export"] * 2 + ["import"],
    ...     "commodity_code": ["280530"] * 3, "period": ["2024"] * 3, "freq": ["A"] * 3,
    ...     "period_start": pd.to_datetime(["2024-01-01"] * 3), "net_weight_kg": [5.0, 9.0, 1.0],
    ...     "value_usd": [1.0] * 3, "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> orphans = orphan_group_rows(rows)
    >>> list(orphans["reporter"]), orphans["source_rows"].iloc[0], orphans["member_rule"].iloc[0]
    (['CHN', 'KOR'], 'f.csv lines 2', 'EU members in the period')
    """
    rows = _prepare(frame)
    orphans = rows[_orphan_mask(rows)]
    out = orphans.assign(
        member_rule=orphans["partner"].map(
            lambda code: "EU members in the period" if code == "EUU" else (
                f"{code} members in the period" if code in GROUP_MEMBERS
                else "any country partner")),
        source_rows=[f"{PurePath(str(f)).name} lines {n}"
                     for f, n in zip(orphans["source_file"], orphans["source_line"])])
    return out.reindex(columns=ORPHAN_COLUMNS).reset_index(drop=True)


def orphan_group_mask(frame: pd.DataFrame) -> pd.Series:
    """True for each group partner row (e.g. EU) whose members the frame does not break out.

    Works on trade-frame rows (reporter, partner, ...) of any selection that keeps each
    reporter's rows of a flow and commodity together, such as one `flows.partition`.
    """
    if not (frame["partner_kind"] == "group").any():
        return pd.Series(False, index=frame.index)
    return _orphan_mask(_prepare(frame))


def _orphan_mask(rows: pd.DataFrame) -> pd.Series:
    """True for each group row whose members are not broken out (rows from `_prepare`)."""
    mask = pd.Series(False, index=rows.index)
    countries = rows[rows["partner_kind"] == "country"]
    for code in rows.loc[rows["partner_kind"] == "group", "partner"].unique():
        group = rows[(rows["partner"] == code) & (rows["partner_kind"] == "group")]
        members = countries[_is_member(countries, GROUP_MEMBERS.get(str(code)))]
        mask[group.index] = ~_overlapped(group, members)
    return mask


def _is_member(rows: pd.DataFrame, table: dict[str, tuple[date, date]] | None) -> pd.Series:
    """True where the partner belonged to the group at any time during the row's period."""
    if table is None:
        return pd.Series(True, index=rows.index)
    start = rows["period_start"].to_numpy().astype("datetime64[M]")
    end = start + rows["freq"].map(MONTHS).to_numpy().astype("timedelta64[M]")
    codes, partners = pd.factorize(rows["partner"])
    never = (date(9999, 1, 1), date(1, 1, 1))  # a non-member: joins after it has left
    spans = [table.get(str(p), never) for p in partners]
    first = np.array([s[0] for s in spans], dtype="datetime64[M]")[codes]
    after = np.array([s[1] for s in spans], dtype="datetime64[M]")[codes]
    known = (first < after)
    return pd.Series(known & (first < end) & (after > start), index=rows.index)


def _overlapped(group: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """True for each group row that some member row overlaps in time (same key)."""
    def has(rows: pd.DataFrame, label: pd.Series, among: pd.DataFrame, among_label: pd.Series):
        known = pd.MultiIndex.from_frame(among[SERIES].assign(label=among_label))
        return pd.MultiIndex.from_frame(rows[SERIES].assign(label=label)).isin(known)

    member_annual = members[members["freq"] == "A"]
    sub = members[members["freq"] != "A"]
    quarters = containing_labels(sub, "Q")
    found = np.where(group["freq"] == "A", has(group, group["year"], members, members["year"]),
                     has(group, group["year"], member_annual, member_annual["year"]))
    group_q = containing_labels(group.assign(freq=group["freq"].replace("A", "Q")), "Q")
    in_quarter = has(group, group_q, sub, quarters)
    by_quarter_row = has(group, group_q, sub[sub["freq"] == "Q"], quarters[sub["freq"] == "Q"])
    by_month = has(group, group["period"], sub[sub["freq"] == "M"], sub["period"][
        sub["freq"] == "M"])
    found |= np.where(group["freq"] == "Q", in_quarter, False)
    found |= np.where(group["freq"] == "M", by_quarter_row | by_month, False)
    return pd.Series(found, index=group.index)


def yearly_totals_by_commodity(frame: pd.DataFrame) -> pd.DataFrame:
    """Net weight (t) and value (USD) per flow, commodity code and year, counted once.

    Each code is its own line: a national line is never added to its HS6 parent, nor any
    code to another. `partners_*` sums all partners except World and groups (countries,
    Other Asia nes and other areas, bunkers), each series' annual row where it has one,
    else its months (`periods.yearly_totals`);
    `world_*` sums the World rows where reporters have them; `orphan_group_*` the group
    rows whose members are not broken out (in no other column); `rows_without_weight`
    counts partner rows with a value but no net weight.

    >>> rows = pd.DataFrame({"reporter": ["CHN"] * 3, "partner": ["KOR", "KOR", "WLD"],
    ...     "partner_kind": ["country", "country", "world"], "flow": ["export"] * 3,
    ...     "commodity_code": ["284690", "28469015", "284690"],
    ...     "commodity_name": ["Other compounds", "Dysprosium oxide", "Other compounds"],
    ...     "period": ["2024"] * 3, "freq": ["A"] * 3,
    ...     "period_start": pd.to_datetime(["2024-01-01"] * 3),
    ...     "net_weight_kg": [5000.0, 2000.0, 6000.0], "value_usd": [1.0] * 3,
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> totals = yearly_totals_by_commodity(rows).set_index("commodity_code")
    >>> totals["partners_t"].to_dict(), totals["world_t"].to_dict()
    ({'284690': 5.0, '28469015': 2.0}, {'284690': 6.0, '28469015': nan})
    """
    by = ["flow", "commodity_code"]
    rows = _prepare(frame)
    partners = rows[rows["partner_kind"].isin(REAL_PARTY_KINDS)]
    parts = {
        "partners": partners, "world": rows[rows["partner_kind"] == "world"],
        "orphan_group": rows[_orphan_mask(rows)]}
    table = pd.DataFrame(columns=[*by, "year"]).set_index([*by, "year"])
    for name, side in parts.items():
        totals = yearly_totals(side, by).set_index([*by, "year"]) if len(side) else None
        if totals is not None:
            table = table.join(pd.DataFrame({f"{name}_t": totals["net_weight_kg"] / 1000,
                                             f"{name}_usd": totals["value_usd"]}), how="outer")
    counted = year_rows(partners)
    table["rows_without_weight"] = counted["net_weight_kg"].isna().groupby(
        [counted[c] for c in by] + [counted["year"]], observed=True).sum().reindex(
        table.index, fill_value=0)
    table = table.reset_index().join(_first(rows, ["commodity_code"], ["commodity_name"]),
                                     on="commodity_code")
    return table.reindex(columns=YEARLY_COLUMNS).sort_values(["commodity_code", "flow", "year"],
                                                             ignore_index=True)


YEARLY_COLUMNS = ["flow", "commodity_code", "commodity_name", "year", "partners_t",
                  "partners_usd", "rows_without_weight", "world_t", "world_usd",
                  "orphan_group_t", "orphan_group_usd"]
