"""`bilateral.top_flows` in pandas: the definition its fast path is tested against.

`bilateral.top_flows` folds and sums a period's few hundred links as plain Python values
(pandas cost ~15 ms a request there, whatever the row count); this is the same table
written the direct way, one pandas step per rule. tests/test_sankey_fast.py checks that
the two agree exactly on generated rows. Nothing in the app calls this module.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.bilateral import (
    FLOW_COLUMNS,
    OTHER_KIND,
    OTHER_SOURCE,
    OTHER_SOURCE_NAME,
    OTHER_TARGET,
    OTHER_TARGET_NAME,
    sides,
)
from dashboard.analytics.compare import source_traces
from dashboard.analytics.orientation import Direction, real_parties
from dashboard.analytics.period_rows import rows_in_period


def top_flows_reference(rows: pd.DataFrame, period: str, top_n: int = 8,
                        direction: Direction = Direction.IMPORTS) -> pd.DataFrame:
    """`bilateral.top_flows`, in pandas."""
    used, _coarse = rows_in_period(rows, period)
    used = used[real_parties(used, "counterpart")]
    if used.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    supplier, receiver = sides(direction)
    links = pd.DataFrame({
        "source": used[supplier].astype(str), "source_name": used[f"{supplier}_name"],
        "source_kind": used[f"{supplier}_kind"], "target": used[receiver].astype(str),
        "target_name": used[f"{receiver}_name"], "target_kind": used[f"{receiver}_kind"],
        "net_weight_kg": used["net_weight_kg"], "value_usd": used["value_usd"],
        "source_file": used["source_file"], "source_line": used["source_line"],
    })
    _fold(links, "source", _top(links, "source", top_n), OTHER_SOURCE, OTHER_SOURCE_NAME)
    _fold(links, "target", _top(links, "target", top_n), OTHER_TARGET, OTHER_TARGET_NAME)
    return _sum_links(links)


def _top(links: pd.DataFrame, side: str, top_n: int) -> set[str]:
    """Codes of the `top_n` heaviest parties on one side (ties broken by code)."""
    tonnes = links.groupby(side)["net_weight_kg"].sum().reset_index()
    ranked = tonnes.sort_values(["net_weight_kg", side], ascending=[False, True])
    return set(ranked[side].head(max(top_n, 0)))


def _fold(links: pd.DataFrame, side: str, keep: set[str], code: str, name: str) -> None:
    """Rename every party of `side` outside `keep` to the fold node (in place)."""
    folded = ~links[side].isin(keep)
    links.loc[folded, side] = code
    links.loc[folded, f"{side}_name"] = name
    links.loc[folded, f"{side}_kind"] = OTHER_KIND


def _sum_links(links: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, target): tonnes, USD, row count and the rows summed."""
    key = ["source", "source_name", "source_kind", "target", "target_name", "target_kind"]
    grouped = links.groupby(key, sort=False, dropna=False)
    out = pd.DataFrame({
        "weight_t": grouped["net_weight_kg"].sum() / 1000,
        "value_usd": grouped["value_usd"].sum(min_count=1),
        "row_count": grouped.size(),
    })
    traces = source_traces(links.assign(_link=links["source"] + "\x1f" + links["target"]),
                           "_link")
    out["source_rows"] = [traces.get(f"{s}\x1f{t}", "") for s, _, _, t, _, _ in out.index]
    out = out.reset_index()
    out = out.sort_values(["weight_t", "source", "target"], ascending=[False, True, True])
    return out[FLOW_COLUMNS].reset_index(drop=True)
