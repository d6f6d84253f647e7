"""One frozen settings object, built once from the command line and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Settings:
    data_paths: tuple[Path, ...] = field(default_factory=lambda: (DEFAULT_DATA,))
    host: str = "127.0.0.1"
    port: int = 8050
    base_path: str = "/"
    debug: bool = False
    keep_valid_rows: bool = False  # serve even when some rows had problems

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_path", normalise_base_path(self.base_path))


def normalise_base_path(path: str) -> str:
    """"/x", "x/", "/x/" -> "/x/"; "" -> "/"."""
    inner = path.strip().strip("/")
    return f"/{inner}/" if inner else "/"
