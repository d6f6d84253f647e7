"""What cheap requests cost one worker: prints figures, asserts nothing.

    .venv/bin/python benchmarks/serving_bounds.py flood      # 600 spellings of one export
    .venv/bin/python benchmarks/serving_bounds.py image      # the largest image allowed
    .venv/bin/python benchmarks/serving_bounds.py redis      # answers with Redis paused

On the embedded demo data, in process (Flask's test client). `flood` asks /export/map.html
600 times with `?j=N` (an unknown parameter) and 600 times with spellings of one view
(parameter order, `floor=1.000…`, forged upload tokens), and prints the cache's entries
and bytes and the worker's RSS. `image` draws the largest PNG the settings allow and prints
its time and the RSS of the worker and its Chromium (summed over their processes, so
shared pages count once per process: compare the growth, not the level). `redis` starts a
redis-server, pauses it (SIGSTOP) and prints each answer's time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA, Settings
from dashboard.web.app import create_app
from dashboard.web.memory import resident_bytes

VIEW = "commodity=28469015&period=2025-Q1"


def mb(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 1e6:,.0f} MB"


def cache_size(app) -> tuple[int, int | None]:
    """(entries, bytes) of the in-process view cache (bytes unknown for Flask-Caching)."""
    view_cache = app.server.extensions.get("view_cache")
    if view_cache is not None:
        return len(view_cache.store), view_cache.store.bytes
    flask_caching = next(iter(app.server.extensions["cache"].values()))
    return len(flask_caching._cache), None  # the code before: SimpleCache's dict


def flood(data) -> None:
    app = create_app(Settings(cache_dir=Path(tempfile.mkdtemp())), data)
    client = app.server.test_client()
    client.get(f"/export/map.html?{VIEW}")
    print(f"after one export: entries, bytes = {cache_size(app)}; RSS {mb(resident_bytes())}")
    start = time.monotonic()
    statuses = [client.get(f"/export/map.html?{VIEW}&j={n}").status_code for n in range(600)]
    print(f"600 x ?j=N: statuses {sorted(set(statuses))}, {time.monotonic() - start:.1f} s; "
          f"entries, bytes = {cache_size(app)}; RSS {mb(resident_bytes())}")
    start = time.monotonic()
    for n in range(600):
        client.get(f"/export/map.html?period=2025-Q1&commodity=28469015&floor=1.{'0' * n}"
                   f"&dataset=forged-{n}")
    print(f"600 spellings of the view: {time.monotonic() - start:.1f} s; "
          f"entries, bytes = {cache_size(app)}; RSS {mb(resident_bytes())}")


def tree_rss(pid: int) -> int:
    """RSS of a process and all its descendants (Chromium's renderers), from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * os.sysconf(
                "SC_PAGE_SIZE")
            # Children of every thread: kaleido starts Chromium from a thread of its own.
            children = [child for task in Path(f"/proc/{current}/task").iterdir()
                        for child in (task / "children").read_text().split()]
        except OSError:
            continue
        todo += [int(child) for child in children]
    return total


def image(data, megapixels: float) -> None:
    """The largest square PNG at scale 4 within `megapixels` (4000 before the budget)."""
    try:
        settings = Settings(cache_dir=Path(tempfile.mkdtemp()), image_megapixels=megapixels)
    except TypeError:  # the code before the budget: the largest was 4000x4000 at scale 4
        settings, megapixels = Settings(cache_dir=Path(tempfile.mkdtemp())), 256.0
    client = create_app(settings, data).server.test_client()
    side = int((megapixels * 1e6) ** 0.5 / 4)
    client.get(f"/export/map.png?{VIEW}&width=400&height=300")  # Chromium started
    before = tree_rss(os.getpid())
    peak, done = [before], threading.Event()

    def sample() -> None:  # the peak is what a render costs; after it, Chromium frees it
        while not done.wait(0.05):
            peak.append(tree_rss(os.getpid()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.monotonic()
    response = client.get(f"/export/map.png?{VIEW}&width={side}&height={side}&scale=4")
    seconds = time.monotonic() - start
    done.set()
    sampler.join()
    print(f"{side}x{side} at scale 4 ({side * side * 16 / 1e6:.1f} Mpx): "
          f"status {response.status_code}, {len(response.data):,} bytes, {seconds:.1f} s; "
          f"worker + Chromium RSS {mb(before)}, peak {mb(max(peak))} "
          f"(+{mb(max(peak) - before)}), after {mb(tree_rss(os.getpid()))}")
    over = client.get(f"/export/map.png?{VIEW}&width=4000&height=4000&scale=4")
    print(f"4000x4000 at scale 4: {over.status_code} {over.get_json()}")


def paused_redis(data) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # a benchmark, not a test: a plain wait for the server is enough
        url = f"redis://127.0.0.1:{port}/0"
        client = create_app(Settings(cache_dir=Path(tempfile.mkdtemp()), redis_url=url),
                            data).server.test_client()
        client.get(f"/export/map.csv?{VIEW}")
        server.send_signal(signal.SIGSTOP)
        for period in ("2023", "2025-Q1", "2024-Q4", "2023-Q1", "2023-Q2"):
            start = time.monotonic()
            status = client.get(f"/export/map.csv?commodity=28469015&period={period}").status_code
            print(f"Redis paused: {period} -> {status} in {time.monotonic() - start:.2f} s")
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["flood", "image", "redis"])
    parser.add_argument("--megapixels", type=float, default=16.0)
    args = parser.parse_args()
    data = dataset.load([DEFAULT_DATA])
    if args.what == "flood":
        flood(data)
    elif args.what == "image":
        image(data, args.megapixels)
    else:
        paused_redis(data)


if __name__ == "__main__":
    main()
