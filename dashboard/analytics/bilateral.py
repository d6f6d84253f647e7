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

A period's links are few (hundreds of rows, ~100 links at most), and pandas' fixed cost
per step was most of the flows tab's request (~15 ms): the period's rows are picked once
and kept, and the ranking, the folds and the sums run on plain Python values.
`bilateral_reference.top_flows_reference` is the same table in pandas, tested equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from dashboard.analytics.compare import MAX_TRACE_LINES
from dashboard.analytics.group_sums import first_seen_ids, grouped_sums
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import Direction, real_parties
from dashboard.analytics.period_rows import rows_in_period
from dashboard.number_format import is_missing

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


LINK_KEY = ("source", "source_name", "source_kind", "target", "target_name", "target_kind")


@dataclass(frozen=True)
class _PeriodLinks:
    """A period's used rows as links before folding: per column, its values as
    `Series.tolist()` gives them (missing ones in the key and the file as None), the
    measures as float arrays."""

    columns: dict[str, list]  # LINK_KEY, source_file, source_line
    kg: np.ndarray  # net_weight_kg
    usd: np.ndarray  # value_usd
    dtypes: dict[str, Any]  # each column's dtype: the table's columns take them


# Per (rows, period, direction): which rows make up a period is a grouping of every row
# of the year (~6 ms); a change of `top` or a repeated request then skips it.
_PERIOD_LINKS: KeptPerFrame[_PeriodLinks | None] = KeptPerFrame(kept=32)


def top_flows(rows: pd.DataFrame, period: str, top_n: int = 8,
              direction: Direction = Direction.IMPORTS) -> pd.DataFrame:
    """Links supplier -> importer in `period`, the top N of each side kept, the rest folded.

    Sources and targets are ranked by their total net weight (t) over all their links;
    the top `top_n` of each keep their ISO3 code, the others become OTHER_SOURCE
    ("Other suppliers") or OTHER_TARGET ("Other importers"). Rows are counted once per
    period (`periods.rows_in_period`); rows too coarse for the period (annual data only
    when a month is asked) cannot be split and are left out. World and group
    counterparts are left out (they would count trade twice); "areas nes" stay.
    `rows` are taken as unchanging (as `selected_rows_of_year` keeps them): the period's
    links are kept per (rows, period, direction).

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
    direction = Direction(direction)
    links = _PERIOD_LINKS.get(rows, (period, direction),
                              lambda: _period_links(rows, period, direction))
    if links is None:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    columns = dict(links.columns)  # the folds replace lists; the kept ones stay as they are
    for side, code, name in (("source", OTHER_SOURCE, OTHER_SOURCE_NAME),
                             ("target", OTHER_TARGET, OTHER_TARGET_NAME)):
        keep = _top(columns[side], links.kg, top_n)
        columns |= _folded(columns, side, keep, code, name)
    return _sum_links(columns, links)


def _period_links(rows: pd.DataFrame, period: str, direction: Direction) -> _PeriodLinks | None:
    used, _coarse = rows_in_period(rows, period)
    used = used[real_parties(used, "counterpart")]  # as the map: orphan group rows count
    if used.empty:
        return None
    supplier, receiver = sides(direction)
    links = pd.DataFrame({
        "source": used[supplier].astype(str), "source_name": used[f"{supplier}_name"],
        "source_kind": used[f"{supplier}_kind"], "target": used[receiver].astype(str),
        "target_name": used[f"{receiver}_name"], "target_kind": used[f"{receiver}_kind"],
        "net_weight_kg": used["net_weight_kg"], "value_usd": used["value_usd"],
        "source_file": used["source_file"], "source_line": used["source_line"],
    })
    columns = {name: links[name].tolist() for name in (*LINK_KEY, "source_file",
                                                        "source_line")}
    for name in (*LINK_KEY, "source_file"):  # pandas groups every missing value as one
        columns[name] = [None if is_missing(value) else value for value in columns[name]]
    return _PeriodLinks(columns, links["net_weight_kg"].to_numpy(dtype=np.float64),
                        links["value_usd"].to_numpy(dtype=np.float64),
                        links.dtypes.to_dict())


def _top(codes: list, kg: np.ndarray, top_n: int) -> set[str]:
    """Codes of the `top_n` heaviest parties on one side (ties broken by code)."""
    present = sorted({code for code in codes if code is not None})
    position = {code: at for at, code in enumerate(present)}  # groupby(side): codes sorted
    ids = np.array([-1 if code is None else position[code] for code in codes], dtype=np.intp)
    tonnes = grouped_sums(ids, kg, len(present)).tolist()
    ranked = sorted(range(len(present)), key=lambda at: (-tonnes[at], present[at]))
    return {present[at] for at in ranked[:max(top_n, 0)]}


def _folded(columns: dict[str, list], side: str, keep: set[str], code: str,
            name: str) -> dict[str, list]:
    """`side`'s code, name and kind columns, every party outside `keep` renamed to the fold."""
    folded = [party not in keep for party in columns[side]]
    return {column: [fold if out else value
                     for out, value in zip(folded, columns[column], strict=True)]
            for column, fold in ((side, code), (f"{side}_name", name),
                                 (f"{side}_kind", OTHER_KIND))}


def _sum_links(columns: dict[str, list], links: _PeriodLinks) -> pd.DataFrame:
    """One row per link key: tonnes, USD, row count and the rows summed, heaviest first."""
    ids, groups = first_seen_ids(zip(*(columns[name] for name in LINK_KEY), strict=True))
    weight_t = (grouped_sums(ids, links.kg, len(groups)) / 1000).tolist()
    usd = grouped_sums(ids, links.usd, len(groups), min_count=1).tolist()
    count = np.bincount(ids, minlength=len(groups)).tolist()
    traces = _source_traces(columns)
    order = sorted(range(len(groups)),
                   key=lambda at: (-weight_t[at], groups[at][0], groups[at][3]))
    dtypes = links.dtypes
    table = {name: pd.array([groups[at][i] for at in order], dtype=dtypes[name])
             for i, name in enumerate(LINK_KEY)}
    table |= {
        "weight_t": np.array([weight_t[at] for at in order], dtype=dtypes["net_weight_kg"]),
        "value_usd": np.array([usd[at] for at in order], dtype=dtypes["value_usd"]),
        "row_count": np.array([count[at] for at in order], dtype=np.int64),
        "source_rows": pd.array([traces.get((groups[at][0], groups[at][3]), "")
                                 for at in order], dtype="str"),
    }
    return pd.DataFrame(table, columns=FLOW_COLUMNS)


def _source_traces(columns: dict[str, list]) -> dict[tuple[str, str], str]:
    """`compare.source_traces` per (source, target): "f.csv lines 2, 3 (+4 more); g.csv ..."."""
    places: dict[tuple[str, str], list] = {}
    for source, target, file, line in zip(columns["source"], columns["target"],
                                          columns["source_file"], columns["source_line"],
                                          strict=True):
        if file is not None:
            places.setdefault((source, target), []).append((file, line))
    texts = {}
    for link, found in places.items():
        found.sort()
        parts = []
        for file, lines in groupby(found, key=itemgetter(0)):
            numbers = [str(line) for _, line in lines]
            extra = len(numbers) - MAX_TRACE_LINES
            parts.append(f"{PurePath(str(file)).name} lines "
                         + ", ".join(numbers[:MAX_TRACE_LINES])
                         + (f" (+{extra} more)" if extra > 0 else ""))
        texts[link] = "; ".join(parts)
    return texts
