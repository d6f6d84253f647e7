"""Per-country totals for a period, and honest comparisons of two periods.

"Q1 2025 against 2024" is three different statements (docs/methods.md#comparisons): against the full
year, against the average quarter of that year, and against the same quarter a year
earlier. A `Comparison` names which one a figure is, and `describe` says it in words.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.analytics.period_rows import (
    describe_period,
    month_bits,
    period_bits,
    rows_in_period,
    series_year_flags,
)
from dashboard.ingest.period_labels import freq_of, months_in
from dashboard.number_format import tonnes_text

MAX_TRACE_LINES = 5


class Measure(StrEnum):
    WEIGHT = "weight"  # net weight, tonnes
    VALUE = "value"  # US dollars
    UNIT_VALUE = "unit_value"  # US dollars per kg


MEASURE_UNITS = {Measure.WEIGHT: "t", Measure.VALUE: "USD", Measure.UNIT_VALUE: "USD/kg"}
MEASURE_NAMES = {Measure.WEIGHT: "Net weight", Measure.VALUE: "Trade value",
                 Measure.UNIT_VALUE: "Unit value"}


class Basis(StrEnum):
    TOTAL = "total"  # the baseline period's whole total
    AVERAGE = "average"  # the baseline scaled to the length of the compared period


class Change(StrEnum):
    ABSOLUTE = "absolute"
    PERCENT = "percent"
    RATIO = "ratio"


@dataclass(frozen=True)
class Comparison:
    period: str
    baseline: str
    basis: Basis = Basis.TOTAL

    def describe(self) -> str:
        """Exactly which comparison this is, e.g. "Q1 2025 against the average quarter of 2024"."""
        period, baseline = describe_period(self.period), describe_period(self.baseline)
        if self.basis == Basis.AVERAGE and months_in(self.baseline) != months_in(self.period):
            unit = {1: "month", 3: "quarter", 12: "year"}[months_in(self.period)]
            return f"{period} against the average {unit} of {baseline}"
        whole = "the whole of " if months_in(self.baseline) > months_in(self.period) else ""
        return f"{period} against {whole}{baseline}"

    @property
    def scale(self) -> float:
        """Factor applied to the baseline's total: 3/12 for a quarter against an average year."""
        if self.basis == Basis.AVERAGE:
            return months_in(self.period) / months_in(self.baseline)
        return 1.0


# Columns of a period-totals table (`period_totals`, `PeriodIndex.totals`), in this order.
TOTALS_COLUMNS = ["net_weight_kg", "value_usd", "row_count", "estimated",
                  "weight_with_value_kg", "value_with_weight_usd", "value_without_weight_usd",
                  "rows_without_weight", "months_with_rows", "months_in_period",
                  "excluded_rows", "excluded_kg", "annual_only", "annual_beside_kg",
                  "months_beside_kg", "converted_eur", "converted_usd", "source_rows",
                  "coverage"]


