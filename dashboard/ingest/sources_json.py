"""UN Comtrade's JSON API responses read as a table of text cells.

Accepted, saved as returned or gzipped (the format is told from the bytes, not the name):

- the response object of the final-data (``/data/v1/get/...``) and preview
  (``/public/v1/preview/...``) endpoints (a raw tariff-line answer lacks refYear and
  refMonth and matches no layout: `fetch comtrade --tariff-lines` writes its totals):
  ``{"elapsedTime": ..., "count": N, "data": [{record}, ...], "error": ""}``
  (other top-level keys, such as a client's saved ``url``, are ignored);
- a plain JSON list of records.

The header is the union of the records' keys in first-seen order; each record is a row.
Cells are the text a CSV would hold: null -> "", true -> "true", numbers as written in the
file without float noise (12.0 -> "12", 1e-05 -> "0.00001", 6804128143.0 -> "6804128143").

For JSON the "line" of a row or a problem is the record number plus one: the first record
is line 2, as if a header came first (as for Parquet).

The file is streamed twice with the standard json module, one record at a time (a first
pass checks the JSON and collects the header), so memory stays bounded by one record plus
one chunk; `ReadLimits` bound the text (what a gzip file unpacks to), the records (rows)
and the distinct keys (columns), checked in the first pass before any row is made. A
broken or truncated body is a whole-file problem naming the byte where the JSON stops
making sense; an error answer from the service is a whole-file problem quoting its message;
a ``count`` that disagrees with the records present is reported, and the records are still
read.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Generator, Iterator
from decimal import Decimal
from pathlib import Path

from dashboard.ingest.limits import ReadLimits
from dashboard.ingest.problems import LayoutError, Problem, Reason, shorten
from dashboard.ingest.sources import Table, byte_chunks, fail, over_limit

# One record (or one top-level value) may not exceed this: a bound on memory, and the point
# at which broken JSON in a huge file is reported rather than read on.
MAX_VALUE_CHARS = 16 << 20
_WHITESPACE = re.compile(r"[ \t\r\n]*")


def _skip_whitespace(text: str, at: int) -> int:
    """Where the whitespace from `at` ends (the pattern matches empty text too)."""
    found = _WHITESPACE.match(text, at)
    return found.end() if found else at


# Fractions are parsed as Decimal, so no binary float ever rounds a trade value on its way to
# text; NaN and Infinity (which Python's json accepts) stay the words they were.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=str)


class _Stream:
    """One JSON document read a value at a time: never more than one value and one chunk."""

    def __init__(self, path: Path, gzipped: bool, limits: ReadLimits):
        self.path = path
        self._chunks = byte_chunks(path, gzipped, limits)
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.buf, self.pos, self.dropped, self.eof = "", 0, 0, False

    def close(self) -> None:
        self._chunks.close()

    def _fill(self) -> None:
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
        if self.dropped == 0 and self.pos == 0 and not self.buf and chunk is not None and (
                chunk.startswith(codecs.BOM_UTF8)):
            chunk, self.dropped = chunk[3:], 3
        text = self._utf8.decode(chunk or b"", final=chunk is None)
        self.dropped += len(self.buf[:self.pos].encode("utf-8"))
        self.buf, self.pos = self.buf[self.pos:] + text, 0

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            self.pos = _skip_whitespace(self.buf, self.pos)
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos:self.pos + 1]
            self._fill()

    def take(self, char: str, context: str) -> None:
        found = self.peek()
        if found != char:
            what = "the file ends" if not found else f"{found!r} comes"
            raise self.broken(f"expected {char!r} {context}, but {what} there", self.pos)
        self.pos += 1

    def value(self):
        """The next JSON value (object, list, string, number, true/false/null)."""
        self.peek()
        while True:
            try:
                found, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if self.eof:
                    raise self.broken(error.msg, error.pos) from None
                if len(self.buf) - self.pos > MAX_VALUE_CHARS:
                    raise self.broken(f"{error.msg} (or one record over {MAX_VALUE_CHARS >> 20}"
                                      " MB)", error.pos) from None
                self._fill()
                continue
            if end == len(self.buf) and not self.eof:  # a number may go on in the next chunk
                self._fill()
                continue
            self.pos = end
            return found

    def items(self) -> Iterator:
        """The values of the list that starts here, one at a time."""
        self.take("[", "to open a list")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == "]":
                self.pos += 1
                return
            self.take(",", "between two records")

    def broken(self, what: str, pos: int) -> LayoutError:
        at = self.dropped + len(self.buf[:pos].encode("utf-8"))
        size = self.dropped + len(self.buf.encode("utf-8"))
        # Cut short: the error is where the text runs out (or in a string never closed).
        cut = self.eof and (pos >= len(self.buf.rstrip()) or what.startswith("Unterminated"))
        ending = f" (the file ends at byte {size:,}: truncated?)" if cut else ""
        return fail(self.path, Reason.UNREADABLE_FILE, (
            f"not valid JSON at byte {at:,}{ending}: {what}. A Comtrade API response that was"
            " cut short or damaged: download it again"))


def _records(stream: _Stream, meta: dict) -> Iterator:
    """The records of a response object's "data" list, or of a top-level list; the response's
    other top-level values go into meta."""
    first = stream.peek()
    if first == "[":
        meta["shape"] = "list"
        yield from stream.items()
    elif first == "{":
        meta["shape"] = "object"
        yield from _response_records(stream, meta)
    else:
        raise stream.broken("a JSON document must start with '{' or '['", stream.pos)
    if stream.peek():
        raise stream.broken("more text after the end of the JSON document", stream.pos)


def _response_records(stream: _Stream, meta: dict) -> Iterator:
    stream.take("{", "to open the response")
    if stream.peek() == "}":
        stream.pos += 1
        return
    while True:
        key = stream.value()
        if not isinstance(key, str):
            raise stream.broken("expected a key (a quoted name)", stream.pos)
        stream.take(":", f"after the key {shorten(key, 40)!r}")
        if key == "data" and stream.peek() == "[":
            meta["data"] = True
            yield from stream.items()
        else:
            meta[key] = stream.value()
        if stream.peek() == "}":
            stream.pos += 1
            return
        stream.take(",", "between two keys of the response")


def json_table(path: Path, gzipped: bool, limits: ReadLimits) -> Table:
    """A Comtrade API response (or a list of records) as a table; see the module docstring."""
    header, meta, count = _scan(path, gzipped, limits)
    notes = _check_response(path, meta, count)
    rows = _rows(path, gzipped, limits, header)
    shape = "a JSON list" if meta.get("shape") == "list" else "a Comtrade API JSON response"
    return Table(header, 1, f"{shape} of {count:,} records", rows=rows, notes=notes,
                 close=rows.close)


def _scan(path: Path, gzipped: bool, limits: ReadLimits) -> tuple[list[str], dict, int]:
    """First pass: check the whole document; the union of record keys, the top-level values
    and the number of records, each within its limit."""
    meta: dict = {}
    keys: dict[str, None] = {}
    count = 0
    stream = _Stream(path, gzipped, limits)
    try:
        for record in _records(stream, meta):
            count += 1
            if not isinstance(record, dict):
                kind = ("a list" if isinstance(record, list)
                        else f"the value {shorten(record, 40)!r}")
                raise fail(path, Reason.UNREADABLE_FILE, (
                    f"record {count:,} is {kind}, not an object of named fields: not a list of"
                    " trade records"))
            keys.update(dict.fromkeys(record))
            if count > limits.max_rows:
                raise over_limit(path, f"more than {limits.max_rows:,} records",
                                 limits.max_rows, "row")
            if len(keys) > limits.max_columns:
                raise over_limit(path, f"more than {limits.max_columns:,} distinct field"
                                 " names", limits.max_columns, "column")
    finally:
        stream.close()
    return list(keys), meta, count


def _check_response(path: Path, meta: dict, count: int) -> list[Problem]:
    """Whole-file problems raised; notes about an incomplete response returned."""
    # The API puts its message in "error"; the gateway in front of it in "message".
    error = next((str(meta[k]).strip() for k in ("error", "message", "Message")
                  if meta.get(k) not in (None, "")), "")
    if count == 0:
        if error:
            raise fail(path, Reason.UNREADABLE_FILE,
                       f"the Comtrade API answered with an error, not data: {shorten(error)!r}")
        if meta.get("shape") == "object" and not meta.get("data"):
            keys = ", ".join(repr(shorten(k, 30)) for k in [k for k in meta if k != "shape"][:12])
            raise fail(path, Reason.UNREADABLE_FILE, (
                f"a JSON object without a \"data\" list of records (it has {keys or 'no keys'}):"
                " not a Comtrade API data response"))
        raise fail(path, Reason.EMPTY_FILE, "the JSON holds no records (the query matched no"
                   " data, or the response is empty)")
    notes = []
    if error:
        notes.append(Problem(str(path), 0, "error", shorten(error), Reason.UNREADABLE_FILE,
                             "the Comtrade API reported an error beside its data: the"
                             f" {count:,} records are read, but check that none is missing"))
    stated = meta.get("count")
    if stated not in (None, "") and str(stated) != str(count):
        notes.append(Problem(str(path), 0, "count", str(stated), Reason.UNREADABLE_FILE, (
            f"the response says it holds {stated} records but it holds {count:,}: it may have"
            " been cut short or pieced together; the records present are read, the others"
            " are missing")))
    return notes


def _rows(path: Path, gzipped: bool, limits: ReadLimits,
          header: list[str]) -> Generator[tuple[int, list[str]]]:
    """Second pass: (record number + 1, cells in header order) for each record."""
    stream = _Stream(path, gzipped, limits)
    try:
        for number, record in enumerate(_records(stream, {}), start=1):
            yield number + 1, [_cell(record.get(key)) for key in header]
    finally:
        stream.close()


def _cell(value: object) -> str:
    """A JSON value as text: null -> "", true -> "true", 12.0 -> "12", 1e-05 -> "0.00001"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, (dict, list)):  # not in Comtrade records; kept readable if it comes
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=float)
    return str(value).strip()
