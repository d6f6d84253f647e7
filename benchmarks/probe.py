"""One measured step, run by benchmarks/run.py in a fresh process; prints one JSON line.

    probe.py raw FOLDER            read + validate the raw files (no cache)
    probe.py build FOLDER CACHE    read the raw files and write the cache (a cold start)
    probe.py serve FOLDER CACHE    load from the cache, create the app, serve on a free port;
                                   prints {"port": ...} once listening, then serves until killed
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def raw(folder: Path) -> None:
    from dashboard.ingest import dataset

    imported_mb = current_mb()
    start = time.perf_counter()
    data = dataset.load([folder])
    seconds = time.perf_counter() - start
    strings = [c for c in data.frame.columns if str(data.frame[c].dtype) == "string"]
    categorical = data.frame.astype(dict.fromkeys(strings, "category"))
    emit(seconds=seconds, peak_mb=peak_mb(), imported_mb=imported_mb, rss_mb=current_mb(),
         frame_mb=data.frame.memory_usage(deep=True).sum() / 2**20,
         categorical_frame_mb=categorical.memory_usage(deep=True).sum() / 2**20,
         frame_rows=len(data.frame), problems=len(data.problems), **data.stats)


def build(folder: Path, cache_dir: Path) -> None:
    from dashboard.ingest import dataset, frame_cache

    start = time.perf_counter()
    dataset.load([folder], cache_dir=cache_dir)
    seconds = time.perf_counter() - start
    entries = cache_dir / frame_cache.FILES_FOLDER
    emit(seconds=seconds, peak_mb=peak_mb(),
         cache_mb=sum(f.stat().st_size for f in entries.rglob("*") if f.is_file()) / 2**20)


def serve(folder: Path, cache_dir: Path) -> None:
    from werkzeug.serving import make_server

    from dashboard.ingest import dataset
    from dashboard.settings import Settings
    from dashboard.web.app import create_app

    phases = {"imports": time.perf_counter() - STARTED}
    mark = time.perf_counter()
    data = dataset.load([folder], cache_dir=cache_dir)
    phases["load"] = time.perf_counter() - mark
    mark = time.perf_counter()
    app = create_app(Settings(data_paths=(folder,), keep_valid_rows=True), data)
    phases["create_app"] = time.perf_counter() - mark
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    emit(port=server.port, phases=phases, loaded_rss_mb=current_mb(),
         frame_mb=data.frame.memory_usage(deep=True).sum() / 2**20)
    server.serve_forever()


if __name__ == "__main__":
    mode, *paths = sys.argv[1:]
    {"raw": raw, "build": build, "serve": serve}[mode](*(Path(p) for p in paths))
