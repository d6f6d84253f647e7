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

import pandas as pd

from dashboard.ingest.schema import Flow


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


def orient(frame: pd.DataFrame, direction: Direction, perspective: Perspective,
           commodity_code: str) -> pd.DataFrame:
    """Rows of one commodity with `country*` and `counterpart*` columns added."""
    flow = source_flow(direction, perspective)
    rows = frame[(frame["flow"] == flow) & (frame["commodity_code"] == commodity_code)]
    own, other = ("reporter", "partner") if perspective == Perspective.REPORTER else (
        "partner", "reporter")
    renamed = {f"{own}{s}": f"country{s}" for s in _SIDES}
    renamed |= {f"{other}{s}": f"counterpart{s}" for s in _SIDES}
    oriented = rows.rename(columns=renamed)
    oriented["reported_by"] = oriented["country" if perspective == Perspective.REPORTER
                                       else "counterpart"]
    return oriented


def with_counterpart(rows: pd.DataFrame, counterpart: str | None) -> pd.DataFrame:
    """Rows traded with one counterpart (ISO3), or with all partners when None.

    "All" leaves out World and country groups (EU), which would count the same trade
    twice, but keeps "areas nes" (e.g. Other Asia, nes): that trade is real.
    """
    if counterpart:
        return rows[rows["counterpart"] == counterpart]
    return rows[~rows["counterpart_kind"].isin(["world", "group"])]
