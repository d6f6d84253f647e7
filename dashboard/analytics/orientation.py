"""Orient trade rows around the country a view is about.

A view maps one country's imports (or exports). Those can be read two ways:
- as reported by that country itself ("reporter" perspective), or
- from its partners' statistics ("mirror" perspective): China's exports by destination
  are the destinations' imports from China, as China recorded them.

`orient` returns the rows with `country` (the mapped side) and `counterpart` (the other
side) whichever way they were reported, so everything downstream reads one shape.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from dashboard.analytics.consistency import orphan_group_mask
from dashboard.analytics.kept import KeptPerFrame
from dashboard.ingest.schema import REAL_PARTY_KINDS, Flow


class Perspective(StrEnum):
    REPORTER = "reporter"  # the mapped country's own statistics
    MIRROR = "mirror"  # the partners' statistics


class Direction(StrEnum):
    IMPORTS = "imports"
    EXPORTS = "exports"


_SOURCE_FLOW = {
    (Direction.IMPORTS, Perspective.REPORTER): Flow.IMPORT,
    (Direction.IMPORTS, Perspective.MIRROR): Flow.EXPORT,
    (Direction.EXPORTS, Perspective.REPORTER): Flow.EXPORT,
    (Direction.EXPORTS, Perspective.MIRROR): Flow.IMPORT,
}
_SIDES = ("", "_name", "_kind")


def source_flow(direction: Direction, perspective: Perspective) -> Flow:
    """Which reported flow answers the question: mirror imports are partners' exports."""
    return _SOURCE_FLOW[(Direction(direction), Perspective(perspective))]


# Positions of each (flow, commodity) in a frame, built once per frame: a view then reads
# its few thousand rows instead of comparing strings across millions on every request.
# The last partition taken is kept too: consecutive requests nearly always read the same
# one, and taking it again is a copy of many rows (benchmarks/callbacks.py measures it).
# It is large on big files, so only one is kept (the mirror view, which reads both flows,
# keeps its own reduced arrays).
_POSITIONS: KeptPerFrame[dict] = KeptPerFrame(kept=4)
_TAKEN: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=1)
_ORPHANS: KeptPerFrame[np.ndarray] = KeptPerFrame(kept=8)


def partition(frame: pd.DataFrame, flow: str, commodity_code: str) -> pd.DataFrame:
    """The rows of one flow and commodity, from an index built on first use.

    Callers must not modify the frame they get: it can be shared by the next request.
    """
    return _TAKEN.get(frame, (str(flow), str(commodity_code)), lambda: frame.iloc[
        partition_positions(frame, flow, commodity_code)])


def partition_positions(frame: pd.DataFrame, flow: str, commodity_code: str) -> np.ndarray:
    """Positions in `frame` (ascending) of the rows of one flow and commodity, no copy."""
    positions = _POSITIONS.get(frame, None, lambda: _positions(frame)).get(
        (str(flow), str(commodity_code)))
    return np.empty(0, dtype=np.int64) if positions is None else positions


def _positions(frame: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    indices = frame.groupby(["flow", "commodity_code"], observed=True, sort=False).indices
    return {key: np.asarray(rows) for key, rows in indices.items()}


def orient(frame: pd.DataFrame, direction: Direction, perspective: Perspective,
           commodity_code: str) -> pd.DataFrame:
    """Rows of one commodity with `country*` and `counterpart*` columns added."""
    flow = source_flow(direction, perspective)
    rows = partition(frame, flow.value, commodity_code)
    own, other = ("reporter", "partner") if perspective == Perspective.REPORTER else (
        "partner", "reporter")
    renamed = {f"{own}{s}": f"country{s}" for s in _SIDES}
    renamed |= {f"{other}{s}": f"counterpart{s}" for s in _SIDES}
    oriented = rows.rename(columns=renamed)
    oriented["reported_by"] = oriented["country" if perspective == Perspective.REPORTER
                                       else "counterpart"]
    oriented["orphan_group"] = _ORPHANS.get(
        frame, (flow.value, str(commodity_code)), lambda: orphan_group_mask(rows).to_numpy())
    return oriented


def with_counterpart(rows: pd.DataFrame, counterpart: str | None) -> pd.DataFrame:
    """Rows traded with one counterpart (ISO3), or with all partners when None.

    "All" counts every real partner: countries, "areas nes" (Other Asia, nes, i.e. partner
    490) and special partners (bunkers, free zones); it leaves out World and country groups
    (EU), which would count the same trade twice, except a group row whose members the file
    does not break out (`orphan_group`): its trade is in no other row.
    """
    if counterpart:
        return rows[rows["counterpart"] == counterpart]
    return rows[real_parties(rows, "counterpart")]


def real_parties(rows: pd.DataFrame, side: str) -> pd.Series:
    """True where the `side` ("country" or "counterpart") of an oriented row is a real
    trade partner, or a group whose members are not broken out."""
    real = rows[f"{side}_kind"].isin(REAL_PARTY_KINDS)
    if "orphan_group" in rows.columns:
        real |= rows["orphan_group"] & (rows[f"{side}_kind"] == "group")
    return real
