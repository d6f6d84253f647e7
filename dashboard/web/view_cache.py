"""Rendered views, cached: in-process by default, shared through Redis when configured.

Keys hold everything a result depends on (what is rendered, the canonical view query,
the dataset's fingerprint, the view link drawn in, the app version), so any worker on any
host may answer from any other's entry, and a restart or a new dataset never serves a
stale one. The cache holds results, not user state: losing it costs time, never
correctness.

Bounded and inert: the in-process cache keeps at most `cache_mb` of stored bytes (least
recently used first out) and skips values over `cache_item_mb`. Values are stored as
bytes (JSON, or a file's own bytes) in a checked frame, never pickles: what anyone wrote
into Redis is at worst a miss, and with `cache_secret` set only values this app signed
for that very key are read. A Redis that fails or is slow (`redis_timeout_s` per call) is
left alone for BREAKER_SECONDS, so answers are computed locally meanwhile, never refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from typing import Any

from plotly.io.json import to_json_plotly

from dashboard import __version__
from dashboard.settings import Settings

DEFAULT_TIMEOUT = 3600  # seconds an entry lives
BREAKER_SECONDS = 30.0  # after a Redis failure, Redis is skipped this long
MAGIC = b"RE-CACHE1"
_LENGTH = struct.Struct(">I")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Codec:
    """A value as (header, body) and back; the header is JSON, the body raw bytes."""

    encode: Callable[[Any], tuple[dict, bytes]]
    decode: Callable[[dict, bytes], Any]


# Callback outputs: figures (numpy arrays inside) and Dash components, as Dash's own JSON.
JSON = Codec(lambda value: ({}, to_json_plotly(value).encode("utf-8")),
             lambda header, body: json.loads(body))
TEXT = Codec(lambda text: ({}, text.encode("utf-8")), lambda header, body: body.decode("utf-8"))


class BadEntry(ValueError):
    """A stored value that this app did not write (junk, truncated, or signed otherwise)."""


def pack(cache_key: str, value: Any, codec: Codec, secret: bytes) -> bytes:
    """MAGIC, a MAC over key and content, the header's length, header, body."""
    header, body = codec.encode(value)
    header_bytes = json.dumps(header).encode()
    content = _LENGTH.pack(len(header_bytes)) + header_bytes
    return MAGIC + _mac(cache_key, content, body, secret) + content + body


def unpack(cache_key: str, blob: bytes, codec: Codec, secret: bytes) -> Any:
    """The value in `blob`, or BadEntry: checked before anything in it is read."""
    if not isinstance(blob, bytes) or not blob.startswith(MAGIC):
        raise BadEntry("not a value of this app")
    start = len(MAGIC) + 32
    try:
        (length,) = _LENGTH.unpack_from(blob, start)
    except struct.error:
        raise BadEntry("truncated") from None
    content, body = blob[start:start + 4 + length], blob[start + 4 + length:]
    if not hmac.compare_digest(blob[len(MAGIC):start], _mac(cache_key, content, body, secret)):
        raise BadEntry("checksum or signature does not match")
    try:
        return codec.decode(json.loads(content[4:]), body)
    except (ValueError, TypeError, KeyError) as error:
        raise BadEntry(f"undecodable: {error}") from None


def _mac(cache_key: str, content: bytes, body: bytes, secret: bytes) -> bytes:
    """HMAC-SHA256 with the secret; without one a keyed checksum (catches junk, not forgery)."""
    mac = hmac.new(secret or b"rare-earth-unsigned", cache_key.encode(), hashlib.sha256)
    mac.update(content)
    mac.update(body)
    return mac.digest()


class LocalCache:
    """In-process LRU bounded by the bytes it stores."""

    def __init__(self, max_bytes: int, max_item_bytes: int, timeout: float = DEFAULT_TIMEOUT):
        self.max_bytes, self.max_item_bytes, self.timeout = max_bytes, max_item_bytes, timeout
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.bytes = 0
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, cache_key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(cache_key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(cache_key)
                return None
            self._entries.move_to_end(cache_key)
            return entry[1]

    def set(self, cache_key: str, blob: bytes) -> bool:
        """Store `blob` unless it is over the item limit; True when stored."""
        if len(blob) > self.max_item_bytes:
            return False
        with self._lock:
            if cache_key in self._entries:
                self._drop(cache_key)
            self._entries[cache_key] = (time.monotonic() + self.timeout, blob)
            self.bytes += len(blob)
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
        return True

    def _drop(self, cache_key: str) -> None:
        self.bytes -= len(self._entries.pop(cache_key)[1])


class RedisCache:
    """Redis with short timeouts, no retries, and a circuit breaker."""

    def __init__(self, url: str, timeout_s: float, max_item_bytes: int,
                 timeout: int = DEFAULT_TIMEOUT, breaker_s: float = BREAKER_SECONDS):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0), retry_on_timeout=False)
        self.prefix = f"rare-earth:{__version__}:"
        self.max_item_bytes, self.timeout, self.breaker_s = max_item_bytes, timeout, breaker_s
        self.closed_until = 0.0  # monotonic time before which Redis is not asked

    def get(self, cache_key: str) -> bytes | None:
        if not self._available():
            return None
        try:
            value = self.client.get(self.prefix + cache_key)
            return value if isinstance(value, bytes | None) else None
        except Exception as error:  # down, slow, or answering nonsense: compute instead
            self._trip("read", error)
            return None

    def set(self, cache_key: str, blob: bytes) -> bool:
        if len(blob) > self.max_item_bytes or not self._available():
            return False
        try:
            self.client.set(self.prefix + cache_key, blob, ex=self.timeout)
        except Exception as error:
            self._trip("write", error)
            return False
        return True

    def _available(self) -> bool:
        return time.monotonic() >= self.closed_until

    def _trip(self, what: str, error: Exception) -> None:
        self.closed_until = time.monotonic() + self.breaker_s
        log.warning("Redis cache %s failed (%r); computing locally for %g s",
                    what, error, self.breaker_s)


@dataclass
class ViewCache:
    """One tier (local or Redis) and the secret its values are signed with."""

    store: LocalCache | RedisCache
    secret: bytes = b""


def make_cache(settings: Settings) -> ViewCache:
    item = int(settings.cache_item_mb * 1e6)
    store: LocalCache | RedisCache
    if settings.redis_url:
        store = RedisCache(settings.redis_url, settings.redis_timeout_s, item)
    else:
        store = LocalCache(int(settings.cache_mb * 1e6), item)
    return ViewCache(store, settings.cache_secret.encode())


def key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join((__version__, *parts)).encode()).hexdigest()


def cached(cache: ViewCache | None, cache_key: str, compute: Callable[[], Any],
           codec: Codec = JSON) -> Any:
    """`compute()`, through the cache; a cache that is down or holds junk is a miss."""
    if cache is None:
        return compute()
    blob = cache.store.get(cache_key)
    if blob is not None:
        try:
            return unpack(cache_key, blob, codec, cache.secret)
        except BadEntry as error:
            log.warning("cache entry %s… ignored: %s", cache_key[:12], error)
    value = compute()
    try:
        blob = pack(cache_key, value, codec, cache.secret)
    except (TypeError, ValueError):  # a value the codec cannot write: answer it uncached
        log.warning("cache entry %s… not encodable", cache_key[:12], exc_info=True)
        return value
    cache.store.set(cache_key, blob)
    return value
