"""What a running server pays when one file arrives beside a cached folder (benchmarks only).

Writes a Comtrade Plus folder of ROWS rows (make_comtrade_plus.py), loads it once through
the per-file cache, adds a small file, then times: a full raw read of the folder (no cache),
a cached load with nothing new, the load after the new file (only it is read raw), and the
whole reload a server does (`Context.check_data`: stat, load, Bundle.of).

    .venv/bin/python benchmarks/data_reload.py [ROWS] [--new-rows 2000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
Result = TypeVar("Result")


def timed(action: Callable[[], Result]) -> tuple[float, Result]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=100_000)
    parser.add_argument("--new-rows", type=int, default=2_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="data-reload-"))
    try:
        run(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> None:
    from factories import PLUS_COLUMNS, plus_row, write_rows

    from dashboard.ingest import dataset, readers
    from dashboard.web.context import Context, DataWatch

    folder, cache_dir = work / "data", work / "cache"
    folder.mkdir()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_comtrade_plus.py"),
                    str(args.rows), str(folder / "big.csv")], check=True, capture_output=True)
    raw_s, fresh = timed(lambda: dataset.load([folder]))
    build_s, _ = timed(lambda: dataset.load([folder], cache_dir=cache_dir))
    hit_s, _ = timed(lambda: dataset.load([folder], cache_dir=cache_dir))
    clock = [0.0]
    context = Context(fresh, watch=DataWatch((folder,), cache_dir, 1, clock=lambda: clock[0]))
    # Years before the big file's grid (2019-2025), so no row repeats one of its keys.
    rows = [plus_row(reporter="076", partner=partner, flow=flow, cmd=cmd, year=year,
                     month=month, weight=str(1000 + month))
            for year in (2017, 2018) for month in range(1, 13) for flow in ("M", "X")
            for cmd in ("280530", "284610", "284690", "850511")
            for partner in ("156", "392", "410", "842", "276", "250", "826", "356", "036",
                            "124")][:args.new_rows]
    write_rows(folder / "new.csv", PLUS_COLUMNS, rows)
    read: list[str] = []
    real = readers.read_file

    def counting(path, **options):
        read.append(path.name)
        return real(path, **options)

    readers.read_file = counting
    clock[0] = 2.0
    reload_s, _ = timed(lambda: context.check_data())
    readers.read_file = real
    (folder / "new.csv").unlink()
    write_rows(folder / "new.csv", PLUS_COLUMNS, rows[:10])
    new_only_s, _ = timed(lambda: dataset.load([folder], cache_dir=cache_dir))
    print(f"folder: {len(fresh.frame):,} rows used of {args.rows:,}; new file {args.new_rows:,}"
          f" rows\nfull raw read (no cache):        {raw_s:6.2f} s\n"
          f"first cached load (builds):      {build_s:6.2f} s\n"
          f"cached load, nothing new:        {hit_s:6.2f} s\n"
          f"server reload after new.csv:     {reload_s:6.2f} s  (read raw: {read})\n"
          f"load after new.csv changed:      {new_only_s:6.2f} s\n"
          f"served rows after the reload:    {len(context.embedded.data.frame):,}")


if __name__ == "__main__":
    main()