def period_totals(rows: pd.DataFrame, period: str, by: str = "country") -> pd.DataFrame:
    """Per `by`: net weight (kg), value (USD), what the figures cover, and their source lines.

    The reference definition (`PeriodIndex.totals` is the fast path, tested equal):
    - net_weight_kg, value_usd: sums over the rows that make up the period (NaN when none
      of them reports the figure); row_count; estimated (any weight flagged estimated);
    - weight_with_value_kg, value_with_weight_usd: sums over the rows that report both, the
      only honest basis of a unit value; value_without_weight_usd and rows_without_weight:
      the value of rows that report no weight (kept out of weight and unit value);
    - months_with_rows of months_in_period: months covered by at least one row (an annual
      row covers 12, a quarterly one 3);
    - excluded_rows, excluded_kg: rows of that year too coarse for the period (an annual
      row when a quarter is asked), left out; a key with only those has annual_only True
      and NaN figures;
    - annual_beside_kg, months_beside_kg (years only): where a series has both an annual row
      (used) and months covering the whole year (set aside), the two figures, so a
      difference is said (`periods` module rules);
    - converted_eur, converted_usd: over the rows whose USD was converted from euros at a
      stated rate (`usd_per_eur`: Comext's rows), the euros and the dollars (0 when none);
    - coverage: all of that in words ("complete", "2 of 3 months", ...).

    >>> rows = pd.DataFrame({"country": ["KOR"] * 3, "counterpart": ["CHN", "CHN", "JPN"],
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "period": ["2025-01", "2025-02", "2025"], "freq": ["M", "M", "A"],
    ...     "net_weight_kg": [10_000.0, 5_000.0, 2_000.0], "value_usd": [1e5, 2e4, 3e4],
    ...     "weight_estimated": [False] * 3, "source_file": ["f.csv"] * 3,
    ...     "source_line": [2, 3, 4]})
    >>> q1 = period_totals(rows, "2025-Q1").loc["KOR"]
    >>> float(q1["net_weight_kg"]), q1["coverage"]
    (15000.0, '2 of 3 months; excludes annual-only rows (2.0 t in 2025, 1 row)')
    """
    used, coarse = rows_in_period(rows, period)
    weight, value = used["net_weight_kg"], used["value_usd"]
    both = weight.notna() & value.notna()
    converted = value.notna() & _column(used, "value_eur").notna() & _column(
        used, "usd_per_eur").notna()
    keyed = used.assign(
        _wv=weight.where(both), _vw=value.where(both), _vnw=value.where(weight.isna()),
        _nw=weight.isna(), _bits=month_bits(used["period"]),
        _ce=_column(used, "value_eur").where(converted), _cu=value.where(converted))
    grouped = keyed.groupby(by, observed=True)
    totals = pd.DataFrame({
        "net_weight_kg": grouped["net_weight_kg"].sum(min_count=1),
        "value_usd": grouped["value_usd"].sum(min_count=1),
        "row_count": grouped.size(),
        "estimated": grouped["weight_estimated"].any(),
        "weight_with_value_kg": grouped["_wv"].sum(min_count=1),
        "value_with_weight_usd": grouped["_vw"].sum(min_count=1),
        "value_without_weight_usd": grouped["_vnw"].sum(),
        "rows_without_weight": grouped["_nw"].sum().astype("int64"),
        "months_with_rows": grouped["_bits"].agg(_covered_months(period)).astype("int64"),
        "converted_eur": grouped["_ce"].sum(), "converted_usd": grouped["_cu"].sum(),
    })
    missing = sorted(set(coarse[by]) - set(totals.index))
    if missing:  # only rows too coarse for the period: listed, with no figure
        gaps = pd.DataFrame(index=pd.Index(missing, name=by))
        gaps["row_count"] = gaps["rows_without_weight"] = gaps["months_with_rows"] = 0
        gaps["estimated"], gaps["value_without_weight_usd"] = False, 0.0
        gaps["converted_eur"] = gaps["converted_usd"] = 0.0
        totals = pd.concat([totals, gaps])
    excluded = coarse.groupby(by, observed=True)["net_weight_kg"]
    totals["excluded_rows"] = excluded.size().reindex(totals.index).fillna(0).astype("int64")
    totals["excluded_kg"] = excluded.sum().reindex(totals.index).fillna(0.0)
    totals["annual_only"] = totals.index.isin(missing)
    totals["months_in_period"] = months_in(period)
    annual_kg, months_kg = _beside(rows, period, by)
    totals["annual_beside_kg"] = annual_kg.reindex(totals.index).fillna(0.0)
    totals["months_beside_kg"] = months_kg.reindex(totals.index).fillna(0.0)
    totals["source_rows"] = source_traces(used, by).reindex(totals.index).fillna("").astype(object)
    totals["coverage"] = pd.Series(coverage_texts(totals, period), index=totals.index,
                                   dtype=object)
    totals.index.name = by
    return totals[TOTALS_COLUMNS]


def _column(rows: pd.DataFrame, name: str) -> pd.Series:
    """A float column of the trade frame, NaN where the rows do not have it."""
    if name in rows:
        return rows[name].astype("float64")
    return pd.Series(np.nan, index=rows.index, dtype="float64")


def _beside(rows: pd.DataFrame, period: str, by: str) -> tuple[pd.Series, pd.Series]:
    """kg of the annual rows used for a year whose months cover it too, and of those months."""
    if freq_of(period) != "A" or rows.empty:
        return pd.Series(dtype=float), pd.Series(dtype=float)
    in_year = rows[rows["period"].str.slice(0, 4) == period]
    flags = series_year_flags(in_year)
    beside = in_year[flags["beside"].to_numpy() & (flags["finest"] | flags["year_use"])
                     .to_numpy()]
    annual = beside["freq"] == "A"
    weight = beside["net_weight_kg"]
    return (weight[annual].groupby(beside.loc[annual, by], observed=True).sum(),
            weight[~annual].groupby(beside.loc[~annual, by], observed=True).sum())


