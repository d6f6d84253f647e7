"""Bilateral flows for a Sankey: suppliers on the left, importers on the right.

Input is oriented rows (`flows.orient` / `country_table.selected_rows`): `country` is the
mapped side, `counterpart` the other side. Which of them supplies depends on the view:

- Direction.IMPORTS: the counterpart supplies, the country imports
  (source = counterpart, target = country).
- Direction.EXPORTS: the country exports, the counterpart imports
  (source = country, target = counterpart).

So a link always runs from the side that shipped the goods to the side that received them,
whichever side reported the flow. Tonnes are never dropped: sources outside the top N are
folded into one "Other suppliers" node and targets outside the top N into "Other
importers", so the links add up to the total of the input rows.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.compare import source_traces  # the one "source rows" text
from dashboard.analytics.orientation import Direction, real_parties
from dashboard.analytics.period_rows import rows_in_period

OTHER_SOURCE = "_OTHER_SRC"
OTHER_TARGET = "_OTHER_DST"
OTHER_SOURCE_NAME = "Other suppliers"
OTHER_TARGET_NAME = "Other importers"
OTHER_KIND = "other"
FLOW_COLUMNS = ["source", "source_name", "source_kind", "target", "target_name", "target_kind",
                "weight_t", "value_usd", "row_count", "source_rows"]
# World and country groups restate trade already counted country by country.


def sides(direction: Direction) -> tuple[str, str]:
    """Column prefixes of the (supplier, receiver) sides of oriented rows.

    >>> sides(Direction.IMPORTS), sides(Direction.EXPORTS)
    (('counterpart', 'country'), ('country', 'counterpart'))
    """
    if Direction(direction) == Direction.IMPORTS:
        return "counterpart", "country"
    return "country", "counterpart"


def top_flows(rows: pd.DataFrame, period: str, top_n: int = 8,
              direction: Direction = Direction.IMPORTS) -> pd.DataFrame:
    """Links supplier -> importer in `period`, the top N of each side kept, the rest folded.

    Sources and targets are ranked by their total net weight (t) over all their links;
    the top `top_n` of each keep their ISO3 code, the others become OTHER_SOURCE
    ("Other suppliers") or OTHER_TARGET ("Other importers"). Rows are counted once per
    period (`periods.rows_in_period`); rows too coarse for the period (annual data only
    when a month is asked) cannot be split and are left out. World and group
    counterparts are left out (they would count trade twice); "areas nes" stay.

    Columns: source, source_name, source_kind, target, target_name, target_kind
    ("country", "area_nes" or "other" for a fold), weight_t (t), value_usd (USD),
    row_count, source_rows ("file lines 2, 3"). Sorted by weight_t, largest first.

    >>> rows = pd.DataFrame({"country": ["KOR", "KOR", "JPN"],
    ...     "country_name": ["South Korea", "South Korea", "Japan"],
    ...     "country_kind": ["country"] * 3, "counterpart": ["CHN", "VNM", "CHN"],
    ...     "counterpart_name": ["China", "Viet Nam", "China"],
    ...     "counterpart_kind": ["country"] * 3, "flow": ["import"] * 3,
    ...     "commodity_code": ["280530"] * 3, "period": ["2024"] * 3, "freq": ["A"] * 3,
    ...     "net_weight_kg": [6000.0, 1000.0, 3000.0], "value_usd": [60.0, 10.0, 30.0],
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> links = top_flows(rows, "2024", top_n=1)
    >>> links[["source", "target", "weight_t"]].values.tolist()
    [['CHN', 'KOR', 6.0], ['CHN', '_OTHER_DST', 3.0], ['_OTHER_SRC', 'KOR', 1.0]]
    >>> float(links["weight_t"].sum())
    10.0
    """
    used, _coarse = rows_in_period(rows, period)
    used = used[real_parties(used, "counterpart")]  # as the map: orphan group rows count
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
