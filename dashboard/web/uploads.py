"""Files users upload: validated with the same readers, kept per browser session, expired.

An upload is stored under `<folder>/<token>/` in files whose names the server chooses (the
file as sent, its clean frame as Parquet and a small JSON of provenance, stats and
problems, written last: a folder without it is half-written or damaged). The token is
random and lives only in that browser tab's session storage, so another user never sees
it; the files on disk let any worker (or a restarted server) answer for it.

Uploads expire: after `max_age_hours`, or sooner when the folder outgrows `max_total_mb`
(oldest removed first; pruned at start and after each upload). `lookup` tells a live upload
from an expired or damaged one, so the page can say so instead of showing other data.
Nothing here imports dash.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock

import pandas as pd

from dashboard.ingest import readers, schema
from dashboard.ingest.dataset import Dataset, Provenance, one_chunk_per_column
from dashboard.ingest.limits import UPLOAD_LIMITS, ReadLimits
from dashboard.ingest.problems import PROBLEM_COLUMNS, Problem, Reason, total_problems

MAX_ROWS = UPLOAD_LIMITS.max_rows  # rows read; more belongs in the data folder, read once
MAX_SECONDS = 60.0  # reading and validating; a slower file is refused, the page stays usable
MAX_AGE_HOURS = 24.0
MAX_TOTAL_MB = 2000.0  # the whole uploads folder
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")
# The server's names for the stored files: an upload called "meta.json" is just data.
RAW_FILE, FRAME_FILE, META_FILE = "upload.bin", "frame.parquet", "meta.json"
EXPIRED_MESSAGE = "Your upload has expired; upload again."
DAMAGED_MESSAGE = "Your upload could not be read; upload again."


class UploadRefused(ValueError):
    """The upload cannot be used at all (too large, not base64, unknown layout, ...)."""


@dataclass
class UploadResult:
    token: str | None
    filename: str
    rows_used: int
    rows_read: int
    problems: list[Problem]
    message: str


@dataclass(frozen=True)
class Loaded:
    """A live upload."""

    data: Dataset


@dataclass(frozen=True)
class Expired:
    """A well-formed token whose upload is gone: too old, pruned for space, or never here."""

    message: str = EXPIRED_MESSAGE


@dataclass(frozen=True)
class Damaged:
    """An upload folder that cannot be read (missing or garbled files); detail is for logs."""

    detail: str
    message: str = DAMAGED_MESSAGE


# None: no upload at all (no token, or not a token): the embedded data is the right answer.
Lookup = Loaded | Expired | Damaged | None


def safe_filename(name: str) -> str:
    """A file name that is safe in messages: "../../x<y>.csv" -> "x_y_.csv"."""
    base = Path(str(name).replace("\\", "/")).name
    cleaned = SAFE_NAME.sub("_", base).strip(" .")[:120]
    return cleaned or "upload.csv"


class UploadStore:
    """Uploads on disk, each read under `limits` within `max_seconds`, kept `max_age_hours`
    and within `max_total_mb` in all. `clock` gives seconds since the epoch (tests pass a
    fake one)."""

    def __init__(self, folder: Path, max_bytes: int, base: Dataset, cached: int = 8,
                 max_rows: int = MAX_ROWS, max_seconds: float = MAX_SECONDS, *,
                 max_age_hours: float = MAX_AGE_HOURS, max_total_mb: float = MAX_TOTAL_MB,
                 limits: ReadLimits = UPLOAD_LIMITS, clock: Callable[[], float] = time.time):
        self.folder, self.max_bytes, self.base = Path(folder), max_bytes, base
        self.max_rows, self.max_seconds = max_rows, max_seconds
        self.max_age_seconds, self.max_total_bytes = max_age_hours * 3600, max_total_mb * 1e6
        self.limits = replace(limits, max_file_bytes=max_bytes, max_rows=max_rows)
        self.clock = clock
        self._memory: OrderedDict[str, tuple[Dataset, float]] = OrderedDict()
        self._cached, self._lock = cached, Lock()
        self.prune()

    def save(self, filename: str, contents: str) -> UploadResult:
        """Decode a dcc.Upload data URL, validate the file, keep what is usable."""
        name = safe_filename(filename)
        raw = self._decode(contents)
        token = secrets.token_urlsafe(18)
        folder = self.folder / token
        folder.mkdir(parents=True)
        path = folder / RAW_FILE
        try:
            path.write_bytes(raw)
            result = self._read_in_time(path, name)
            problems = [_renamed(p, str(path), name) for p in result.problems]
            if result.frame.empty:
                if problems and problems[0].reason in _REFUSALS:
                    raise UploadRefused(f"{name}: {problems[0].message}")
                shutil.rmtree(folder, ignore_errors=True)
                return UploadResult(None, name, 0, result.stats.get("rows_read", 0), problems,
                                    _refusal(name, problems))
            frame = result.frame.assign(source_file=schema.one_label(name, len(result.frame)))
            self._keep(folder, frame, name, result.stats, problems)
        except BaseException:  # refused, timed out, disk full: no half-written folder stays
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.prune(keep=token)
        used, read = len(frame), result.stats.get("rows_read", 0)
        message = (f"{name}: {used:,} of {read:,} rows used"
                   f" ({result.layouts.get(str(path), 'unknown layout')});"
                   f" {total_problems(problems):,} problems.")
        return UploadResult(token, name, used, read, problems, message)

    def _keep(self, folder: Path, frame: pd.DataFrame, name: str, stats: dict,
              problems: list[Problem]) -> None:
        """The clean frame, then meta.json, written last and whole: the folder is complete."""
        frame.to_parquet(folder / FRAME_FILE, index=False)
        uploaded_at = self.clock()
        meta = {"filename": name, "stats": stats, "uploaded_at": uploaded_at,
                "uploaded": _when(uploaded_at),
                "problems": [asdict(p) | {"reason": p.reason.value} for p in problems]}
        written = folder / f"{META_FILE}.part"
        written.write_text(json.dumps(meta), encoding="utf-8")
        written.replace(folder / META_FILE)

    def _read_in_time(self, path: Path, name: str) -> readers.ReadResult:
        """Read in a worker thread; past the time limit the user gets an answer, and the
        read stops at its next row or chunk (it checks the cancel event)."""
        cancel = threading.Event()
        limits = replace(self.limits, cancel=cancel)
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(readers.read_many, [path], limits=limits)
        try:
            return future.result(timeout=self.max_seconds)
        except FutureTimeout:
            cancel.set()
            raise UploadRefused(
                f"reading {name} took longer than {self.max_seconds:g} s; split it, or"
                " ask the operator to serve it from the data folder") from None
        finally:
            pool.shutdown(wait=False)

    def lookup(self, token: object) -> Lookup:
        """What the session's token stands for: Loaded, Expired, Damaged, or None (no
        upload). Never raises for anything found on disk."""
        if not isinstance(token, str) or not TOKEN.match(token):
            return None
        with self._lock:
            kept = self._memory.get(token)
            if kept is not None:
                self._memory.move_to_end(token)
        if kept is not None:
            data, uploaded_at = kept
            if not self._expired(uploaded_at):
                return Loaded(data)
            self._remove(token)
            return Expired()
        folder = self.folder / token
        if not folder.is_dir():
            return Expired()  # pruned, or removed by another worker: the same to its user
        try:
            meta = _read_meta(folder)
        except (OSError, ValueError, TypeError, KeyError) as error:
            return Damaged(f"{META_FILE}: {error}")
        if self._expired(meta["uploaded_at"]):
            self._remove(token)
            return Expired()
        try:
            data = self._dataset(_read_frame(folder), meta)
        except Exception as error:  # pyarrow and pandas raise many types for a bad file
            return Damaged(f"{FRAME_FILE}: {error}")
        with self._lock:
            self._memory[token] = (data, meta["uploaded_at"])
            while len(self._memory) > self._cached:
                self._memory.popitem(last=False)
        return Loaded(data)

    def load(self, token: str | None) -> Dataset | None:
        """The session's dataset, or None for anything else (see `lookup`, which says why)."""
        found = self.lookup(token)
        return found.data if isinstance(found, Loaded) else None

    def prune(self, keep: str | None = None) -> list[str]:
        """Remove uploads past max_age, then the oldest until the folder is within
        max_total_mb, and half-written folders; never `keep`. The tokens removed."""
        now, removed, live = self.clock(), [], []
        for folder, uploaded_at, size in _stored(self.folder):
            # Without meta.json an upload is half-written (its worker died): kept only as
            # long as a read may take. With a damaged one, kept to be reported as damaged.
            complete = (folder / META_FILE).exists()
            started = uploaded_at or _mtime(folder / META_FILE if complete else folder)
            stale = now - started > (self.max_age_seconds if complete else 2 * self.max_seconds)
            if folder.name != keep and stale:
                removed.append(folder.name)
            else:
                live.append((started, size, folder.name))
        total = sum(size for _, size, _ in live)
        for _, size, name in sorted(live):
            if total <= self.max_total_bytes:
                break
            if name != keep:
                removed.append(name)
                total -= size
        for name in removed:
            self._remove(name)
        return removed

    def _expired(self, uploaded_at: float) -> bool:
        return self.clock() - uploaded_at > self.max_age_seconds

    def _remove(self, token: str) -> None:
        with self._lock:
            self._memory.pop(token, None)
        shutil.rmtree(self.folder / token, ignore_errors=True)

    def _dataset(self, frame: pd.DataFrame, meta: dict) -> Dataset:
        provenance = Provenance(
            file=meta["filename"], title=meta["filename"],
            source=f"your upload {meta['filename']} (uploaded {meta['uploaded']};"
                   " source as stated by whoever made the file)",
            licence="unknown", retrieved=meta["uploaded"], synthetic=False)
        return Dataset(frame=frame, problems=meta["problems"], stats=meta["stats"],
                       provenance=[provenance], layouts={},
                       reference_facts=self.base.reference_facts,
                       policy_events=self.base.policy_events)

    def _decode(self, contents: str) -> bytes:
        if not isinstance(contents, str) or "," not in contents:
            raise UploadRefused("the upload did not arrive as a file")
        payload = contents.split(",", 1)[1]
        if len(payload) * 3 // 4 > self.max_bytes:
            raise UploadRefused(f"the file is larger than the {self.max_bytes / 1e6:g} MB"
                                " limit; split it by year or reporter, or ask the operator"
                                " to serve it from the data folder")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as error:
            raise UploadRefused("the upload is not valid base64 data") from error


