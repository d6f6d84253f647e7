"""The bad-input corpus (see corpus.py) and the row-accounting check every read must pass."""

from __future__ import annotations

from dashboard.ingest.problems import Reason

# Problems about a whole file or its header, not about one data row.
FILE_LEVEL = {Reason.UNKNOWN_LAYOUT, Reason.UNREADABLE_FILE, Reason.EMPTY_FILE,
              Reason.FILE_TOO_LARGE, Reason.UNUSED_COLUMN, Reason.UNUSED_SHEET}


def assert_rows_accounted(result, header_line: int = 1) -> None:
    """Every row read is used, set aside as a breakdown row, reported, or a duplicate.

    Also: each row set aside for problems has at least one problem naming its line, and
    each duplicate has its own problem, so no row is dropped without a word.
    """
    stats = {key: result.stats.get(key, 0) for key in (
        "rows_read", "rows_used", "breakdown_rows", "rows_with_problems", "duplicate_rows")}
    assert stats["rows_read"] == (stats["rows_used"] + stats["breakdown_rows"]
                                  + stats["rows_with_problems"] + stats["duplicate_rows"]), stats
    assert len(result.frame) == stats["rows_used"], stats
    row_lines = {p.line for p in result.problems if p.reason not in FILE_LEVEL
                 and p.reason != Reason.DUPLICATE_KEY
                 and not (p.reason == Reason.DUPLICATE_COLUMN and p.line == header_line)}
    assert len(row_lines) == stats["rows_with_problems"], (row_lines, stats)
    duplicates = [p for p in result.problems if p.reason == Reason.DUPLICATE_KEY]
    assert len(duplicates) == stats["duplicate_rows"], stats
    used = set(result.frame["source_line"])
    assert not used & row_lines, "a row was both used and reported"
