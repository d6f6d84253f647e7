"""A loaded dataset: the trade frame, its problems, and the provenance of every file.

Each data file may have a sidecar `<name>.meta.json` (title, source, licence, retrieved,
synthetic). Reference facts and policy events are loaded beside the trade data but are
never mixed into it: they are published figures and dates, not customs rows.

Reading and validating millions of raw rows takes minutes, so `load` can keep what it read
in a cache folder (see `cache`) and start from there next time; the small reference tables
are always read directly.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dashboard.ingest import frame_cache, readers
from dashboard.ingest.limits import DEFAULT_LIMITS, ReadLimits
from dashboard.ingest.problems import Problem

REFERENCE_FACTS_FILE = "reference_facts.csv"
POLICY_EVENTS_FILE = "policy_events.csv"
_NOT_TRADE = {REFERENCE_FACTS_FILE, POLICY_EVENTS_FILE}

# Called with (rows read so far, rows per second so far) after each raw file is read.
Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class Provenance:
    file: str
    title: str
    source: str
    licence: str
    retrieved: str | None
    synthetic: bool

    @property
    def source_line(self) -> str:
        retrieved = f", retrieved {self.retrieved}" if self.retrieved else ""
        return f"Source: {self.source}{retrieved}."


_FINGERPRINT_COLUMNS = ("reporter", "partner", "flow", "commodity_code", "period",
                        "net_weight_kg", "value_usd", "valuation", "weight_estimated",
                        "source_line")


@dataclass
class Dataset:
    frame: pd.DataFrame
    problems: list[Problem]
    stats: dict[str, int]
    provenance: list[Provenance]
    layouts: dict[str, str] = field(default_factory=dict)
    reference_facts: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy_events: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def synthetic(self) -> bool:
        return any(p.synthetic for p in self.provenance)

    @property
    def source_line(self) -> str:
        return " ".join(dict.fromkeys(p.source_line for p in self.provenance))

    def fingerprint(self) -> str:
        """Changes whenever the data does: a digest of every cell (a corrected value, a
        weight now reported, a partner recoded), with the sources and rows read.

        Part of every cache key and ETag, so it must not miss a change that only touches
        values: a sum of weights did (value-only rows, a corrected value_usd).
        """
        digest = hashlib.sha256(f"{self.source_line}|{self.stats.get('rows_read', 0)}".encode())
        # The columns every other one derives from (names from codes, hs6 from the code):
        # about half the work of hashing them all.
        hashed = pd.util.hash_pandas_object(self.frame[list(_FINGERPRINT_COLUMNS)], index=False)
        digest.update(hashed.to_numpy().tobytes())
        return f"{len(self.frame)}|{digest.hexdigest()[:32]}"


def trade_files(paths: list[Path]) -> list[Path]:
    """The customs files among paths (folders expanded), leaving reference tables out."""
    return [p for p in readers.data_files(paths) if p.name not in _NOT_TRADE]


def load(paths: list[Path], cache_dir: Path | None = None,
         progress: Progress | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> Dataset:
    """Read the trade files under paths, their sidecars, and any reference tables.

    With cache_dir, the trade frame, problems, counts, layouts and provenance come from the
    cache when no trade file or sidecar changed since it was written; otherwise the raw files
    are read (each within limits) and the cache rewritten. progress, if given, hears about
    raw reads only.
    """
    files = trade_files(paths)
    entry = (_cached_or_read(files, paths, cache_dir, progress, limits) if cache_dir
             else _read_raw(files, progress, limits))
    frame = one_chunk_per_column(entry.frame)
    # Arrow keeps freed buffers for reuse: after a raw read that is gigabytes a long-lived
    # worker would hold for nothing (1.5 GB -> 0.3 GB RSS at 1M rows).
    pa.default_memory_pool().release_unused()
    folders = {p if p.is_dir() else p.parent for p in paths}
    details = entry.details
    return Dataset(
        frame=frame,
        problems=entry.problems,
        stats=details["stats"],
        provenance=[Provenance(**p) for p in details["provenance"]],
        layouts=details["layouts"],
        reference_facts=_reference_table(folders, REFERENCE_FACTS_FILE),
        policy_events=_reference_table(folders, POLICY_EVENTS_FILE),
    )


def _cached_or_read(files: list[Path], paths: list[Path], cache_dir: Path,
                    progress: Progress | None, limits: ReadLimits) -> frame_cache.Entry:
    """The cached entry, else one read from the raw files and cached for next time."""
    sources = files + [sidecar_path(f) for f in files]
    entry = frame_cache.read(cache_dir, paths, sources)
    if entry is not None:
        return entry
    with frame_cache.lock(cache_dir, paths):  # workers starting together read the raw files once
        entry = frame_cache.read(cache_dir, paths, sources)
        if entry is None:
            entry = _read_raw(files, progress, limits)
            frame_cache.write(cache_dir, paths, sources, entry)
    return entry


def _read_raw(files: list[Path], progress: Progress | None,
              limits: ReadLimits = DEFAULT_LIMITS) -> frame_cache.Entry:
    """Read and validate each file, telling progress after each one."""
    results, rows, start = [], 0, time.perf_counter()
    for path in files:
        results.append(readers.read_file(path, limits=limits))
        rows += results[-1].stats.get("rows_read", 0)
        if progress:
            progress(rows, rows / max(time.perf_counter() - start, 1e-9))
    merged = readers.merge_results(results, max_problems=limits.max_problems)
    details = {"stats": merged.stats, "layouts": merged.layouts,
               "provenance": [asdict(read_provenance(f)) for f in files]}
    return frame_cache.Entry(merged.frame, merged.problems, details)


def one_chunk_per_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame (changed in place) with each Arrow-backed column in one contiguous array.

    Parquet and CSV reads give columns in chunks (13 for 1.7M rows from the cache), and
    Arrow's `take` on a chunked column first concatenates the whole column: at 5M rows every
    `frame.iloc[rows]` allocated a ~150 MB copy of `source_file` alone, and taking 23k rows
    of it took 34 ms instead of 2. Same values and dtypes; a column at a time, released as it
    goes, so loading peaks at one extra column.
    """
    pool = pa.default_memory_pool()
    for name in frame.columns:
        values = frame[name].array
        if isinstance(values, pd.arrays.ArrowExtensionArray):
            chunked = values.__arrow_array__()
            if chunked.num_chunks > 1:
                frame[name] = pd.array(chunked.combine_chunks(), dtype=values.dtype)
                del values, chunked
                pool.release_unused()
    return frame


def sidecar_path(path: Path) -> Path:
    name = path.name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0]
    return path.with_name(f"{stem}.meta.json")


def read_provenance(path: Path) -> Provenance:
    """The file's metadata sidecar, or an honest "unknown source" when there is none."""
    sidecar = sidecar_path(path)
    meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    return Provenance(
        file=path.name,
        title=meta.get("title", path.name),
        source=meta.get("source", f"{path.name} (no metadata sidecar: source unknown)"),
        licence=meta.get("licence", "unknown"),
        retrieved=meta.get("retrieved"),
        synthetic=bool(meta.get("synthetic", False)),
    )


def _reference_table(folders: set[Path], name: str) -> pd.DataFrame:
    for folder in sorted(folders):
        if (folder / name).exists():
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    return pd.DataFrame()
