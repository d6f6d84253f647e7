"""Files users upload: validated with the same readers, kept per browser session.

An upload is stored under `<folder>/<token>/` (the file as sent, its clean frame as Parquet
and a small JSON of provenance, stats and problems). The token is random and lives only in
that browser tab's session storage, so another user never sees it; the files on disk let
any worker (or a restarted server) answer for it. Nothing here imports dash.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import shutil
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock

import pandas as pd

from dashboard.ingest import readers, schema
from dashboard.ingest.dataset import Dataset, Provenance, one_chunk_per_column
from dashboard.ingest.problems import Problem, Reason

MAX_ROWS = 2_000_000  # rows read; more belongs in the data folder, read once and cached
MAX_SECONDS = 60.0  # reading and validating; a slower file is refused, the page stays usable
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")
MAX_SHOWN_PROBLEMS = 500


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


def safe_filename(name: str) -> str:
    """A file name that is safe on disk and in messages: "../../x<y>.csv" -> "x_y_.csv"."""
    base = Path(str(name).replace("\\", "/")).name
    cleaned = SAFE_NAME.sub("_", base).strip(" .")[:120]
    return cleaned or "upload.csv"


class UploadStore:
    def __init__(self, folder: Path, max_bytes: int, base: Dataset, cached: int = 8,
                 max_rows: int = MAX_ROWS, max_seconds: float = MAX_SECONDS):
        self.folder, self.max_bytes, self.base = folder, max_bytes, base
        self.max_rows, self.max_seconds = max_rows, max_seconds
        self._memory: OrderedDict[str, Dataset] = OrderedDict()
        self._cached, self._lock = cached, Lock()

    def save(self, filename: str, contents: str) -> UploadResult:
        """Decode a dcc.Upload data URL, validate the file, keep what is usable."""
        name = safe_filename(filename)
        raw = self._decode(contents)
        token = secrets.token_urlsafe(18)
        folder = self.folder / token
        folder.mkdir(parents=True)
        path = folder / name
        path.write_bytes(raw)
        try:
            result = self._read_in_time(path)
        except UploadRefused:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if result.stats.get("rows_read", 0) > self.max_rows:
            shutil.rmtree(folder, ignore_errors=True)
            raise UploadRefused(
                f"{name} has {result.stats['rows_read']:,} rows, over the {self.max_rows:,}-row"
                " limit for uploads; ask the operator to serve it from the data folder")
        problems = [_renamed(p, name) for p in result.problems]
        if result.frame.empty:
            shutil.rmtree(folder, ignore_errors=True)
            return UploadResult(None, name, 0, result.stats.get("rows_read", 0), problems,
                                _refusal(name, problems))
        frame = result.frame.assign(source_file=name)
        frame.to_parquet(folder / "frame.parquet", index=False)
        meta = {"filename": name, "stats": result.stats, "uploaded": _now(),
                "problems": [asdict(p) | {"reason": p.reason.value} for p in problems]}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        used = len(frame)
        message = (f"{name}: {used:,} of {result.stats.get('rows_read', 0):,} rows used"
                   f" ({result.layouts.get(str(path), 'unknown layout')});"
                   f" {len(problems):,} problems.")
        return UploadResult(token, name, used, result.stats.get("rows_read", 0), problems, message)

    def _read_in_time(self, path: Path):
        """Read in a worker thread; past the time limit the user gets an answer, not a hang.

        A thread cannot be stopped: a slow read finishes in the background and is discarded.
        """
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(readers.read_many, [path])
        try:
            return future.result(timeout=self.max_seconds)
        except FutureTimeout:
            raise UploadRefused(
                f"reading {path.name} took longer than {self.max_seconds:g} s; split it, or"
                " ask the operator to serve it from the data folder") from None
        finally:
            pool.shutdown(wait=False)

    def load(self, token: str | None) -> Dataset | None:
        """The session's dataset, or None for a missing, expired or forged token."""
        if not token or not TOKEN.match(str(token)):
            return None
        with self._lock:
            if token in self._memory:
                self._memory.move_to_end(token)
                return self._memory[token]
        folder = self.folder / token
        try:
            frame = one_chunk_per_column(schema.conform(pd.read_parquet(folder / "frame.parquet")))
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        data = self._dataset(frame, meta)
        with self._lock:
            self._memory[token] = data
            while len(self._memory) > self._cached:
                self._memory.popitem(last=False)
        return data

    def _dataset(self, frame: pd.DataFrame, meta: dict) -> Dataset:
        problems = [Problem(**{**p, "reason": Reason(p["reason"])}) for p in meta["problems"]]
        provenance = Provenance(
            file=meta["filename"], title=meta["filename"],
            source=f"your upload {meta['filename']} (uploaded {meta['uploaded']};"
                   " source as stated by whoever made the file)",
            licence="unknown", retrieved=meta["uploaded"], synthetic=False)
        return Dataset(frame=frame, problems=problems, stats=meta["stats"],
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


def _renamed(problem: Problem, name: str) -> Problem:
    """Problems name the file as the user knows it, not its place on the server."""
    return Problem(name, problem.line, problem.column, problem.value, problem.reason,
                   problem.message.replace(problem.file, name))


def _refusal(name: str, problems: list[Problem]) -> str:
    if problems and problems[0].reason == Reason.UNKNOWN_LAYOUT:
        return f"{name}: {problems[0].message}"
    reason = problems[0].message if problems else "no rows"
    return f"{name}: no usable rows ({len(problems):,} problems; first: {reason})."


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