def _covered_months(period: str):
    """An aggregation: how many of the period's months a group's rows cover."""
    wanted = period_bits(period)

    def covered(bits: pd.Series) -> int:
        union = int(np.bitwise_or.reduce(bits.to_numpy())) if len(bits) else 0
        return (union & wanted).bit_count()
    return covered


def coverage_texts(totals: pd.DataFrame, period: str) -> list[str]:
    """What each key's figures cover, in words: "complete", "2 of 3 months", ...

    Built from the count columns of a period-totals table, so both implementations of the
    table say it in the same words. Plain numpy: it runs on every request.
    """
    c = {name: totals[name].to_numpy() for name in _COVERAGE_COLUMNS}
    annual, months = c["annual_beside_kg"], c["months_beside_kg"]
    plain = (~c["annual_only"].astype(bool) & (c["months_with_rows"] >= c["months_in_period"])
             & (c["excluded_rows"] == 0) & (c["rows_without_weight"] == 0)
             & (np.abs(annual - months) <= np.maximum(ROUNDING_SHARE * np.abs(annual),
                                                      ROUNDING_ABSOLUTE)))
    texts = np.full(len(totals), COMPLETE, dtype=object)
    # Words only for the keys whose figure is not plainly whole (few, on most views).
    others = np.flatnonzero(~plain)
    texts[others] = [_coverage_text(_Counts(*(c[name][i] for name in _COVERAGE_COLUMNS)),
                                    period[:4]) for i in others]
    return texts.tolist()


_COVERAGE_COLUMNS = ("annual_only", "months_with_rows", "months_in_period", "excluded_rows",
                     "excluded_kg", "rows_without_weight", "row_count", "annual_beside_kg",
                     "months_beside_kg")
_Counts = namedtuple("_Counts", _COVERAGE_COLUMNS)  # type: ignore[misc]  # names from the tuple above


def _coverage_text(row, year: str) -> str:
    # Rows too coarse for a month can be quarterly; for a quarter, only annual.
    coarser = "annual-only" if row.months_in_period > 1 else "quarterly or annual"
    if row.annual_only:
        return ANNUAL_ONLY
    parts = []
    if row.months_with_rows < row.months_in_period:
        parts.append(f"{row.months_with_rows} of {row.months_in_period} months")
    if row.excluded_rows:
        count = "1 row" if row.excluded_rows == 1 else f"{row.excluded_rows} rows"
        parts.append(f"excludes {coarser} rows ({tonnes_text(row.excluded_kg)} in {year},"
                     f" {count})")
    annual, months = row.annual_beside_kg, row.months_beside_kg
    if abs(annual - months) > max(ROUNDING_SHARE * abs(annual), ROUNDING_ABSOLUTE):
        parts.append(f"annual rows used ({tonnes_text(annual)}); their months sum to"
                     f" {tonnes_text(months)}")
    if row.rows_without_weight and row.rows_without_weight == row.row_count:
        parts.append(WEIGHT_NOT_REPORTED)
    elif row.rows_without_weight:
        parts.append(f"weight not reported on {row.rows_without_weight} of {row.row_count}"
                     " rows")
    return "; ".join(parts) or COMPLETE


# Differences under 0.5% of the reference figure, or under 1 kg / 1 USD, are rounding:
# Comtrade rounds each row, and a total is not the sum of rounded rows (an annual row against
# its months here; a World row against its partners in `consistency`).
ROUNDING_SHARE = 0.005
ROUNDING_ABSOLUTE = 1.0  # kg or USD
COMPLETE = "complete"
ANNUAL_ONLY = "annual data only"
WEIGHT_NOT_REPORTED = "weight not reported"


