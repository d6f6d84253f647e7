"""A columnar cache of read trade files, so each raw customs file is read and validated once.

One entry per data file: the file's clean frame (Parquet) and everything else reading it
produced: its problems, row counts and layout (JSON). Merging the files (duplicates across
them) is left to the caller, so a new or changed file in a folder costs a read of that file
only. An entry is valid while nothing it was built from changed: the file's path, size and
modification time, the read options (limits), CACHE_VERSION, the pandas and pyarrow
versions, and the source code of `dashboard/ingest` (a change in how rows are validated must
not serve frames checked by the old rules). Anything else, including an entry that cannot be
read, is a miss: the caller reads the raw file again and rewrites the entry. A cache never
stops the app starting.

Files are written under temporary names and renamed into place; a token written into both
files ties a frame to its metadata, so a reader racing a writer sees a miss, not a mix.
Reading raw files takes minutes and gigabytes at millions of rows, so `lock` lets one
process (of several workers starting together) read a folder's missing files while the
others wait and then find them cached.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.ingest import schema
from dashboard.ingest.problems import PROBLEM_COLUMNS, Problem, Reason

# Bump when the entry format or the meaning of a cached field changes.
CACHE_VERSION = 3
FILES_FOLDER = "files"  # the per-file entries; a lock per requested set of paths beside it
# The merged dataset of a requested set of paths, valid while every file's entry is: a start
# with nothing changed reads one frame instead of merging the files' (at 5M rows the merge's
# duplicate check and concat took 0.7 s and the peak memory over 1 GiB).
MERGED_FOLDER = "merged"
FRAME_FILE = "frame.parquet"
META_FILE = "meta.json"
_TOKEN_KEY = b"dashboard_cache_token"
_INGEST = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


@dataclass
class Entry:
    """What reading one file produced; `details` is the JSON-able rest: stats, layouts."""

    frame: pd.DataFrame
    problems: list[Problem]
    details: dict


def entry_dir(cache_dir: Path, request: list[Path]) -> Path:
    """The folder of one requested set of paths: its lock (order matters, as in a load)."""
    names = json.dumps([str(p.resolve()) for p in request])
    return cache_dir / hashlib.sha256(names.encode()).hexdigest()[:16]


def file_entry_dir(cache_dir: Path, path: Path) -> Path:
    """The folder of one data file's entry."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return cache_dir / FILES_FOLDER / digest


def fingerprint(path: Path, options: dict) -> dict:
    """Everything a file's entry depends on; options are the read's settings (JSON-able)."""
    try:
        stat = path.stat()
        file = [str(path.resolve()), stat.st_size, stat.st_mtime_ns]
    except OSError:
        file = [str(path), None, None]
    return {"cache_version": CACHE_VERSION, "pandas": pd.__version__,
            "pyarrow": pa.__version__, "code": _code_digest(), "file": file,
            "options": options}


@cache
def _code_digest() -> str:
    """Once per process: the code that runs is the code imported at start."""
    digest = hashlib.sha256()
    # The reference tables the readers resolve codes with count as code too.
    for path in sorted(p for p in _INGEST.rglob("*") if p.suffix in {".py", ".csv"}
                       and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(_INGEST)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read(cache_dir: Path, path: Path, options: dict) -> Entry | None:
    """The file's entry when it is current and readable, else None."""
    return _current_entry(file_entry_dir(cache_dir, path), fingerprint(path, options))


def _current_entry(folder: Path, key: dict) -> Entry | None:
    """The entry in `folder` when it was written for `key` and reads whole, else None."""
    if not (folder / META_FILE).exists():
        return None
    try:
        return _read_entry(folder, key)
    except Exception as error:  # any unreadable cache is a miss, never a crash
        log.warning("ignoring unreadable cache %s: %s", folder, error)
        return None


def _read_entry(folder: Path, key: dict) -> Entry | None:
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    if meta.get("key") != key:
        log.info("cache %s is stale: its file, the code or CACHE_VERSION changed", folder)
        return None
    table = pq.read_table(folder / FRAME_FILE)
    token = (table.schema.metadata or {}).get(_TOKEN_KEY, b"").decode()
    if token != meta["token"] or table.num_rows != meta["rows"]:
        raise ValueError("frame and metadata come from different writes")
    # Parquet has no datetime64[s]; conform restores the contract's types.
    frame = schema.conform(table.to_pandas())
    schema.check(frame)
    problems = [Problem(f, line, c, v, Reason(r), m) for f, line, c, v, r, m in meta["problems"]]
    return Entry(frame, problems, meta["details"])


def read_merged(cache_dir: Path, request: list[Path], key: dict) -> Entry | None:
    """The merged entry of a requested set of paths when it was written for `key`
    (`merged_key` of its files: each file unchanged)."""
    return _current_entry(merged_dir(cache_dir, request), key)


def write_merged(cache_dir: Path, request: list[Path], key: dict, entry: Entry) -> None:
    """Store the merged entry under `key`, taken before its files were read (a file
    replaced during the read then makes it a miss, never the old frame under the new
    file's key); it replaces the one of older files. Failures are logged."""
    _write_entry(merged_dir(cache_dir, request), key, entry)


def merged_dir(cache_dir: Path, request: list[Path]) -> Path:
    return cache_dir / MERGED_FOLDER / entry_dir(cache_dir, request).name


def merged_key(files: list[Path], options: dict) -> dict:
    return {"files": [fingerprint(path, options) for path in files]}


def write(cache_dir: Path, path: Path, key: dict, entry: Entry) -> None:
    """Store a file's entry under `key`, its `fingerprint` taken before the file was read
    (as `write_merged`); a failure (read-only disk, full disk) is logged, never raised."""
    _write_entry(file_entry_dir(cache_dir, path), key, entry)


def _write_entry(folder: Path, key: dict, entry: Entry) -> None:
    token = uuid.uuid4().hex
    meta = {
        "key": key, "token": token, "rows": len(entry.frame),
        "problem_columns": PROBLEM_COLUMNS,
        "problems": [[p.file, p.line, p.column, p.value, p.reason.value, p.message]
                     for p in entry.problems],
        "details": entry.details,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(entry.frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               _TOKEN_KEY: token.encode()})
        _replace(folder / FRAME_FILE, lambda tmp: pq.write_table(table, tmp))
        text = json.dumps(meta, ensure_ascii=False)
        _replace(folder / META_FILE, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except Exception as error:  # the data is read: serving it matters more
        log.warning("could not write the cache %s: %s", folder, error)


@contextmanager
def lock(cache_dir: Path, request: list[Path]) -> Iterator[None]:
    """Hold the lock of a requested set of paths (waiting for it); without a writable
    folder, no lock."""
    folder = entry_dir(cache_dir, request)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "a")  # noqa: SIM115 - closed by the with below
    except OSError:
        yield
        return
    with handle:  # closing the file releases the lock
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _replace(target: Path, write_to) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write_to(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
