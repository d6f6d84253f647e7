"""A loaded dataset: the trade frame, its problems, and the provenance of every file.

Each data file may have a sidecar `<name>.meta.json` (title, source, licence, retrieved,
synthetic). Reference facts and policy events are loaded beside the trade data but are
never mixed into it: they are published figures and dates, not customs rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.ingest import readers
from dashboard.ingest.problems import Problem

REFERENCE_FACTS_FILE = "reference_facts.csv"
POLICY_EVENTS_FILE = "policy_events.csv"
_NOT_TRADE = {REFERENCE_FACTS_FILE, POLICY_EVENTS_FILE}


@dataclass(frozen=True)
class Provenance:
    file: str
    title: str
    source: str
    licence: str
    retrieved: str | None
    synthetic: bool

    @property
    def source_line(self) -> str:
        retrieved = f", retrieved {self.retrieved}" if self.retrieved else ""
        return f"Source: {self.source}{retrieved}."


@dataclass
class Dataset:
    frame: pd.DataFrame
    problems: list[Problem]
    stats: dict[str, int]
    provenance: list[Provenance]
    layouts: dict[str, str] = field(default_factory=dict)
    reference_facts: pd.DataFrame = field(default_factory=pd.DataFrame)
    policy_events: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def synthetic(self) -> bool:
        return any(p.synthetic for p in self.provenance)

    @property
    def source_line(self) -> str:
        return " ".join(dict.fromkeys(p.source_line for p in self.provenance))


def trade_files(paths: list[Path]) -> list[Path]:
    """The customs files among paths (folders expanded), leaving reference tables out."""
    return [p for p in readers.data_files(paths) if p.name not in _NOT_TRADE]


def load(paths: list[Path]) -> Dataset:
    """Read the trade files under paths, their sidecars, and any reference tables."""
    files = trade_files(paths)
    result = readers.read_many(files)
    folders = {p if p.is_dir() else p.parent for p in paths}
    return Dataset(
        frame=result.frame,
        problems=result.problems,
        stats=result.stats,
        provenance=[read_provenance(f) for f in files],
        layouts=result.layouts,
        reference_facts=_reference_table(folders, REFERENCE_FACTS_FILE),
        policy_events=_reference_table(folders, POLICY_EVENTS_FILE),
    )


def sidecar_path(path: Path) -> Path:
    name = path.name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0]
    return path.with_name(f"{stem}.meta.json")


def read_provenance(path: Path) -> Provenance:
    """The file's metadata sidecar, or an honest "unknown source" when there is none."""
    sidecar = sidecar_path(path)
    meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    return Provenance(
        file=path.name,
        title=meta.get("title", path.name),
        source=meta.get("source", f"{path.name} (no metadata sidecar: source unknown)"),
        licence=meta.get("licence", "unknown"),
        retrieved=meta.get("retrieved"),
        synthetic=bool(meta.get("synthetic", False)),
    )


def _reference_table(folders: set[Path], name: str) -> pd.DataFrame:
    for folder in sorted(folders):
        if (folder / name).exists():
            return pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    return pd.DataFrame()
