"""What the load test samples while it runs: process memory, disk, Redis, and requests.

Used by benchmarks/load_test.py. Memory is read from /proc (RSS; PSS where processes are
added up, so shared pages are not counted twice); the server's processes are found by a
tag in their environment, so a Chromium orphaned by a replaced worker is still counted.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TAG = "LOAD_TEST_TAG"  # in the server's environment, inherited by all it starts


# -- processes and disk ----------------------------------------------------------------------

def children(pid: int) -> list[int]:
    """Child processes of every thread of `pid` (kaleido starts Chromium from a thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children(child)
    return found


def status_mb(pid: int, field_name: str, file: str = "status") -> float:
    """A `Name: N kB` line of /proc/<pid>/status (VmRSS) or smaps_rollup (Pss), in MB."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def rss_mb(pid: int) -> float:
    return status_mb(pid, "VmRSS")


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split between the processes sharing them, so
    processes can be added up without counting shared pages twice."""
    return status_mb(pid, "Pss", "smaps_rollup")


def tagged(tag: str) -> list[int]:
    """Every process whose environment holds our tag: the server and all it started."""
    marker = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def disk_bytes(folder: Path) -> tuple[int, int]:
    """Bytes allocated on disk under `folder` (st_blocks, files and folders) and the files'
    own sizes (what the app's upload bound counts)."""
    allocated = apparent = 0
    for root, folders, files in os.walk(folder):
        for name, is_file in [(f, True) for f in files] + [(d, False) for d in folders]:
            try:
                info = os.lstat(os.path.join(root, name))
            except OSError:  # pruned meanwhile
                continue
            allocated += info.st_blocks * 512
            apparent += info.st_size if is_file else 0
    return allocated, apparent


# -- sampling --------------------------------------------------------------------------------

@dataclass
class Sample:
    t: float  # seconds since the load started
    master_rss: float
    workers: dict[int, tuple[float, float]]  # pid -> (RSS, PSS of its Chromium), MB
    server_processes: int
    server_pss: float  # MB, all tagged processes
    uploads_bytes: int  # allocated on disk
    uploads_size: int  # the files' own sizes
    uploads_dirs: int
    other_cache_bytes: int
    redis: dict[str, int] = field(default_factory=dict)


@dataclass
class RequestLog:
    """(seconds since the load started, kind, ms, HTTP status or the socket error's name)."""

    rows: list[tuple[float, str, float, int | str]] = field(default_factory=list)
    error_examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def between(self, start: float, end: float) -> list[tuple[float, str, float, int | str]]:
        with self.lock:
            return [r for r in self.rows if start <= r[0] < end]


def is_error(outcome: int | str) -> bool:
    return isinstance(outcome, str) or outcome >= 400


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def redis_figures(redis) -> dict[str, int]:
    """Memory, keys, evictions and hits of a load_test.Redis, or {} without one."""
    if redis is None:
        return {}
    try:
        memory, stats = redis.client.info("memory"), redis.client.info("stats")
        return {"used_memory": memory["used_memory"], "keys": redis.client.dbsize(),
                "evicted": stats["evicted_keys"], "hits": stats["keyspace_hits"],
                "misses": stats["keyspace_misses"]}
    except Exception as error:  # reported, the run goes on
        print(f"  (Redis INFO failed: {error!r})")
        return {}


class Sampler(threading.Thread):
    """Every `interval` seconds: memory, disk and Redis, and a line with the interval's
    requests; the samples are kept for the report."""

    def __init__(self, master: int, tag: str, cache_dir: Path, redis,
                 log: RequestLog, started: float, interval: float):
        super().__init__(daemon=True)
        self.master, self.tag, self.cache_dir, self.redis = master, tag, cache_dir, redis
        self.log, self.started, self.interval = log, started, interval
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.samples.append(self.sample())
            self.print_line(self.samples[-1])

    def sample(self) -> Sample:
        t = time.monotonic() - self.started
        workers = {w: (rss_mb(w), sum(pss_mb(p) for p in descendants(w)))
                   for w in children(self.master)}
        processes = tagged(self.tag)
        uploads, dirs = disk_bytes(self.cache_dir / "uploads"), 0
        with contextlib.suppress(OSError):
            dirs = sum(1 for _ in (self.cache_dir / "uploads").iterdir())
        everything = disk_bytes(self.cache_dir)[0]
        return Sample(t, rss_mb(self.master), workers, len(processes),
                      sum(pss_mb(p) for p in processes), uploads[0], uploads[1], dirs,
                      everything - uploads[0], redis_figures(self.redis))

    def print_line(self, s: Sample) -> None:
        rows = self.log.between(s.t - self.interval, s.t)
        errors = sum(is_error(r[3]) for r in rows)
        p95 = percentile([r[2] for r in rows], 95)
        workers = " ".join(f"{pid}:{rss:.0f}[{chrome:.0f}]"
                           for pid, (rss, chrome) in sorted(s.workers.items()))
        redis = (f" | redis {s.redis['used_memory'] / 1e6:.1f} MB {s.redis['keys']} keys"
                 f" {s.redis['evicted']} evicted" if s.redis else "")
        print(f"t={s.t:4.0f}s {len(rows) / self.interval:6.1f} req/s err {errors}"
              f" p95 {p95:5.0f} ms | master {s.master_rss:.0f} | workers {workers}"
              f" | {s.server_processes} procs PSS {s.server_pss:.0f} | uploads"
              f" {s.uploads_bytes / 1e6:.2f} MB ({s.uploads_size / 1e6:.2f} in files)"
              f" {s.uploads_dirs} dirs | cache"
              f" {s.other_cache_bytes / 1e6:.2f} MB{redis}", flush=True)
