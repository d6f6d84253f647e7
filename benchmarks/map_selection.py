"""The map's callback work at scale, cold and warm: `country_table` for one selection.

Builds a frame of the demo data repeated N times (same shape as the demo, N x the rows; keys
repeat, which costs the analytics the same work), then times the first touch of a selection
(its PeriodIndex, World index and series-year flags) and warm requests (a comparison).

    .venv/bin/python benchmarks/map_selection.py [--copies 20]

Prints milliseconds; nothing is asserted (targets live in BENCHMARKS.md, not in tests).
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from dashboard.analytics import orientation
from dashboard.analytics.compare import Basis, Comparison
from dashboard.analytics.country_table import _PREPARED, Selection, country_table
from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    frame = dataset.load([DEFAULT_DATA]).frame
    frame = pd.concat([frame] * args.copies, ignore_index=True) if args.copies > 1 else frame
    selection, comparison = Selection("284690"), Comparison("2025-Q1", "2024", Basis.TOTAL)
    cold = []
    for _ in range(3):
        _PREPARED._entries.clear()
        orientation._ORPHANS._entries.clear()
        start = time.perf_counter()
        country_table(frame, selection, "2025-Q1", comparison)
        cold.append((time.perf_counter() - start) * 1000)
    warm = []
    for _ in range(7):
        start = time.perf_counter()
        country_table(frame, selection, "2025-Q1", comparison)
        warm.append((time.perf_counter() - start) * 1000)
    print(f"{len(frame):,} rows: first touch {', '.join(f'{c:.0f}' for c in cold)} ms;"
          f" warm median {statistics.median(warm):.1f} ms")


if __name__ == "__main__":
    main()
