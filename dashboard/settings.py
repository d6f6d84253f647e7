"""One frozen settings object, built once from the command line and passed down."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / "data"
DEFAULT_CACHE = ROOT / ".cache"


@dataclass(frozen=True)
class Settings:
    data_paths: tuple[Path, ...] = field(default_factory=lambda: (DEFAULT_DATA,))
    host: str = "127.0.0.1"
    port: int = 8050
    base_path: str = "/"
    debug: bool = False
    keep_valid_rows: bool = False  # serve even when some rows had problems
    cache_dir: Path = DEFAULT_CACHE  # validated data (Parquet) and uploads live here
    max_upload_mb: float = 50.0
    # Reading and checking one upload; slower is refused. gunicorn's timeout sits above it.
    upload_seconds: float = 60.0
    # Who may show the app in an iframe: CSP frame-ancestors sources ("'self'" = same origin).
    frame_ancestors: tuple[str, ...] = ("'self'",)
    # Whether the proxy in front strips the base path ("strip") or passes it on ("keep").
    proxy_prefix: str = "keep"
    redis_url: str = ""  # shared cache for several workers/hosts; empty = in-process
    # Signs values in Redis (HMAC-SHA256), so a value nobody signed is a miss; same on all hosts.
    cache_secret: str = ""
    redis_timeout_s: float = 0.25  # per Redis call; a slower Redis is skipped, not waited for
    cache_mb: float = 256.0  # in-process cache budget per worker (bytes of stored values)
    cache_item_mb: float = 16.0  # larger values are not cached (in-process or in Redis)
    # Where people reach the page ("https://example.org/rare-earths/"): the view link drawn
    # into exports and embeds. Empty: the request's own host if in `allowed_hosts`, else none.
    public_url: str = ""
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    image_megapixels: float = 16.0  # width x height x scale^2 of one PNG/SVG, in millions
    image_renders: int = 2  # image requests a worker holds at once (one draws, the rest wait)
    image_wait_s: float = 20.0  # how long a waiting image request waits before a 503
    upload_max_age_hours: float = 24.0  # an upload's token expires after this
    upload_max_total_mb: float = 2000.0  # the uploads folder; the oldest go first
    upload_max_rows: int = 2_000_000  # rows in one upload
    upload_max_text_mb: float = 500.0  # what one upload unpacks or decodes to
    # How often (seconds, at most; on a request) a server looks for new, changed or removed
    # data files and loads them; 0 = never, the data stays as loaded at start.
    data_check_s: float = 30.0

    @property
    def upload_dir(self) -> Path:
        return self.cache_dir / "uploads"

    @property
    def data_cache_dir(self) -> Path:
        """Validated trade data (Parquet), so raw files are read and checked once."""
        return self.cache_dir / "trade"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings for a WSGI server (gunicorn), from RARE_EARTH_* variables (ENVIRONMENT:
        mostly the field's name in capitals, RARE_EARTH_MAX_UPLOAD_MB); unset or empty keeps
        the default."""
        values: dict = {}
        for variable, (name, parse) in ENVIRONMENT.items():
            text = environ.get(f"RARE_EARTH_{variable}", "").strip()
            if text:
                values[name] = parse(text)
        return cls(**values)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_path", normalise_base_path(self.base_path))
        if self.proxy_prefix not in ("keep", "strip"):
            raise ValueError("proxy_prefix must be 'keep' or 'strip'")
        if not self.data_check_s >= 0:  # also refuses NaN, which would never check
            raise ValueError("data_check_s must be 0 (never) or a number of seconds")


def normalise_base_path(path: str) -> str:
    """"/x", "x/", "/x/" -> "/x/"; "" -> "/"."""
    inner = path.strip().strip("/")
    return f"/{inner}/" if inner else "/"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Each setting a deployment sets by environment, with how its text is read; the defaults
# are the dataclass's own (one place).
_PARSERS: dict[str, Callable[[str], object]] = {
    "base_path": str, "proxy_prefix": str, "frame_ancestors": _words,
    "cache_dir": Path, "max_upload_mb": float, "upload_seconds": float,
    "keep_valid_rows": lambda text: text.lower() in {"1", "true", "yes"},
    "redis_url": str, "cache_secret": str, "redis_timeout_s": float, "cache_mb": float,
    "cache_item_mb": float, "public_url": str, "allowed_hosts": _words,
    "image_megapixels": float, "image_renders": int, "image_wait_s": float,
    "upload_max_age_hours": float, "upload_max_total_mb": float, "upload_max_rows": int,
    "upload_max_text_mb": float, "data_check_s": float,
}
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "DATA": ("data_paths", lambda text: tuple(Path(p) for p in text.split(os.pathsep) if p)),
    **{name.upper(): (name, parse) for name, parse in _PARSERS.items()}}
