"""The dependency tab's tables in pandas: the definitions its fast paths are tested against.

`dependency._shares_table`, `dependency_metrics` and `reference_figures` build their
results from arrays (each pandas step here cost 0.1-0.3 ms on every request, a few
milliseconds in all); these are the same results written the direct way.
tests/test_dependency_tab_fast.py checks that both agree exactly. Nothing in the app calls
this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.dependency import SHARE_COLUMNS, DependencyMetrics, hhi
from dashboard.analytics.period_rows import describe_period


def shares_table_reference(totals: pd.DataFrame, parties: pd.DataFrame, country: str,
                           country_name: str, period: str) -> pd.DataFrame:
    """`dependency._shares_table`, in pandas."""
    if totals.empty:
        return pd.DataFrame(columns=SHARE_COLUMNS, index=pd.Index([], name="counterpart"))
    table = parties.reindex(totals.index)
    table["weight_t"] = totals["net_weight_kg"] / 1000
    table["value_usd"] = totals["value_usd"]
    whole = table["weight_t"].sum(min_count=1)
    table["share"] = table["weight_t"] / whole if whole > 0 else np.nan
    table["coverage"] = totals["coverage"]
    table["source_rows"] = totals["source_rows"].astype(object)  # PeriodIndex gives str
    table["country"] = country
    table["country_name"] = country_name
    table["period"] = period
    table.index.name = "counterpart"
    return table.sort_values(["weight_t", "value_usd"], ascending=False, na_position="last")[
        SHARE_COLUMNS]


def dependency_metrics_reference(shares: pd.DataFrame) -> DependencyMetrics | None:
    """`dependency.dependency_metrics`, in pandas."""
    weighed = shares[shares["share"].notna()].sort_values("share", ascending=False)
    if weighed.empty or not weighed["weight_t"].sum() > 0:
        return None
    top = weighed.iloc[0]
    left_out = shares[shares["share"].isna()]  # annual data only, or no weight reported
    note = ""
    if len(left_out):
        names = ", ".join(left_out["counterpart_name"].astype(str))
        note = (f"Not in the shares (no net weight for {describe_period(str(top['period']))},"
                f" or only annual data): {names}")
    return DependencyMetrics(
        country=str(top["country"]), period=str(top["period"]),
        top_supplier=str(weighed.index[0]), top_supplier_name=str(top["counterpart_name"]),
        top_supplier_share=float(top["share"]), top3_share=float(weighed["share"].head(3).sum()),
        hhi=hhi(weighed["share"]), supplier_count=int((weighed["weight_t"] > 0).sum()),
        total_t=float(weighed["weight_t"].sum()), country_name=str(top["country_name"]),
        coverage_note=note)


def reference_figures_reference(facts: pd.DataFrame, country: str, hs6: str,
                                year: str | int | None = None, partner: str | None = None,
                                include_general: bool = False) -> pd.DataFrame:
    """`dependency.reference_figures`, in pandas."""
    text = facts.fillna("").astype(str)
    hs = text["hs6"].str.strip()
    specific = (hs == str(hs6)[:6]) if hs6 else pd.Series(False, index=text.index)
    mask = (text["country"] == country) & (specific | (include_general & (hs == "")))
    if year is not None:
        mask &= text["year"] == str(year)
    if partner:
        mask &= text["partner"] == partner
    return facts[mask]
