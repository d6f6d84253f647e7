"""Delimited text (CSV, TSV, ';' or '|', gzipped or not) as a table of lines.

The encoding is found by `sources`; here: the delimiter from the first line, the header,
and the lines after it, each read only up to `max_line_chars` (one 300 MB line is refused
after that many characters, not read whole). `records` joins the lines of a quoted value
that holds line breaks; `fields` and `field_count` split a record. `readers` cuts the
records into rows.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections.abc import Iterator
from pathlib import Path

from dashboard.ingest import sources
from dashboard.ingest.limits import ReadLimits
from dashboard.ingest.problems import Reason
from dashboard.ingest.sources import Table, fail, over_limit

DELIMITERS = (",", ";", "\t", "|")


def text_table(path: Path, head: bytes, gzipped: bool, limits: ReadLimits) -> Table:
    """The header and a stream of the lines after it; the encoding found (or given by a
    UTF-16 byte order mark), the delimiter from the first line."""
    encoding, errors = sources.utf16_encoding(head) or ("", "strict")
    if not encoding:
        if not head.strip(b" \t\r\n\x0b\x0c"):
            raise fail(path, Reason.EMPTY_FILE, "the file is empty")
        binary = sources.binary_kind(head)
        if binary:
            raise fail(path, Reason.UNREADABLE_FILE, f"the file is {binary}")
        encoding, errors = sources.scan_encoding(path, gzipped, limits)
    text = head.decode(encoding, errors="replace")
    delimiter = _detect_delimiter(text)
    opener = gzip.open if gzipped else open
    stream = opener(path, "rt", encoding=encoding, errors=errors, newline="")
    lines = _bounded_lines(path, stream, limits)
    header, number = None, 0
    for line in lines:
        number += 1
        if line.strip():
            header = line
            break
    if header is None:
        stream.close()
        raise fail(path, Reason.EMPTY_FILE, "the file is empty (only blank lines)")
    names = fields(header.rstrip("\r\n"), delimiter)
    shown = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "cp1252": "Windows-1252"}
    delimiters = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}
    return Table([c.strip() for c in names], number,
                  f"{shown.get(encoding, encoding)} text, delimiter {delimiters[delimiter]}",
                  lines=lines, delimiter=delimiter, decimal_comma=delimiter == ";",
                  close=stream.close)


def _bounded_lines(path: Path, stream, limits: ReadLimits) -> Iterator[str]:
    """The stream's lines, each read only up to max_line_chars (one 300 MB line is refused
    after that many characters, not read whole); all lines up to max_text_bytes."""
    most, total, number = limits.max_line_chars, 0, 0
    while line := stream.readline(most + 1):
        number += 1
        total += len(line)
        if len(line) > most:
            raise over_limit(path, f"line {number:,} is longer than {most:,} characters",
                             most, "character-per-line", number)
        if total > limits.max_text_bytes:
            raise fail(path, Reason.FILE_TOO_LARGE,
                       sources.too_large(total, limits.max_text_bytes, True))
        if not number & 4095:
            limits.check_cancelled()
        yield line


def _detect_delimiter(text: str) -> str:
    """The candidate that splits the first non-blank line into the most fields."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(fields(line, d)) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


_MAX_RECORD_CHARS = 1 << 20


def records(lines: Iterator[str], delimiter: str, header_line: int):
    """(first line, last line, text, quotes closed) of each record.

    A record is one line unless a quoted value holds a line break; a quote left open for
    more than a megabyte (a stray quote, a truncated file) ends the record there.
    """
    number = header_line
    pending: list[str] = []
    size = parity = first = 0
    for line in lines:
        number += 1
        if pending:
            pending.append(line)
            size += len(line)
            parity ^= line.count('"') & 1
            if parity == 0 and _quotes_closed("".join(pending), delimiter):
                yield first, number, "".join(pending), True
                pending = []
            elif size > _MAX_RECORD_CHARS:
                yield first, number, "".join(pending)[:200], False
                pending = []
            continue
        if line.count('"') & 1 and not _quotes_closed(line, delimiter):
            pending, size, parity, first = [line], len(line), 1, number
            continue
        yield number, number, line, True
    if pending:
        yield first, number, "".join(pending), False


def _quoted(delimiter: str) -> re.Pattern:
    d = re.escape(delimiter)
    return re.compile(rf'(?:^|(?<={d}))"(?:[^"]|"")*"(?={d}|$|[\r\n])')


_QUOTED = {d: _quoted(d) for d in DELIMITERS}
_OPENING = {d: re.compile(rf'(?:^|(?<={re.escape(d)}))"') for d in DELIMITERS}


def _quotes_closed(text: str, delimiter: str) -> bool:
    """No quote that opens a value is left open (quotes inside a bare value are literal)."""
    return not _OPENING[delimiter].search(_QUOTED[delimiter].sub("", text.rstrip("\r\n")))


_ANY_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def field_count(body: str, delimiter: str, width: int) -> int:
    """Fields in a record: fast when it holds no quote; exact when the fast count is off."""
    if '"' not in body:
        return body.count(delimiter) + 1
    count = _ANY_QUOTED.sub("", body).count(delimiter) + 1  # a stray quote pair undercounts
    return count if count == width else len(fields(body, delimiter))


def fields(body: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([body], delimiter=delimiter), [""])
    except csv.Error:  # a field over csv's 128 KB limit: count plainly (pandas has no limit)
        return body.split(delimiter)
