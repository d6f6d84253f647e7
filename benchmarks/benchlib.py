"""Shared by the benchmark scripts: generated data folders, statistics, process memory.

Data folders live under .cache/benchmarks/ (git-ignored) and are named after the generator's
source digest, so a changed generator makes new files and an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "benchmarks"
WORKDIR = REPO / ".cache" / "benchmarks"
PYTHON = sys.executable
TRADE_FILE = "comtrade_plus_SYNTHETIC.csv"
ROWS_PER_PART = 3_000_000  # ~780 MB of CSV: under the readers' default 1 GB limit
REFERENCE_FILES = ["reference_facts.csv", "reference_facts.meta.json", "policy_events.csv",
                   "policy_events.meta.json"]


def generator_digest() -> str:
    return hashlib.sha256((HERE / "make_comtrade_plus.py").read_bytes()).hexdigest()[:8]


def data_folder(rows: int, workdir: Path = WORKDIR) -> Path:
    """A folder with `rows` generated Comtrade Plus rows (in parts under the readers' 1 GB
    limit), a sidecar per file and the embedded reference tables, as a user would serve it;
    generated when missing, into a temporary folder renamed at the end."""
    folder = workdir / f"plus_{rows}_{generator_digest()}"
    if folder.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    parts = -(-rows // ROWS_PER_PART)
    subprocess.run([PYTHON, str(HERE / "make_comtrade_plus.py"), str(rows),
                    str(partial / TRADE_FILE), "--parts", str(parts)], check=True)
    for path in partial.glob("*.csv"):
        path.with_name(path.name.removesuffix(".csv") + ".meta.json").write_text(json.dumps({
            "title": f"Benchmark grid, {rows:,} rows (NOT real statistics)",
            "source": "Synthetic benchmark data made by benchmarks/make_comtrade_plus.py",
            "licence": "CC0-1.0 (invented data)", "retrieved": None, "synthetic": True}))
    for name in REFERENCE_FILES:
        shutil.copy2(REPO / "data" / name, partial / name)
    partial.rename(folder)
    return folder


def trade_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob(TRADE_FILE.replace(".csv", "*.csv")))


def median_p95(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (linear interpolation: with 5 runs, p95 is near the max)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    position = 0.95 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    p95 = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return statistics.median(ordered), p95


def process_memory_mb(pid: int) -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a running process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_mb": fields.get("VmHWM", 0.0)}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process: less swayed by a busy machine than
    wall-clock time, though not immune (caches, memory bandwidth)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def probe(*args: str, env: dict | None = None) -> dict:
    """Run benchmarks/probe.py in a fresh process; its last stdout line is JSON."""
    done = subprocess.run([PYTHON, str(HERE / "probe.py"), *args], capture_output=True,
                          text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"probe {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_app(folder: Path, cache_dir: Path | None):
    """The dashboard's Dash app on a data folder, loaded through the cache when given."""
    from dashboard.ingest import dataset
    from dashboard.settings import Settings
    from dashboard.web.app import create_app

    data = dataset.load([folder], cache_dir=cache_dir)
    return create_app(Settings(data_paths=(folder,), keep_valid_rows=True), data)


def folder_for(data: Path | None, rows: int | None, workdir: Path = WORKDIR) -> Path:
    """--data FOLDER, else a generated folder of --rows rows, else the embedded demo data."""
    if data:
        return data
    return data_folder(rows, workdir) if rows else REPO / "data"


def cache_for(rows: int | None, workdir: Path = WORKDIR, code: Path | None = None) -> Path:
    """The cache folder run.py fills for a size (so other scripts reuse it); one per code
    tree, since an entry is rebuilt whenever the ingest code differs."""
    other = code is not None and code.resolve() != REPO
    tag = f"_{hashlib.sha256(str(code.resolve()).encode()).hexdigest()[:6]}" if other else ""
    return workdir / (f"cache_{rows}{tag}" if rows else f"cache_other{tag}")
