"""How much one read may expand to: checked before anything is expanded, for every format.

A file's size on disk says little about what it becomes: a 292 KB gzip unpacked to one
300 MB line, a 4.9 KB Parquet file (one 10,000-character dictionary value x 100,000 rows)
to 5 GB of text. Every reader therefore counts what it is about to produce (rows, columns,
characters in one cell, characters of text in all) and refuses the file at the first limit
crossed, naming the limit. Problems past `max_problems` are counted, not stored.

The data folder uses the defaults; uploads use tighter ones (see `UPLOAD_LIMITS`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


class ReadCancelled(Exception):
    """Whoever asked for the read gave up (an upload timed out): stop, keep nothing."""


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on one read. Sizes in bytes or characters, counts in rows/columns/problems."""

    max_file_bytes: int = 1_000_000_000  # the file as stored
    max_text_bytes: int = 1_000_000_000  # what it unpacks (gzip, xlsx) or decodes to
    max_rows: int = 50_000_000  # data rows, good or bad
    max_columns: int = 1_000  # header fields
    # One cell of a row that is read. Comtrade's longest commodity description is under
    # 1,000 characters; the data folder's default only stops the absurd.
    max_cell_chars: int = 1_000_000
    max_line_chars: int = 16_000_000  # one line of delimited text, read no further
    max_problems: int = 10_000  # stored one by one; the rest only counted
    # Set by the caller to stop a read in progress; checked between rows and chunks.
    cancel: threading.Event | None = field(default=None, compare=False)

    def check_cancelled(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ReadCancelled("the read was cancelled")


DEFAULT_LIMITS = ReadLimits()
# An upload is read while its user waits, in a shared worker: bounded to what fits a tab.
UPLOAD_LIMITS = ReadLimits(max_text_bytes=500_000_000, max_rows=2_000_000, max_columns=200,
                           max_cell_chars=4_000, max_line_chars=1_000_000, max_problems=1_000)