def source_traces(rows: pd.DataFrame, by: str | list[str]) -> pd.Series:
    """"file.csv lines 12, 40, 41 (+3 more)" per group: the rows each figure was summed from.

    Index: the groups (sorted, as `groupby` would), named `by`. From arrays: codes sorted once,
    then a short loop over the (group, file) runs; `source_traces_reference` is the
    definition, and a property test checks that both give the same Series.

    >>> rows = pd.DataFrame({"country": ["KOR"] * 7 + ["JPN"], "source_file": ["a/f.csv"] * 8,
    ...                      "source_line": [9, 3, 4, 5, 6, 7, 8, 2]})
    >>> source_traces(rows, "country").to_dict()
    {'JPN': 'f.csv lines 2', 'KOR': 'f.csv lines 3, 4, 5, 6, 7 (+2 more)'}
    """
    keys = [by] if isinstance(by, str) else list(by)
    if rows.empty:
        return pd.Series(dtype=object)
    factorized = [pd.factorize(rows[k], sort=True) for k in keys]
    files, file_names = pd.factorize(rows["source_file"], sort=True)
    known = np.logical_and.reduce([codes >= 0 for codes, _ in factorized] + [files >= 0])
    codes = [c[known] for c, _ in factorized]
    files, lines = files[known], rows["source_line"].to_numpy()[known]
    if not len(files):
        return pd.Series(dtype=object)
    order = np.lexsort((lines, files, *reversed(codes)))
    codes, files, lines = [c[order] for c in codes], files[order], lines[order]
    new_group = np.logical_or.reduce([np.r_[True, c[1:] != c[:-1]] for c in codes])
    new_run = new_group | np.r_[True, files[1:] != files[:-1]]
    starts = np.flatnonzero(new_run)
    ends = np.r_[starts[1:], len(files)]
    labels = [PurePath(str(name)).name for name in file_names]
    texts: list[str] = []
    for start, end, first_in_group in zip(starts.tolist(), ends.tolist(),
                                          new_group[starts].tolist(), strict=True):
        extra = end - start - MAX_TRACE_LINES
        part = (f"{labels[files[start]]} lines "
                + ", ".join(map(str, lines[start:min(end, start + MAX_TRACE_LINES)].tolist()))
                + (f" (+{extra} more)" if extra > 0 else ""))
        if first_in_group:
            texts.append(part)
        else:
            texts[-1] += "; " + part
    heads = np.flatnonzero(new_group)
    levels = [uniques.take(c[heads]) for c, (_, uniques) in zip(codes, factorized, strict=True)]
    index = (pd.Index(levels[0], name=keys[0]) if len(keys) == 1
             else pd.MultiIndex.from_arrays(levels, names=keys))
    return pd.Series(texts, index=index, dtype="str")


def source_traces_reference(rows: pd.DataFrame, by: str | list[str]) -> pd.Series:
    """`source_traces` in pandas: the reference definition the fast path is tested against."""
    keys = [by] if isinstance(by, str) else list(by)
    if rows.empty:
        return pd.Series(dtype=object)
    lines = rows[[*keys, "source_file", "source_line"]].sort_values(
        [*keys, "source_file", "source_line"])
    per_file = lines.groupby([*keys, "source_file"], observed=True, sort=True)["source_line"]
    rank = per_file.cumcount()
    count = per_file.transform("size")
    shown = lines[rank < MAX_TRACE_LINES].assign(text=lambda f: f["source_line"].astype(str))
    joined = shown.groupby([*keys, "source_file"], observed=True)["text"].agg(", ".join)
    more = count.groupby([lines[k] for k in [*keys, "source_file"]], observed=True).first()
    extra = (more - MAX_TRACE_LINES).clip(lower=0)
    names = pd.Series([PurePath(str(f)).name for f in joined.index.get_level_values(-1)],
                      index=joined.index)
    parts = names + " lines " + joined + extra.reindex(joined.index).map(
        lambda n: f" (+{n} more)" if n > 0 else "")
    level = keys[0] if len(keys) == 1 else keys
    return parts.groupby(level=level, observed=True).agg("; ".join)


def measure_values(totals: pd.DataFrame, measure: Measure) -> pd.Series:
    """The chosen measure in display units (t, USD or USD/kg).

    Unit value is value / weight over the rows that report both: a row with a value and no
    weight would otherwise inflate it (60 USD/kg where the rows with both give 35).
    """
    if measure == Measure.WEIGHT:
        return totals["net_weight_kg"] / 1000
    if measure == Measure.VALUE:
        return totals["value_usd"]
    weight = totals["weight_with_value_kg"].where(totals["weight_with_value_kg"] > 0)
    return totals["value_with_weight_usd"] / weight


def compare(rows: pd.DataFrame, comparison: Comparison, measure: Measure) -> pd.DataFrame:
    """Per country: value in the period, baseline, and the change as difference, % and ratio.

    Unit values are intensive (USD/kg), so a baseline in unit value is never scaled.
    Percent and ratio are NaN where the baseline is zero or missing ("new" trade); all
    three changes are NaN where either side has no comparable figure (only annual rows for a
    quarter, or no weight reported), and `change_note` says why.
    """
    return compare_totals(period_totals(rows, comparison.period),
                          period_totals(rows, comparison.baseline), comparison, measure)


