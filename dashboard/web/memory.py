"""Give memory that a request freed back to the system, after its response has been sent.

A render allocates and frees tens to hundreds of MB at millions of rows: Arrow arrays in
Arrow's memory pool (mimalloc by default) and numpy arrays through glibc's malloc. Neither
returns freed memory to the system by itself, so a worker's RSS climbed by 350-500 MB over
one pass of the page's views at 5M rows while the memory in use stayed the same. Releasing
after each request that grew the worker keeps it near its started size (760 -> 1,120-1,260
MB before, 710 -> 750-790 MB after, at 5M rows), at 0.5-5 ms per release. It runs in the
request's own thread because mimalloc frees a thread's empty pages from that thread.

The release runs from `call_on_close`: WSGI servers call it once the body is written, so it
adds nothing to the response's latency. It is skipped while the worker's RSS has not grown
by GROWTH_MB since the last release, so cheap requests pay one read of /proc/self/statm.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable
from threading import Lock

import pyarrow
from flask import Flask, Response

GROWTH_MB = 16  # release once RSS grew this much since the last release


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's malloc_trim(0) (returns free pages of every arena), or None elsewhere."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


_TRIM = _malloc_trim()
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int | None:
    """This process's resident memory (RSS), or None where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def release() -> None:
    """Return freed memory of Arrow's pool and of malloc to the system, now."""
    pyarrow.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM()


class Releaser:
    """Releases when RSS grew by `growth_mb` since the last release (always without /proc)."""

    def __init__(self, growth_mb: float | None = None, free: Callable[[], None] | None = None):
        self.growth = int((GROWTH_MB if growth_mb is None else growth_mb) * 2**20)
        self.free = free or release
        self.floor = resident_bytes() or 0
        self.releases = 0
        self._lock = Lock()

    def __call__(self) -> bool:
        """Release if the worker grew; True when it did."""
        resident = resident_bytes()
        # growth 0 releases every time, even when RSS shrank since the floor was taken.
        if self.growth > 0 and resident is not None and resident - self.floor < self.growth:
            return False
        # Concurrent requests: one release trims every malloc arena, but mimalloc frees a
        # thread's pages from that thread; what another thread still holds then counts in
        # the new floor, and that thread reuses it (or releases it after its next render).
        self.free()
        with self._lock:
            self.floor = resident_bytes() or 0
            self.releases += 1
        return True


def register(server: Flask, releaser: Releaser | None = None) -> Releaser:
    """After every response is sent, release what its request freed (if the worker grew).

    The releaser is kept as `server.extensions["memory_releaser"]` (its `releases` count).
    """
    releaser = releaser or Releaser()
    server.extensions["memory_releaser"] = releaser

    @server.after_request
    def release_after_sending(response: Response) -> Response:
        response.call_on_close(releaser)
        return response

    return releaser
