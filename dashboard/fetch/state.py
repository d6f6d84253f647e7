"""A run's record of finished query pieces, kept in the output folder so a rerun resumes.

One JSON object per line, appended as each piece finishes (an interrupted run loses at
most the piece in flight). The suffix `.jsonl` is not one the readers load, so the state
never passes for data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RunState:
    path: Path
    entries: dict[str, dict] = field(default_factory=dict)  # piece id -> its last entry

    @classmethod
    def open(cls, folder: Path, source: str) -> RunState:
        path = folder / f"fetch-state-{source}.jsonl"
        entries: dict[str, dict] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by an interruption: that piece is fetched again
                if isinstance(entry, dict) and "piece" in entry:
                    entries[entry["piece"]] = entry
        return cls(path, entries)

    def finished(self, piece_id: str) -> dict | None:
        return self.entries.get(piece_id)

    def record(self, entry: dict) -> None:
        self.entries[entry["piece"]] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry, sort_keys=True) + "\n")

    def latest_period(self, freq: str) -> str | None:
        """The newest period ("202503", "2024") of this frequency for which some reporter's
        rows arrived; periods asked for that came back empty do not count."""
        periods = [p for e in self.entries.values() if e.get("freq") == freq
                   for arrived in e.get("arrived", {}).values() for p in arrived]
        return max(periods, default=None)


def write_atomic(path: Path, content: bytes) -> None:
    """Write a fetched piece whole or not at all: an interrupted run leaves no half file."""
    partial = path.with_name(path.name + ".part")  # ".part" is no suffix the readers load
    partial.write_bytes(content)
    partial.replace(path)