# A whole file refused for its size: the user is told at once, nothing is kept.
_REFUSALS = {Reason.OVER_LIMIT, Reason.FILE_TOO_LARGE}


def _read_meta(folder: Path) -> dict:
    """The upload's meta.json, checked field by field; problems parsed into Problems.

    Raises ValueError, TypeError or KeyError for anything missing or of the wrong shape.
    """
    path = folder / META_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise TypeError("not a JSON object")
    # Uploads stored before uploads expired have no "uploaded_at": their file's time.
    uploaded_at = meta.get("uploaded_at", _mtime(path))
    if not isinstance(uploaded_at, (int, float)) or isinstance(uploaded_at, bool):
        raise TypeError(f"uploaded_at is {uploaded_at!r}, not seconds")
    stats = meta["stats"]
    if not isinstance(stats, dict) or not all(
            isinstance(k, str) and isinstance(v, int) for k, v in stats.items()):
        raise TypeError("stats is not a table of counts")
    names = {name: meta[name] for name in ("filename", "uploaded")}
    if not all(isinstance(value, str) for value in names.values()):
        raise TypeError("filename or uploaded is not text")
    return {**names, "stats": stats, "uploaded_at": float(uploaded_at),
            "problems": [_problem(p) for p in meta["problems"]]}