def compare_totals(current: pd.DataFrame, base: pd.DataFrame, comparison: Comparison,
                   measure: Measure) -> pd.DataFrame:
    """`compare` from the two periods' `period_totals` tables.

    Arrays aligned once on the union of keys, the table built once (it runs per request).
    """
    scale = 1.0 if measure == Measure.UNIT_VALUE else comparison.scale
    index = current.index.union(base.index)
    now_at, then_at = current.index.get_indexer(index), base.index.get_indexer(index)
    value = _aligned(measure_values(current, measure).to_numpy(float), now_at, np.nan)
    baseline = _aligned(measure_values(base, measure).to_numpy(float), then_at, np.nan) * scale
    now = _figure_state(now_at, current, value)
    then = _figure_state(then_at, base, baseline)
    comparable = ~np.isin(now, _NOT_COMPARABLE) & ~np.isin(then, _NOT_COMPARABLE)
    absolute = np.nan_to_num(value) - np.nan_to_num(baseline)
    absolute[~comparable | ((now == _NO_ROWS) & (then == _NO_ROWS))] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((baseline > 0) & comparable, np.nan_to_num(value) / baseline, np.nan)
    words = {name: (_aligned(current[name].to_numpy(object), now_at, "no rows"),
                    _aligned(base[name].to_numpy(object), then_at, "no rows"))
             for name in ("coverage", "source_rows")}
    coverage_now, coverage_then = words["coverage"]
    return pd.DataFrame({
        "value": value, "baseline": baseline, "absolute": absolute, "ratio": ratio,
        "percent": (ratio - 1) * 100,
        "change_note": _change_notes(now, then, comparison),
        "coverage": np.where(coverage_now == coverage_then, coverage_now,
                             "period: " + coverage_now + "; baseline: " + coverage_then),
        "source_rows": np.where(now_at >= 0, words["source_rows"][0], ""),
        "baseline_source_rows": np.where(then_at >= 0, words["source_rows"][1], ""),
        "estimated": (_aligned(current["estimated"].to_numpy(bool), now_at, False)
                      | _aligned(base["estimated"].to_numpy(bool), then_at, False)),
        "value_without_weight_usd": _aligned(
            current["value_without_weight_usd"].to_numpy(float), now_at, 0.0),
    }, index=index)


def _aligned(values: np.ndarray, at: np.ndarray, missing) -> np.ndarray:
    """values[at], with `missing` where at is -1 (the key is not in that table)."""
    out = values[np.where(at >= 0, at, 0)] if len(values) else np.full(len(at), missing)
    out = out.astype(object) if isinstance(missing, str) else out.copy()
    out[at < 0] = missing
    return out


# What one side of a comparison holds for a key.
_NO_ROWS, _COARSE, _UNREPORTED, _FIGURE = "no rows", "coarse", "unreported", "figure"
_NOT_COMPARABLE = (_COARSE, _UNREPORTED)


def _figure_state(at: np.ndarray, totals: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """Per key: a figure, no rows at all, only coarser rows, or rows without this measure."""
    coarse = _aligned(totals["annual_only"].to_numpy(bool), at, False)
    return np.select([at < 0, coarse, np.isnan(values)], [_NO_ROWS, _COARSE, _UNREPORTED],
                     default=_FIGURE)


def _change_notes(now: np.ndarray, then: np.ndarray, comparison: Comparison) -> np.ndarray:
    """Why a change is missing or how to read it, per key ("" when it is plain)."""
    period, baseline = describe_period(comparison.period), describe_period(comparison.baseline)
    reasons = {_COARSE: "only annual data, too coarse for {}",
               _UNREPORTED: "the measure is not reported for {}"}
    notes = np.full(len(now), "", dtype=object)
    notes[(then == _NO_ROWS) & (now == _FIGURE)] = f"new: no rows in {baseline}"
    notes[(now == _NO_ROWS) & (then == _FIGURE)] = f"no rows in {period}, counted as 0"
    for i in np.flatnonzero(np.isin(now, _NOT_COMPARABLE) | np.isin(then, _NOT_COMPARABLE)):
        why = [reasons[state].format(label) for state, label in ((now[i], period),
                                                                  (then[i], baseline))
               if state in reasons]
        notes[i] = "no comparable figures: " + "; ".join(why)
    return notes
