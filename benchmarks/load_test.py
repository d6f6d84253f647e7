"""A bounded load test of the shipped production setup, on loopback only.

    nice -n 5 .venv/bin/python benchmarks/load_test.py [--seconds 60] [--redis]
        [--connections 4] [--workers 2] [--sample-seconds 10] [--upload-max-mb 5]
        [--max-requests N] [--keep]

Starts `gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server` (the shipped config,
unchanged) with RARE_EARTH_BIND on a free loopback port and RARE_EARTH_CACHE_DIR (validated
data and the uploads folder) in a temporary folder; with --redis, first a `redis-server` on
another free loopback port, with a password, maxmemory 64 MB (allkeys-lru) and no
persistence, and the app pointed at it (RARE_EARTH_REDIS_URL, RARE_EARTH_CACHE_SECRET).
RARE_EARTH_UPLOAD_MAX_TOTAL_MB is set to --upload-max-mb so that the uploads folder reaches
its bound within the run (at the default 2,000 MB it would only grow during 10 minutes).

Then it records real callback bodies in Chromium and replays a mix of them with embeds,
exports and uploads (benchmarks/load_mix.py) from a Python thread pool (urllib, one request
per connection, as a proxy sends them) for --seconds (at most 600). Every --sample-seconds
it prints the requests, errors and p95 of the interval, the RSS of the gunicorn master and
each worker (workers are replaced after max_requests), the PSS of the Chromium each worker
starts for PNGs, all processes of the server (found by a tag in their environment, so an
orphaned Chromium is counted too), the disk used by the uploads folder and the rest of the
cache folder, and Redis's used_memory, keys and evictions. At the end it compares the first
window after a warm-up (the second minute of a 10-minute run) with the last one, and lists
the errors by kind, the worker lifetimes and the warnings in gunicorn's log.

Only 127.0.0.1 is ever contacted. Nothing is written outside a temporary folder, which is
removed at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_mix import MIX, Request, build_mix, record_callbacks, weighted_schedule
from load_sampling import TAG, RequestLog, Sample, Sampler, is_error, percentile, tagged

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
REDIS_SERVER = "/usr/bin/redis-server"
MAX_SECONDS = 600
LOG_MARKERS = ("Traceback", "[ERROR]", "WORKER TIMEOUT", "Redis cache", "Booting worker")


# -- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(ready, what: str, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"{what} was not ready within {seconds:.0f} s")


@dataclass
class Redis:
    process: subprocess.Popen
    url: str
    client: object  # redis.Redis


def start_redis(folder: Path) -> Redis:
    import redis

    port, password = free_port(), secrets.token_urlsafe(24)
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
               "--requirepass", password, "--maxmemory", "64mb",
               "--maxmemory-policy", "allkeys-lru", "--save", "", "--appendonly", "no",
               "--dir", str(folder)]
    print(f"starting: redis-server on 127.0.0.1:{port}, password set, maxmemory 64mb"
          " allkeys-lru, no persistence")
    log = open(folder / "redis.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, stdout=log, stderr=log)
    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=2)
    wait_until(client.ping, "redis-server", 20, process)
    return Redis(process, f"redis://:{password}@127.0.0.1:{port}/0", client)


def start_gunicorn(port: int, workers: int, cache_dir: Path, tag: str, redis: Redis | None,
                   upload_max_mb: float, max_requests: int | None = None) -> subprocess.Popen:
    env = dict(os.environ, RARE_EARTH_BIND=f"127.0.0.1:{port}",
               RARE_EARTH_WORKERS=str(workers), RARE_EARTH_CACHE_DIR=str(cache_dir),
               RARE_EARTH_UPLOAD_MAX_TOTAL_MB=str(upload_max_mb), **{TAG: tag})
    if redis is not None:
        env.update(RARE_EARTH_REDIS_URL=redis.url, RARE_EARTH_CACHE_SECRET=secrets.token_hex(16))
    command = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
               "dashboard.wsgi:server"]
    if max_requests is not None:  # the command line overrides the config file
        command[1:1] = ["--max-requests", str(max_requests)]
    print("starting:", " ".join(command), f"(RARE_EARTH_BIND=127.0.0.1:{port},"
          f" RARE_EARTH_WORKERS={workers}, RARE_EARTH_CACHE_DIR={cache_dir},"
          f" RARE_EARTH_UPLOAD_MAX_TOTAL_MB={upload_max_mb:g}"
          + (", RARE_EARTH_REDIS_URL and RARE_EARTH_CACHE_SECRET set)" if redis else ")"))
    log = open(cache_dir.parent / "gunicorn.log", "wb")  # noqa: SIM115 (closed with it)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)

    def healthy() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
            return True

    wait_until(healthy, "gunicorn", 180, process)
    return process


# -- load ------------------------------------------------------------------------------------

def send(base: str, request: Request, log: RequestLog, started: float) -> None:
    call = urllib.request.Request(base + request.path, data=request.body or None,
                                  headers=request.headers, method=request.method)
    begun = time.perf_counter()
    detail = ""
    try:
        with urllib.request.urlopen(call, timeout=60) as answer:
            answer.read()
            outcome: int | str = answer.status
    except urllib.error.HTTPError as error:
        outcome, detail = error.code, error.read()[:300].decode(errors="replace")
    except OSError as error:
        outcome, detail = type(error).__name__, repr(error)
    elapsed = (time.perf_counter() - begun) * 1000
    with log.lock:
        log.rows.append((time.monotonic() - started, request.kind, elapsed, outcome))
        if is_error(outcome) and len(log.error_examples) < 20:
            log.error_examples.append(f"{request.kind} {request.method} {request.path[:120]}"
                                      f" -> {outcome}: {detail}")


def run_clients(base: str, requests: list[Request], schedule: list[int], stop_at: float,
                connections: int, log: RequestLog, started: float) -> None:
    def client(offset: int) -> None:
        position = offset
        while time.monotonic() < stop_at:
            position = (position + 1) % len(schedule)
            send(base, requests[schedule[position]], log, started)

    threads = [threading.Thread(target=client, args=(i * 997,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# -- report ----------------------------------------------------------------------------------

def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def window_figures(samples: list[Sample], log: RequestLog, start: float,
                   end: float) -> dict[str, float]:
    """Means over the samples taken in [start, end], and the requests answered then."""
    mine = [s for s in samples if start <= s.t <= end + 0.5]
    rows = log.between(start, end)
    rss = [r for s in mine for r, _ in s.workers.values()]
    figures = {
        "master RSS MB": mean([s.master_rss for s in mine]),
        "worker RSS MB, mean": mean(rss),
        "worker RSS MB, max": max(rss, default=float("nan")),
        "workers seen": len({pid for s in mine for pid in s.workers}),
        "workers' Chromium PSS MB, sum": mean([sum(c for _, c in s.workers.values())
                                               for s in mine]),
        "server processes": mean([s.server_processes for s in mine]),
        "server PSS MB, all processes": mean([s.server_pss for s in mine]),
        "uploads folder MB on disk": mean([s.uploads_bytes / 1e6 for s in mine]),
        "uploads folder MB, file sizes": mean([s.uploads_size / 1e6 for s in mine]),
        "uploads kept": mean([s.uploads_dirs for s in mine]),
        "rest of cache folder MB": mean([s.other_cache_bytes / 1e6 for s in mine]),
        "requests/s": len(rows) / (end - start),
        "errors": sum(is_error(r[3]) for r in rows),
    }
    for p in (50, 95, 99):
        figures[f"p{p} ms"] = percentile([r[2] for r in rows], p)
    if any(s.redis for s in mine):
        figures["Redis used_memory MB"] = mean([s.redis["used_memory"] / 1e6
                                                for s in mine if s.redis])
        figures["Redis keys"] = mean([s.redis["keys"] for s in mine if s.redis])
    return figures


def print_windows(samples: list[Sample], log: RequestLog, seconds: float,
                  window: float) -> None:
    first = window_figures(samples, log, window, 2 * window)
    last = window_figures(samples, log, seconds - window, seconds)
    print(f"\nfirst window after a {window:.0f} s warm-up ({window:.0f}-{2 * window:.0f} s)"
          f" vs the last ({seconds - window:.0f}-{seconds:.0f} s), means of the samples:")
    print(f"  {'':32} {'first':>10} {'last':>10} {'change':>10}")
    for name in first:
        change = last[name] - first[name]
        print(f"  {name:32} {first[name]:10.1f} {last[name]:10.1f} {change:+10.1f}")


def print_workers(samples: list[Sample]) -> None:
    print("\nworkers (gunicorn replaces one after max_requests): RSS MB at its first and last"
          " sample, and its peak")
    lives: dict[int, list[tuple[float, float]]] = {}
    for s in samples:
        for pid, (rss, _) in s.workers.items():
            lives.setdefault(pid, []).append((s.t, rss))
    for pid, life in lives.items():
        print(f"  {pid}: seen {life[0][0]:4.0f}-{life[-1][0]:4.0f} s, RSS {life[0][1]:6.1f}"
              f" -> {life[-1][1]:6.1f} (peak {max(r for _, r in life):.1f})")


def print_requests(log: RequestLog, seconds: float) -> None:
    rows = log.rows
    latencies = [r[2] for r in rows]
    print(f"\nwhole run: {len(rows):,} requests, {len(rows) / seconds:.1f}/s; p50"
          f" {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms,"
          f" p99 {percentile(latencies, 99):.0f} ms")
    outcomes: dict[tuple[str, int | str], int] = {}
    for _, kind, _, outcome in rows:
        outcomes[kind, outcome] = outcomes.get((kind, outcome), 0) + 1
    print(f"  errors: {sum(is_error(r[3]) for r in rows)} (answers >= 400 or socket errors)")
    for kind in MIX:
        mine = [r for r in rows if r[1] == kind]
        answers = ", ".join(f"{o}: {n}" for (k, o), n in sorted(
            outcomes.items(), key=lambda x: str(x[0][1])) if k == kind)
        print(f"    {kind:<11} {len(mine):>7,} ({answers}); p50"
              f" {percentile([r[2] for r in mine], 50):.0f} ms, p95"
              f" {percentile([r[2] for r in mine], 95):.0f} ms")
    for example in log.error_examples:
        print("    e.g.", example)


def print_log_markers(path: Path) -> None:
    text = path.read_text(errors="replace") if path.exists() else ""
    counts = ", ".join(f"{m!r}: {text.count(m)}" for m in LOG_MARKERS)
    print(f"\ngunicorn log lines: {counts}")
    for line in text.splitlines():
        if any(m in line for m in LOG_MARKERS[:4]):
            print("   ", line[:200])


# -- main ------------------------------------------------------------------------------------

def stop(process: subprocess.Popen, seconds: float) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def end_leftovers(tag: str) -> None:
    """Processes of the server still alive after gunicorn exited (an orphaned Chromium):
    reported, then ended by their id."""
    left = tagged(tag)
    print(f"server processes left after gunicorn exited: {len(left)}"
          + (f" {left} (ending them)" if left else ""))
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60,
                        help=f"how long to load the server (at most {MAX_SECONDS})")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", action="store_true",
                        help="start a redis-server and point the app's cache at it")
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--upload-max-mb", type=float, default=5.0,
                        help="RARE_EARTH_UPLOAD_MAX_TOTAL_MB: the uploads folder's bound")
    parser.add_argument("--max-requests", type=int, default=None,
                        help="override the config's max_requests (0: workers never"
                             " replaced, to see growth that replacement would hide)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (gunicorn and Redis logs, uploads)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}")
    return args


def main() -> None:
    args = parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rare-earth-load-"))
    cache_dir, tag = folder / "cache", secrets.token_hex(8)
    cache_dir.mkdir()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}; load average {os.getloadavg()[0]:.1f};"
          f" {os.cpu_count()} cores")
    redis = start_redis(folder) if args.redis else None
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = None
    try:
        gunicorn = start_gunicorn(port, args.workers, cache_dir, tag, redis, args.upload_max_mb,
                                  args.max_requests)
        bodies = record_callbacks(base)
        requests = build_mix(bodies)
        schedule = weighted_schedule(requests)
        kinds = {k: sum(r.kind == k for r in requests) for k in MIX}
        print(f"recorded {len(bodies)} requests in Chromium (callbacks, the page load);"
              f" the mix holds {len(requests)} distinct requests: {kinds}")
        print(f"load: Python thread pool (urllib), {args.connections} connections,"
              f" {args.seconds} s, {args.workers} workers; a sample every"
              f" {args.sample_seconds:g} s", flush=True)
        log, started = RequestLog(), time.monotonic()
        sampler = Sampler(gunicorn.pid, tag, cache_dir, redis, log, started,
                          args.sample_seconds)
        sampler.start()
        run_clients(base, requests, schedule, started + args.seconds, args.connections, log,
                    started)
        sampler.stop.set()
        sampler.join()
        seconds = time.monotonic() - started
    finally:
        if gunicorn is not None:
            stop(gunicorn, 120)
        end_leftovers(tag)
        if redis is not None:
            stop(redis.process, 10)
    window = min(60.0, seconds / 4)
    print_windows(sampler.samples, log, seconds, window)
    print_workers(sampler.samples)
    print_requests(log, seconds)
    if redis is not None and sampler.samples and sampler.samples[-1].redis:
        r = sampler.samples[-1].redis
        print(f"\nRedis at the end: {r['used_memory'] / 1e6:.1f} MB used (maxmemory 64 MB),"
              f" {r['keys']} keys, {r['evicted']} evicted, {r['hits']} hits,"
              f" {r['misses']} misses")
    print_log_markers(folder / "gunicorn.log")
    if args.keep:
        print(f"(logs and the cache folder kept in {folder})")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
