"""The dependency ranking from a kept index: what `dependency.dependency_ranking` computes,
without grouping the year's rows with pandas on every request.

The ranking is asked for one period and one supplier at a time, always of the same
selection's year: that year's rows by importer (a `PeriodIndex`, which applies the
counting rules once) with each row's counterpart are kept, and a view is then masks and
`bincount`s over the pairs (importer, counterpart). `dependency.dependency_ranking` stays
the reference definition; tests/test_ranking_index.py checks that both give the same table
(floats to 1e-12: `bincount` sums where pandas compensates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.country_table import Selection, selected_rows_of_year
from dashboard.analytics.dependency import RANKING_COLUMNS
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import with_counterpart
from dashboard.analytics.period_index import PeriodIndex


@dataclass(frozen=True)
class YearPairs:
    """One year's all-partner rows by importer, each with its counterpart's code."""

    index: PeriodIndex  # by "country"
    counterpart: np.ndarray  # code of each index row's counterpart (into `counterparts`)
    counterparts: list[str]  # sorted
    names: np.ndarray  # country_name of each index row, as the rows hold it
    name_dtype: object  # the rows' country_name dtype
    key_dtype: object  # the rows' country dtype
    # Each importer's one country_name, when every importer's rows all hold one (no NA):
    # then any rows' first name is that one. None when some importer's rows differ.
    one_name: np.ndarray | None = None

    @staticmethod
    def of(rows: pd.DataFrame) -> YearPairs:
        """From oriented rows of one year (any partners: World and groups are left out)."""
        real = with_counterpart(rows, None)
        index = PeriodIndex(real, "country")
        codes, uniques = pd.factorize(real["counterpart"], sort=True)
        names = real["country_name"]
        row_names = names.to_numpy(dtype=object)[index.position]
        return YearPairs(index, codes[index.position], [str(u) for u in uniques], row_names,
                         names.dtype, real["country"].dtype,
                         _one_name(index.group, row_names, len(index.keys)))


def ranking_from(pairs: YearPairs, period: str, supplier: str,
                 min_total_t: float = 0.0) -> pd.DataFrame:
    """`dependency_ranking(rows, period, supplier, min_total_t)` for the rows of `pairs`."""
    index = pairs.index
    used, _ = index.masks(period)
    if not used.any():
        return pd.DataFrame(columns=RANKING_COLUMNS, index=pd.Index([], name="iso3"))
    n, partners = len(index.keys), len(pairs.counterparts)
    group, weight = index.group[used], index.weight[used]
    pair = group.astype(np.int64) * partners + pairs.counterpart[used]
    known = ~np.isnan(weight)
    # Per pair: the sum of known weights, NaN where a pair has rows but none known.
    pair_kg = np.bincount(pair[known], weights=weight[known], minlength=n * partners)
    pair_known = np.bincount(pair[known], minlength=n * partners) > 0
    total_kg = pair_kg.reshape(n, partners).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(pair_known.reshape(n, partners),
                          pair_kg.reshape(n, partners) / np.where(total_kg > 0, total_kg,
                                                                  np.nan)[:, None], np.nan)
    squared = np.where(np.isnan(shares), 0.0, shares ** 2).sum(axis=1)
    hhi = np.where((~np.isnan(shares)).any(axis=1), squared, np.nan)
    supplier_code = (pairs.counterparts.index(supplier) if supplier in pairs.counterparts
                     else -1)
    from_supplier = used & (pairs.counterpart == supplier_code)
    supplier_kg = np.bincount(index.group[from_supplier],
                              weights=np.nan_to_num(index.weight[from_supplier]), minlength=n)
    has_rows = np.bincount(group, minlength=n) > 0
    supplier_t, total_t = supplier_kg / 1000, total_kg / 1000
    with np.errstate(divide="ignore", invalid="ignore"):
        share = supplier_t / np.where(total_t > 0, total_t, np.nan)
    keep = has_rows & (total_t > 0) & (total_t >= min_total_t)
    table = pd.DataFrame({
        "country_name": pd.array(_first_names(pairs, used, n)[keep], dtype=pairs.name_dtype),
        "supplier_t": supplier_t[keep], "total_t": total_t[keep],
        "supplier_share": share[keep], "hhi": hhi[keep],
        # "str", as `source_traces` gives them.
        "supplier_source_rows": pd.array(index.traces_by_key(from_supplier)[keep],
                                         dtype="str"),
        "source_rows": pd.array(index.traces_by_key(used)[keep], dtype="str")},
        index=pd.Index(index.keys[keep], name="iso3", dtype=pairs.key_dtype))
    return table.sort_values(["supplier_share", "supplier_t"], ascending=False)[RANKING_COLUMNS]


def _one_name(group: np.ndarray, names: np.ndarray, n: int) -> np.ndarray | None:
    """`YearPairs.one_name`, from each row's importer (`group`) and country_name."""
    codes, _ = pd.factorize(names)  # NA: -1
    lowest = np.full(n, np.iinfo(np.int64).max)
    highest = np.full(n, -1)
    np.minimum.at(lowest, group, codes)
    np.maximum.at(highest, group, codes)
    present = np.bincount(group, minlength=n) > 0
    if (lowest[present] != highest[present]).any() or (lowest[present] < 0).any():
        return None
    one = np.full(n, None, dtype=object)
    first = np.unique(group, return_index=True)[1]
    one[group[first]] = names[first]
    return one


def _first_names(pairs: YearPairs, used: np.ndarray, n: int) -> np.ndarray:
    """Each importer's country_name on its first used row in the rows' order (as
    `drop_duplicates` picks it); None for importers without used rows."""
    if pairs.one_name is not None:  # any row's name is the first's
        names = np.full(n, None, dtype=object)
        present = np.bincount(pairs.index.group[used], minlength=n) > 0
        names[present] = pairs.one_name[present]
        return names
    rows = np.flatnonzero(used)
    rows = rows[np.argsort(pairs.index.position[rows], kind="stable")]
    keys, first = np.unique(pairs.index.group[rows], return_index=True)
    names = np.full(n, None, dtype=object)
    names[keys] = pairs.names[rows[first]]
    return names


# The last selections' year pairs, per (selection with every partner, year).
_PAIRS: KeptPerFrame[YearPairs] = KeptPerFrame(kept=8)


def selection_ranking(frame: pd.DataFrame, selection: Selection, period: str,
                      supplier: str) -> pd.DataFrame:
    """`dependency_ranking(selected_rows_of_year(frame, selection with every partner,
    period), period, supplier)`, from the year's kept pairs."""
    every_partner = selection.with_every_partner()
    pairs = _PAIRS.get(frame, (every_partner, period[:4]), lambda: YearPairs.of(
        selected_rows_of_year(frame, every_partner, period)))
    return ranking_from(pairs, period, supplier)
