"""One frozen settings object, built once from the command line and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
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

    @property
    def upload_dir(self) -> Path:
        return self.cache_dir / "uploads"

    @property
    def data_cache_dir(self) -> Path:
        """Validated trade data (Parquet), so raw files are read and checked once."""
        return self.cache_dir / "trade"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Settings for a WSGI server (gunicorn), from RARE_EARTH_* variables."""
        def get(name: str, default: str = "") -> str:
            return environ.get(f"RARE_EARTH_{name}", default).strip()

        paths = tuple(Path(p) for p in get("DATA").split(os.pathsep) if p) or (DEFAULT_DATA,)
        return cls(
            data_paths=paths, base_path=get("BASE_PATH", "/"),
            proxy_prefix=get("PROXY_PREFIX", "keep"),
            frame_ancestors=tuple(get("FRAME_ANCESTORS", "'self'").split()),
            cache_dir=Path(get("CACHE_DIR") or DEFAULT_CACHE),
            max_upload_mb=float(get("MAX_UPLOAD_MB", "50")),
            upload_seconds=float(get("UPLOAD_SECONDS", "60")),
            keep_valid_rows=get("KEEP_VALID_ROWS").lower() in {"1", "true", "yes"},
            redis_url=get("REDIS_URL"), cache_secret=get("CACHE_SECRET"),
            redis_timeout_s=float(get("REDIS_TIMEOUT_S", "0.25")),
            cache_mb=float(get("CACHE_MB", "256")),
            cache_item_mb=float(get("CACHE_ITEM_MB", "16")),
            public_url=get("PUBLIC_URL"),
            allowed_hosts=tuple(get("ALLOWED_HOSTS", "localhost 127.0.0.1").split()),
            image_megapixels=float(get("IMAGE_MEGAPIXELS", "16")),
            image_renders=int(get("IMAGE_RENDERS", "2")),
            image_wait_s=float(get("IMAGE_WAIT_S", "20")))

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_path", normalise_base_path(self.base_path))
        if self.proxy_prefix not in ("keep", "strip"):
            raise ValueError("proxy_prefix must be 'keep' or 'strip'")


def normalise_base_path(path: str) -> str:
    """"/x", "x/", "/x/" -> "/x/"; "" -> "/"."""
    inner = path.strip().strip("/")
    return f"/{inner}/" if inner else "/"
