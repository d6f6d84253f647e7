"""Read customs files into the trade frame, reporting every row that cannot be used.

`read_file` detects the encoding and the layout from the header, parses every field as
text (so a bad value can be quoted back to the user), and hands the rows to
`validate.build_frame`. Line numbers count the header as line 1.
"""

from __future__ import annotations

import codecs
import gzip
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.ingest import layouts, schema, validate
from dashboard.ingest.problems import LayoutError, Problem, Reason

READABLE_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".parquet")
_SNIFF_BYTES = 1 << 20


@dataclass
class ReadResult:
    """The clean trade frame, the problems, and counts that account for every row."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, str] = field(default_factory=dict)  # file -> layout name


def data_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the data files they hold (sorted); files are kept as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.name.endswith(READABLE_SUFFIXES))
        else:
            found.append(path)
    return found


def read_many(paths: list[Path]) -> ReadResult:
    """Read every file; duplicates across files are reported like duplicates within one."""
    results = [read_file(path) for path in data_files(paths)]
    frames = [r.frame for r in results if len(r.frame)]
    frame = pd.concat(frames, ignore_index=True) if frames else schema.empty_frame()
    frame, duplicates = validate.drop_duplicate_keys(frame)
    stats: dict[str, int] = {}
    for result in results:
        for key, count in result.stats.items():
            stats[key] = stats.get(key, 0) + count
    stats["rows_used"] = len(frame)
    stats["duplicate_rows"] = stats.get("duplicate_rows", 0) + len(duplicates)
    return ReadResult(
        frame=schema.conform(frame),
        problems=[p for r in results for p in r.problems] + duplicates,
        stats=stats,
        layouts={k: v for r in results for k, v in r.layouts.items()},
    )


def read_file(path: Path) -> ReadResult:
    """Read one customs file; a file that cannot be read at all becomes one problem."""
    try:
        raw, bad_lines, line_numbers = _read_raw(path)
        layout, missing = layouts.detect(list(raw.columns))
        if layout is None:
            raise LayoutError(_unknown_layout(path, missing))
    except LayoutError as error:
        stats = {"rows_read": 0, "rows_used": 0, "rows_with_problems": 0, "files_unreadable": 1}
        return ReadResult(schema.empty_frame(), [error.problem], stats)
    raw.columns = [layouts.normalise_name(c) for c in raw.columns]
    staging = layout.to_staging(raw)
    staging["line"] = line_numbers
    frame, problems, stats = validate.build_frame(staging, str(path), layout.source_names)
    problems = bad_lines + problems
    stats["rows_read"] += len(bad_lines)
    stats["rows_with_problems"] += len(bad_lines)
    return ReadResult(frame, problems, stats, {str(path): layout.name})


def _unknown_layout(path: Path, missing: dict[str, list[str]]) -> Problem:
    detail = "; ".join(
        f"{layout.description} lacks {', '.join(missing[layout.name])}"
        for layout in layouts.LAYOUTS
    )
    return Problem(str(path), 1, "", "", Reason.UNKNOWN_LAYOUT,
                   f"the header matches no known layout (column names compared ignoring case,"
                   f" spaces and underscores). Accepted layouts: {detail}")


def _read_raw(path: Path) -> tuple[pd.DataFrame, list[Problem], list[int]]:
    """All fields as text, the unparseable lines as problems, and each row's line number."""
    if path.name.endswith(".parquet"):
        return _read_parquet(path)
    try:
        head = _open_binary(path).read(_SNIFF_BYTES)
    except OSError as error:
        raise LayoutError(
            Problem(str(path), 0, "", "", Reason.UNREADABLE_FILE, str(error))) from error
    if not head.strip():
        raise LayoutError(Problem(str(path), 0, "", "", Reason.EMPTY_FILE, "the file is empty"))
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LayoutError(Problem(str(path), 0, "", "", Reason.UNREADABLE_FILE,
                                  "the file is binary, not delimited text"))
    encoding = _detect_encoding(path, head)
    delimiter = _detect_delimiter(head.decode(encoding, errors="replace"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = pd.read_csv(
            _open_binary(path), sep=delimiter, dtype=str, keep_default_na=False,
            encoding=encoding, on_bad_lines="warn", engine="c",
        )
    bad = _bad_line_problems(path, caught)
    return raw, bad, _line_numbers(len(raw), {p.line for p in bad})


def _read_parquet(path: Path) -> tuple[pd.DataFrame, list[Problem], list[int]]:
    try:
        raw = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for a broken file
        raise LayoutError(Problem(str(path), 0, "", "", Reason.UNREADABLE_FILE,
                                  f"not a readable Parquet file: {error}")) from error
    raw = raw.astype(str).replace({"nan": "", "None": "", "<NA>": "", "NaT": ""})
    # Parquet has no text lines: "line" is the row number plus one, as if a header came first.
    return raw, [], list(range(2, len(raw) + 2))


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def _detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 when the bytes say so, else Windows-1252/Latin-1."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_binary(path) as handle:
            while chunk := handle.read(16 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8-sig"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 reads any byte.
        try:
            with _open_binary(path) as handle:
                handle.read().decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"


def _detect_delimiter(text: str) -> str:
    header = text.splitlines()[0] if text.splitlines() else ""
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","


_SKIPPING = re.compile(r"Skipping line (\d+): (.*)")


def _bad_line_problems(path: Path, caught: list[warnings.WarningMessage]) -> list[Problem]:
    problems = []
    for warning in caught:
        for number, reason in _SKIPPING.findall(str(warning.message)):
            problems.append(Problem(str(path), int(number), "", "", Reason.BAD_ROW,
                                    f"cannot split the line into the header's fields: {reason}"))
    return problems


def _line_numbers(row_count: int, skipped: set[int]) -> list[int]:
    """Line of each parsed row: data starts on line 2, skipping lines pandas rejected."""
    if not skipped:
        return list(range(2, row_count + 2))
    numbers, line = [], 2
    while len(numbers) < row_count:
        if line not in skipped:
            numbers.append(line)
        line += 1
    return numbers
