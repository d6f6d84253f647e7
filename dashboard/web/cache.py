"""Rendered views, cached: in-process by default, shared through Redis when configured.

Keys hold everything a result depends on (what is rendered, the normalised view query,
the dataset's fingerprint, the app version), so any worker on any host may answer from
any other's entry, and a restart or a new dataset never serves a stale one. The cache
holds results, not user state: losing it costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Flask
from flask_caching import Cache

from dashboard import __version__
from dashboard.settings import Settings

DEFAULT_TIMEOUT = 3600
LOCAL_ENTRIES = 512
log = logging.getLogger(__name__)


def make_cache(server: Flask, settings: Settings) -> Cache:
    if settings.redis_url:
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url,
                  "CACHE_KEY_PREFIX": f"rare-earth:{__version__}:"}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": LOCAL_ENTRIES}
    config["CACHE_DEFAULT_TIMEOUT"] = DEFAULT_TIMEOUT
    return Cache(server, config=config)


def key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((__version__, *parts)).encode()).hexdigest()


def cached(cache: Cache | None, cache_key: str, compute):
    """`compute()`, through the cache; a cache that is down is skipped, never fatal."""
    if cache is None:
        return compute()
    try:
        found = cache.get(cache_key)
    except Exception:  # Redis unreachable: answer anyway, slower
        log.warning("cache read failed; computing", exc_info=True)
        found = None
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(cache_key, value)
    except Exception:
        log.warning("cache write failed", exc_info=True)
    return value
