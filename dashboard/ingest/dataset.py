"""A loaded dataset: the trade frame, its problems, and the provenance of every file.

Each data file may have a sidecar `<name>.meta.json` (title, source, licence, retrieved,
synthetic). Reference facts and policy events are loaded beside the trade data but are
never mixed into it: they are published figures and dates, not customs rows.

Reading and validating millions of raw rows takes minutes, so `load` can keep what it read
of each file in a cache folder (see `frame_cache`) and start from there next time: a new or
changed file is then the only one read raw. Sidecars and the small reference tables are
always read directly. `source_stamp` says cheaply (names, sizes, times) whether anything a
load reads changed, so a running server can tell when to load again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
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
    # Months whose values were converted to USD but had no exchange rate: their value_usd
    # is blank (the sidecar's exchange_rate.months_without_rate, written by a Comext fetch).
    months_without_rate: tuple[str, ...] = ()

    @property
    def source_line(self) -> str:
        retrieved = f", retrieved {self.retrieved}" if self.retrieved else ""
        return f"Source: {self.source}{retrieved}."


_FINGERPRINT_COLUMNS = ("reporter", "partner", "flow", "commodity_code", "period",
                        "net_weight_kg", "value_usd", "valuation", "weight_estimated",
                        "source_line", "eu_trade", "value_eur", "usd_per_eur")


@dataclass
class Dataset:
    frame: pd.DataFrame
    problems: list[Problem]
    stats: dict[str, int]
    provenance: list[Provenance]
    layouts: dict[str, str] = field(default_factory=dict)
    reference_facts: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy_events: pd.DataFrame = field(default_factory=pd.DataFrame)
    # `source_stamp` of the paths, taken before they were read: a file written during the
    # load differs from it, so a server watching the folder loads that file next.
    stamp: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)

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

    With cache_dir, each trade file's frame, problems, counts and layout come from the cache
    when the file did not change since it was written; the others are read raw (each within
    limits) and cached. Files are merged afterwards, so the dataset is the same either way.
    progress, if given, hears about raw reads only.
    """
    stamp = source_stamp(paths)
    files = trade_files(paths)
    # Taken before anything is read: a file replaced meanwhile makes the entry a miss.
    merged_key = frame_cache.merged_key(files, _read_options(limits))
    entry = frame_cache.read_merged(cache_dir, paths, merged_key) if cache_dir else None
    merged = _result(entry) if entry is not None else None
    if merged is None:
        results = (_cached_or_read(files, paths, cache_dir, progress, limits) if cache_dir
                   else _read_raw(files, progress, limits))
        merged = readers.merge_results(results, max_problems=limits.max_problems)
        del results
        if cache_dir:
            frame_cache.write_merged(cache_dir, paths, merged_key, _entry(merged))
    frame = one_chunk_per_column(merged.frame)
    # Arrow keeps freed buffers for reuse: after a raw read that is gigabytes a long-lived
    # worker would hold for nothing (1.5 GB -> 0.3 GB RSS at 1M rows).
    pa.default_memory_pool().release_unused()
    folders = {p if p.is_dir() else p.parent for p in paths}
    return Dataset(
        frame=frame,
        problems=merged.problems,
        stats=merged.stats,
        provenance=[read_provenance(f) for f in files],
        layouts=merged.layouts,
        reference_facts=_reference_table(folders, REFERENCE_FACTS_FILE),
        policy_events=_reference_table(folders, POLICY_EVENTS_FILE),
        stamp=stamp,
    )


def source_stamp(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Each file a load reads (trade files, their sidecars, reference tables): path ->
    (size in bytes, modification time in ns). Equal stamps: a load would give the same."""
    folders = {p if p.is_dir() else p.parent for p in paths}
    files = trade_files(paths)
    candidates = (files + [sidecar_path(f) for f in files]
                  + [folder / name for folder in sorted(folders) for name in _NOT_TRADE])
    stamp = {}
    for path in candidates:
        try:
            stat = path.stat()
        except OSError:
            continue  # no sidecar, no reference table: a load reads none either
        stamp[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return stamp


def _cached_or_read(files: list[Path], paths: list[Path], cache_dir: Path,
                    progress: Progress | None, limits: ReadLimits) -> list[readers.ReadResult]:
    """Each file's cached result, else one read from the raw file and cached for next time."""
    options = _read_options(limits)
    found = {f: frame_cache.read(cache_dir, f, options) for f in files}
    missing = [f for f, entry in found.items() if entry is None]
    if missing:
        # Workers starting together read the missing files once; the others then find them.
        with frame_cache.lock(cache_dir, paths):
            found |= {f: frame_cache.read(cache_dir, f, options) for f in missing}
            missing = [f for f in missing if found[f] is None]
            keys = {f: frame_cache.fingerprint(f, options) for f in missing}  # before reading
            for path, result in zip(missing, _read_raw(missing, progress, limits), strict=True):
                entry = _entry(result)
                frame_cache.write(cache_dir, path, keys[path], entry)
                found[path] = entry
    return [_result(found[f]) for f in files]


def _entry(result: readers.ReadResult) -> frame_cache.Entry:
    return frame_cache.Entry(result.frame, result.problems,
                             {"stats": result.stats, "layouts": result.layouts})


def _result(entry: frame_cache.Entry | None) -> readers.ReadResult:
    assert entry is not None  # every file was found or read
    return readers.ReadResult(entry.frame, entry.problems, entry.details["stats"],
                              entry.details["layouts"])


def _read_options(limits: ReadLimits) -> dict:
    """What a read depends on besides the file: the limits (a file over one is a problem)."""
    return {f.name: getattr(limits, f.name) for f in fields(limits) if f.compare}


def _read_raw(files: list[Path], progress: Progress | None,
              limits: ReadLimits = DEFAULT_LIMITS) -> list[readers.ReadResult]:
    """Read and validate each file, telling progress after each one."""
    results, rows, start = [], 0, time.perf_counter()
    for path in files:
        results.append(readers.read_file(path, limits=limits))
        rows += results[-1].stats.get("rows_read", 0)
        if progress:
            progress(rows, rows / max(time.perf_counter() - start, 1e-9))
    return results


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
        months_without_rate=_months_without_rate(meta),
    )


def _months_without_rate(meta: dict) -> tuple[str, ...]:
    rate = meta.get("exchange_rate")
    months = rate.get("months_without_rate") if isinstance(rate, dict) else None
    return tuple(sorted(m for m in months if isinstance(m, str))) if isinstance(
        months, list) else ()


def _reference_table(folders: set[Path], name: str) -> pd.DataFrame:
    for folder in sorted(folders):
        if (folder / name).exists():
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    return pd.DataFrame()
