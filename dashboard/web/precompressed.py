"""Static scripts, styles and JSON sent brotli-compressed at quality 11, made once per file.

Flask-Compress (Dash's `compress=True`) compresses each response anew at a fast level
(zstd 3, brotli 4, gzip 6): the page's plotly.js goes out as 526 KB. Brotli at quality 11
sends it as 426 KB (-19 %; the map's geometry -22 %, Dash's bundles -15 to -20 %), which is
0.2 s less before the map draws at 4 Mbit/s; gzip 9 saves nothing over gzip 6, and zopfli
3 % (BENCHMARKS.md, "Bytes before the map draws"). Quality 11 costs 2.8 s of CPU
for plotly.js, so no request waits for it: the first answer for a file is Flask-Compress's,
a background thread makes the brotli body, and later answers send it. Bodies are kept by
content digest in memory (one copy per process, whichever app asks) and on disk under the
cache folder, so a worker that gunicorn replaces, or a restart, does not compress again.

Clients that do not accept br get Flask-Compress's answer (zstd, gzip or deflate at its
level, or the plain file when they accept no encoding).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli
from flask import Flask, Response, request

BROTLI_QUALITY = 11
BROTLI_WINDOW_BITS = 22  # 4 MB: larger windows (24) gain <0.5 % on plotly.js
# Smaller bodies gain nothing worth a cache entry; larger ones are not static scripts.
MIN_BYTES, MAX_BYTES = 1_024, 16_000_000
COMPRESSIBLE = frozenset({"text/javascript", "application/javascript", "text/css",
                          "application/json"})


_MEMORY: dict[str, bytes] = {}


class BrotliBodies:
    """Brotli bodies by the digest of their raw bytes: `memory`, then `folder`, else made by
    `run` (a background thread by default; tests pass one that runs at once)."""

    def __init__(self, folder: Path | None, run: Callable[[Callable[[], None]], None]
                 | None = None, memory: dict[str, bytes] | None = None):
        self.folder = folder
        self.run = run or _background
        # Process-wide by default: content-addressed, so every app in a process shares it.
        self._memory = _MEMORY if memory is None else memory
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self.made = 0  # bodies compressed by this store (not found in memory or on disk)

    def get(self, raw: bytes) -> bytes | None:
        """The brotli body of `raw` if it is made; otherwise starts making it and says None."""
        digest = hashlib.blake2b(raw, digest_size=20).hexdigest()
        body = self._memory.get(digest) or self._read(digest)
        if body is not None:
            self._memory[digest] = body
            return body
        with self._lock:
            if digest in self._pending:
                return None
            self._pending.add(digest)
        self.run(lambda: self._make(digest, raw))
        return self._memory.get(digest)  # made already when `run` runs at once

    def _make(self, digest: str, raw: bytes) -> None:
        try:
            if digest in self._memory:  # made meanwhile for another app of this process
                return
            body = brotli.compress(raw, quality=BROTLI_QUALITY, lgwin=BROTLI_WINDOW_BITS)
            self._memory[digest] = body
            self.made += 1
            self._write(digest, body)
        finally:
            with self._lock:
                self._pending.discard(digest)

    def _path(self, digest: str) -> Path | None:
        return self.folder / f"{digest}.br" if self.folder else None

    def _read(self, digest: str) -> bytes | None:
        path = self._path(digest)
        try:
            return path.read_bytes() if path else None
        except OSError:  # not made yet, or the folder is gone: made again
            return None

    def _write(self, digest: str, body: bytes) -> None:
        path = self._path(digest)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole, then renamed: another worker never reads half a body.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as part:
                part.write(body)
            os.replace(part.name, path)
        except OSError:  # a read-only cache folder: this process still keeps it in memory
            return


_executor: tuple[int, ThreadPoolExecutor] | None = None


def _background(job: Callable[[], None]) -> None:
    """One compressing thread per process (made anew after a fork: threads do not follow)."""
    global _executor
    if _executor is None or _executor[0] != os.getpid():
        _executor = (os.getpid(), ThreadPoolExecutor(1, thread_name_prefix="brotli"))
    _executor[1].submit(job)


def register(server: Flask, path_prefixes: Iterable[str], bodies: BrotliBodies) -> None:
    """Answer GET and HEAD of static files under `path_prefixes` (Flask's view of the path)
    with the brotli body when the client accepts br and the body is made. Registered after
    Dash(compress=True), so this runs before Flask-Compress, which leaves a response that
    has a Content-Encoding alone."""
    prefixes = tuple(path_prefixes)
    server.extensions["brotli_bodies"] = bodies  # its `made` count, for tests

    @server.after_request
    def send_brotli(response: Response) -> Response:
        if not (request.method in ("GET", "HEAD") and response.status_code == 200
                and request.path.startswith(prefixes)
                and response.mimetype in COMPRESSIBLE
                and "Content-Encoding" not in response.headers):
            return response
        # A file is streamed, and Flask-Compress streams no gzip: a client that accepts
        # only gzip got the plain file. Read here, it is one body: gzip, with its length.
        response.direct_passthrough = False
        raw = response.get_data()
        if request.accept_encodings["br"] <= 0 or not MIN_BYTES <= len(raw) <= MAX_BYTES:
            return response
        body = bodies.get(raw)
        return response if body is None else _as_brotli(response, body)


def _as_brotli(response: Response, body: bytes) -> Response:
    response.set_data(body)  # sets Content-Length
    response.headers["Content-Encoding"] = "br"
    vary = response.headers.get("Vary", "")
    if "accept-encoding" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    etag, weak = response.get_etag()
    if etag:  # another body, so another validator (as Flask-Compress names its own)
        response.set_etag(f"{etag}:br", weak=bool(weak))
    response.make_conditional(request)  # in place: a 304 when the client has this body
    return response
