"""Seconds and peak memory to read and validate a Comtrade Plus file (default 1M rows).

Each run is a fresh process, so peak RSS is the reader's own. Prints median and max.
Usage: python benchmarks/read_speed.py [ROWS] [RUNS]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONE_RUN = """
import json, resource, sys, time
from pathlib import Path
from dashboard.ingest import readers
start = time.perf_counter()
result = readers.read_many([Path(sys.argv[1])])
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows_used": len(result.frame),
                  "problems": len(result.problems), **result.stats}))
"""


def main(rows: int = 1_000_000, runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "comtrade_plus.csv"
        subprocess.run([sys.executable, str(HERE / "make_comtrade_plus.py"), str(rows),
                        str(path)], check=True)
        results = [json.loads(subprocess.run([sys.executable, "-c", ONE_RUN, str(path)],
                                             check=True, capture_output=True,
                                             text=True).stdout) for _ in range(runs)]
    seconds = [r["seconds"] for r in results]
    peaks = [r["peak_mb"] for r in results]
    print(f"read + validate {rows:,} Comtrade Plus rows ({runs} runs, fresh process each)")
    print(f"  seconds: median {statistics.median(seconds):.2f}, max {max(seconds):.2f}")
    print(f"  peak RSS: median {statistics.median(peaks):.0f} MB, max {max(peaks):.0f} MB")
    last = results[-1]
    print(f"  rows used {last['rows_used']:,}; breakdown rows set aside "
          f"{last['breakdown_rows']:,}; problems {last['problems']:,}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