def _problem(stored: object) -> Problem:
    if not isinstance(stored, dict) or sorted(stored) != sorted(PROBLEM_COLUMNS):
        raise TypeError(f"a problem is not a record of {', '.join(PROBLEM_COLUMNS)}")
    if not isinstance(stored["line"], int) or not all(
            isinstance(stored[k], str) for k in PROBLEM_COLUMNS if k != "line"):
        raise TypeError("a problem's fields have the wrong types")
    return Problem(**{**stored, "reason": Reason(stored["reason"])})


def _read_frame(folder: Path) -> pd.DataFrame:
    return one_chunk_per_column(schema.conform(pd.read_parquet(folder / FRAME_FILE)))


def _stored(folder: Path):
    """(folder, uploaded_at or None when half-written or damaged, bytes) of each upload."""
    try:
        entries = [e for e in os.scandir(folder) if e.is_dir() and TOKEN.match(e.name)]
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            uploaded_at = _read_meta(path)["uploaded_at"]
        except (OSError, ValueError, TypeError, KeyError):
            uploaded_at = None
        yield path, uploaded_at, _folder_bytes(path)


def _folder_bytes(folder: Path) -> int:
    try:
        return sum(f.stat().st_size for f in folder.iterdir())
    except OSError:  # removed meanwhile by another worker
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _renamed(problem: Problem, stored: str, name: str) -> Problem:
    """Problems name the file as the user knows it, not its place on the server."""
    return Problem(name, problem.line, problem.column, problem.value, problem.reason,
                   problem.message.replace(stored, name))


def _refusal(name: str, problems: list[Problem]) -> str:
    if problems and problems[0].reason == Reason.UNKNOWN_LAYOUT:
        return f"{name}: {problems[0].message}"
    reason = problems[0].message if problems else "no rows"
    return f"{name}: no usable rows ({total_problems(problems):,} problems; first: {reason})."


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")
