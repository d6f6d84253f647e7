"""A columnar cache of the read trade data, so raw customs files are read and validated once.

An entry holds the clean trade frame (Parquet) and everything else a load produced: the
problems, row counts, layouts and provenance (JSON). It is valid while nothing it was built
from changed: each source file's path, size and modification time (trade files and their
metadata sidecars), CACHE_VERSION, the pandas and pyarrow versions, and the source code of
`dashboard/ingest` (a change in how rows are validated must not serve frames checked by the
old rules). Anything else, including a cache that cannot be read, is a miss: the caller
reads the raw files again and rewrites the entry. A cache never stops the app starting.

One folder per requested set of paths, so serving another data folder does not evict this
one. Files are written under temporary names and renamed into place; a token written into
both files ties a frame to its metadata, so a reader racing a writer sees a miss, not a mix.
Reading raw files takes minutes and gigabytes at millions of rows, so `lock` lets one
process (of several workers starting together) build an entry while the others wait for it.
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
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.ingest import schema
from dashboard.ingest.problems import PROBLEM_COLUMNS, Problem, Reason

# Bump when the entry format or the meaning of a cached field changes.
CACHE_VERSION = 1
FRAME_FILE = "frame.parquet"
META_FILE = "meta.json"
_TOKEN_KEY = b"dashboard_cache_token"
_INGEST = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


@dataclass
class Entry:
    """What one load produced; `details` is the JSON-able rest: stats, layouts, provenance."""

    frame: pd.DataFrame
    problems: list[Problem]
    details: dict


def entry_dir(cache_dir: Path, request: list[Path]) -> Path:
    """The folder for one requested set of paths (order matters: it decides duplicates)."""
    names = json.dumps([str(p.resolve()) for p in request])
    return cache_dir / hashlib.sha256(names.encode()).hexdigest()[:16]


def fingerprint(sources: list[Path]) -> dict:
    """Everything an entry depends on; a missing source (e.g. no sidecar) counts too."""
    files = []
    for path in sources:
        try:
            stat = path.stat()
            files.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            files.append([str(path), None, None])
    return {"cache_version": CACHE_VERSION, "pandas": pd.__version__,
            "pyarrow": pa.__version__, "code": _code_digest(), "files": files}


def _code_digest() -> str:
    digest = hashlib.sha256()
    # The reference tables the readers resolve codes with count as code too.
    for path in sorted(p for p in _INGEST.rglob("*") if p.suffix in {".py", ".csv"}
                       and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(_INGEST)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read(cache_dir: Path, request: list[Path], sources: list[Path]) -> Entry | None:
    """The entry for these sources when it is current and readable, else None."""
    folder = entry_dir(cache_dir, request)
    if not (folder / META_FILE).exists():
        return None
    try:
        return _read_entry(folder, fingerprint(sources))
    except Exception as error:  # any unreadable cache is a miss, never a crash
        log.warning("ignoring unreadable cache %s: %s", folder, error)
        return None


def _read_entry(folder: Path, key: dict) -> Entry | None:
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    if meta.get("key") != key:
        log.info("cache %s is stale: a source file, the code or CACHE_VERSION changed", folder)
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


def write(cache_dir: Path, request: list[Path], sources: list[Path], entry: Entry) -> None:
    """Store an entry; a failure (read-only disk, full disk) is logged, never raised."""
    folder = entry_dir(cache_dir, request)
    token = uuid.uuid4().hex
    meta = {
        "key": fingerprint(sources), "token": token, "rows": len(entry.frame),
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
    """Hold the entry's lock file (waiting for it); without a writable folder, no lock."""
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
