"""Read customs files into the trade frame, reporting every row that cannot be used.

`read_file` tells the format from the bytes, not the name (delimited text, gzipped or not;
an Excel workbook; Parquet), detects the encoding and the delimiter, finds the layout from
the header, and streams the rows in chunks through `validate.build_frame`, so memory stays
bounded by one chunk plus the rows kept. Every field is read as text, so a bad value can
be quoted back. Line numbers are physical lines (the header is line 1; a record that spans
lines is numbered by its first); a spreadsheet's are its row numbers.

Files over `max_bytes` (DEFAULT_MAX_BYTES, 1 GB; a gzip file also counts what it unpacks
to) are refused with a "file too large" problem rather than read.

(Longer than the ~400 lines the style asks for: the format sniffing below would be its own
module, `ingest/sources.py`, in a later split.)
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import itertools
import operator
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.ingest import layouts, schema, validate
from dashboard.ingest.problems import LayoutError, Problem, Reason, shorten

READABLE_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".parquet", ".xlsx")
# Not readable, but looked at so that a folder holding one reports it instead of hiding it.
REPORTED_SUFFIXES = (".xls", ".xlsb", ".ods", ".zip")
DEFAULT_MAX_BYTES = 1_000_000_000
CHUNK_ROWS = 50_000
_SNIFF_BYTES = 1 << 20
_SCAN_BYTES = 4 << 20


@dataclass
class ReadResult:
    """The clean trade frame, the problems, and counts that account for every row."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, str] = field(default_factory=dict)  # file -> layout name


@dataclass
class _Table:
    """One source's rows, whatever the format: a header, then text lines or cell rows."""

    header: list[str]
    header_line: int
    described: str  # how it was read, for messages: "UTF-8 text, delimiter ';'"
    lines: Iterator[str] | None = None  # delimited text after the header, line ends kept
    rows: Iterator[tuple[int, list[str]]] | None = None  # spreadsheet / Parquet: (line, cells)
    delimiter: str = ","
    decimal_comma: bool = False
    notes: list[Problem] = field(default_factory=list)  # about the source (unused sheets)
    sheet: str = ""
    close: Callable[[], None] = lambda: None


def data_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the data files they hold (sorted); files are kept as given.

    Excel's lock files ("~$book.xlsx", present while a workbook is open) are left out.
    """
    found: list[Path] = []
    wanted = READABLE_SUFFIXES + REPORTED_SUFFIXES
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file()
                            and p.name.lower().endswith(wanted) and not p.name.startswith("~$"))
        else:
            found.append(path)
    return found


def read_many(paths: list[Path], *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read every file; duplicates across files are reported like duplicates within one."""
    return merge_results([read_file(path, max_bytes=max_bytes) for path in data_files(paths)])


def merge_results(results: list[ReadResult]) -> ReadResult:
    """One result for several files: frames joined, duplicate keys across files reported."""
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


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
              chunk_rows: int = CHUNK_ROWS) -> ReadResult:
    """Read one customs file; a file that cannot be read at all becomes one problem."""
    path = Path(path)
    table = None
    try:
        table = _open_table(path, max_bytes)
        layout = _layout(path, table)
        return _read_rows(path, table, layout, chunk_rows)
    except LayoutError as error:
        stats = {"rows_read": 0, "rows_used": 0, "breakdown_rows": 0, "rows_with_problems": 0,
                 "files_unreadable": 1}
        return ReadResult(schema.empty_frame(), [error.problem], stats)
    finally:
        if table is not None:
            table.close()


def _fail(path: Path, reason: Reason, message: str, line: int = 0) -> LayoutError:
    return LayoutError(Problem(str(path), line, "", "", reason, message))


# ---- rows: header checks, field counts, chunks -------------------------------------------


def _layout(path: Path, table: _Table) -> layouts.Layout:
    layout, missing = layouts.detect(table.header)
    if layout is not None:
        return layout
    shown = ", ".join(repr(shorten(c, 40)) for c in table.header[:12])
    more = f" and {len(table.header) - 12} more" if len(table.header) > 12 else ""
    detail = "; ".join(f"{candidate.description} lacks {', '.join(missing[candidate.name])}"
                       for candidate in layouts.closest_first(missing))
    where = f" in sheet {table.sheet!r}" if table.sheet else ""
    raise _fail(path, Reason.UNKNOWN_LAYOUT, (
        f"the header{where} matches no known layout (read as {table.described}; column names"
        f" compared ignoring case, spaces and underscores). It has {shown}{more}."
        f" Accepted layouts: {detail}"), table.header_line)


def _read_rows(path: Path, table: _Table, layout: layouts.Layout, chunk_rows: int) -> ReadResult:
    file = str(path)
    twins = layouts.duplicated(table.header, layout)
    problems = list(table.notes) + _header_problems(file, table, layout, twins)
    positions = _positions(table.header)
    reads = [name for name in layout.reads if name in positions]
    pick = [positions[name][0] for name in reads]
    needed = sorted(set(pick).union(*twins.values()))
    totals = {"rows_read": 0, "breakdown_rows": 0, "rows_with_problems": 0, "rows_used": 0}
    rows = _Rows(file, table, problems, totals)
    chunks = (rows.text_chunks if table.lines is not None else rows.cell_chunks)(needed, chunk_rows)
    frames = []
    # A file writes its numbers one way: once a chunk shows which, later chunks read their
    # ambiguous numbers ("1.500") that way too, however the file was cut into chunks.
    decimal_comma, settled = table.decimal_comma, False
    for lines, raw in chunks:
        lines, raw = rows.drop_twin_conflicts(twins, lines, raw)
        staging = layout.to_staging(raw[pick].set_axis(reads, axis=1))
        staging["line"] = lines
        if not settled:
            shown = validate.decimal_evidence(pd.concat(
                [staging[field] for field in ("weight", "qty", "value")]))
            if shown is not None:
                decimal_comma, settled = shown, True
        frame, found, stats = validate.build_frame(staging, file, layout.source_names,
                                                   decimal_comma=decimal_comma)
        frames.append(frame)
        problems += found
        for key, count in stats.items():
            totals[key] += count
    if totals["rows_read"] == 0:
        problems.append(Problem(file, table.header_line, "", "", Reason.EMPTY_FILE,
                                f"the file has a header ({layout.description}) but no data rows"))
    frame = pd.concat(frames, ignore_index=True) if frames else schema.empty_frame()
    name = f"{layout.name}, sheet {table.sheet!r}" if table.sheet else layout.name
    problems.sort(key=lambda p: p.line)
    return ReadResult(schema.conform(frame), problems, totals, {file: name})


def _positions(header: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        found.setdefault(layouts.normalise_name(name), []).append(index)
    return found


def _header_problems(file: str, table: _Table, layout: layouts.Layout,
                     twins: dict[str, list[int]]) -> list[Problem]:
    problems = []
    for where in twins.values():
        name = table.header[where[0]]
        fields = ", ".join(str(i + 1) for i in where)
        problems.append(Problem(
            file, table.header_line, name, "", Reason.DUPLICATE_COLUMN,
            f"column {name!r} appears {len(where)} times (fields {fields}); the first is read,"
            " and rows where the copies differ are set aside"))
    for name, hint in layouts.unused(layout, table.header):
        problems.append(Problem(
            file, table.header_line, name, "", Reason.UNUSED_COLUMN,
            f"column {shorten(name, 60)!r} is not a column of {layout.description}, so it is"
            f" not read{hint}"))
    return problems


class _Rows:
    """Cuts a table into chunks of well-formed rows; reports and counts every other row.

    A chunk is (line numbers, frame of text whose columns are field positions). Blank lines
    and rows of empty cells are not rows: skipped, not counted.
    """

    def __init__(self, file: str, table: _Table, problems: list[Problem], totals: dict):
        self.file, self.table, self.problems, self.totals = file, table, problems, totals
        self.width = len(table.header)

    def reject(self, line: int, value: str, reason: Reason, message: str, column: str = ""):
        self.problems.append(Problem(self.file, line, column, shorten(value, 120), reason,
                                     message))
        self.totals["rows_read"] += 1
        self.totals["rows_with_problems"] += 1

    def text_chunks(self, needed: list[int], chunk_rows: int):
        """Frame records line by line (exact line numbers), parse them with pandas' C parser."""
        width, delimiter = self.width, self.table.delimiter
        lines: list[int] = []
        texts: list[str] = []
        for first, last, text, closed in _records(self.table.lines, delimiter,
                                                   self.table.header_line):
            body = text.rstrip("\r\n")
            if not body.strip(f" \t{delimiter}"):
                continue
            count = _field_count(body, delimiter, width)
            if count > width and _fields(body, delimiter)[width:] == [""] * (count - width):
                body, count = body[: len(body) - (count - width)], width  # trailing delimiters
            if not closed or count != width:
                self.reject(first, body, Reason.BAD_ROW,
                            _field_count_problem(self.table, first, last, body, count, closed))
                continue
            lines.append(first)
            texts.append(body + "\n")
            if len(texts) >= chunk_rows:
                yield self.parse(lines, texts, needed)
                lines, texts = [], []
        if texts:
            yield self.parse(lines, texts, needed)

    def parse(self, lines: list[int], texts: list[str], needed: list[int]):
        """Framed, counted records: pandas' C parser splits them fast. Should it disagree with
        the count, each record is split exactly and the odd ones reported."""
        delimiter = self.table.delimiter
        try:
            frame = pd.read_csv(io.StringIO("".join(texts)), sep=delimiter, header=None,
                                names=range(self.width), usecols=needed, dtype=str,
                                na_filter=False, engine="c", skip_blank_lines=False)
            if len(frame) == len(texts):
                return lines, frame
        except (pd.errors.ParserError, ValueError):
            pass
        kept, rows = [], []
        for line, text in zip(lines, texts):
            fields = _fields(text.rstrip("\n"), delimiter)
            if len(fields) == self.width:
                kept.append(line)
                rows.append(fields)
            else:
                self.reject(line, text, Reason.BAD_ROW, f"the line has {len(fields)} fields but"
                            f" the header has {self.width}")
        return kept, _frame(rows, needed)

    def cell_chunks(self, needed: list[int], chunk_rows: int):
        """Rows of cells (spreadsheets drop trailing empty cells, so short rows are padded)."""
        lines: list[int] = []
        cells: list[list[str]] = []
        for line, row in self.table.rows:
            if not any(row):
                continue
            if len(row) > self.width and any(row[self.width:]):
                self.reject(line, ",".join(row), Reason.BAD_ROW,
                            f"the row has values in {len(row)} columns but the header has"
                            f" {self.width}")
                continue
            lines.append(line)
            cells.append(row[: self.width] + [""] * (self.width - len(row)))
            if len(cells) >= chunk_rows:
                yield lines, _frame(cells, needed)
                lines, cells = [], []
        if cells:
            yield lines, _frame(cells, needed)

    def drop_twin_conflicts(self, twins: dict[str, list[int]], lines: list[int],
                            raw: pd.DataFrame) -> tuple[list[int], pd.DataFrame]:
        """Set aside the rows where two copies of a duplicated column disagree."""
        differ = pd.Series(False, index=raw.index)
        for where in twins.values():
            copies = [raw[i].str.strip() for i in where]
            conflict = pd.concat([c != copies[0] for c in copies[1:]], axis=1).any(axis=1)
            for row in raw.index[conflict & ~differ]:
                name = self.table.header[where[0]]
                values = " | ".join(c[row] for c in copies)
                self.reject(lines[row], values, Reason.DUPLICATE_COLUMN,
                            f"the copies of column {name!r} differ, so the row cannot be read"
                            " safely", name)
            differ |= conflict
        if not differ.any():
            return lines, raw
        keep = ~differ.to_numpy()
        return [n for n, k in zip(lines, keep) if k], raw.loc[keep].reset_index(drop=True)


def _frame(cells: list[list[str]], needed: list[int]) -> pd.DataFrame:
    take = operator.itemgetter(*needed, needed[0])  # a tuple even for one column
    columns = zip(*(take(row) for row in cells))
    return pd.DataFrame(dict(zip(needed, columns)), index=range(len(cells)), dtype=str)


def _field_count_problem(table: _Table, first: int, last: int, body: str, count: int,
                         closed: bool) -> str:
    if not closed:
        return (f"a quote opened on line {first} is never closed (read up to line {last}):"
                " a truncated file, or a value with an unmatched quote")
    width = len(table.header)
    message = f"the line has {count} fields but the header has {width}"
    others = [d for d in _DELIMITERS if d != table.delimiter and body.count(d) >= width - 1]
    if last > first:
        message += f"; lines {first}-{last} were read as one record (an unmatched quote?)"
    elif count < width and others:
        message += f"; it seems to use {others[0]!r} where the header uses {table.delimiter!r}"
    elif count < width:
        message += " (a truncated or damaged line?)"
    else:
        message += (" (a delimiter inside an unquoted value, such as a decimal comma or a"
                    " thousands separator?)")
    return message


# ---- formats: what the bytes are ---------------------------------------------------------

_MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls), an encrypted workbook or another"
                          " old Office file: save it as .xlsx or CSV"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"), (b"Rar!", "a RAR archive: unpack it"),
    (b"SQLite format 3", "an SQLite database"), (b"BZh", "a bzip2 archive: unpack it first"),
    (b"\xfd7zXZ", "an xz archive: unpack it first"),
]


def _open_table(path: Path, max_bytes: int) -> _Table:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as error:
        raise _fail(path, Reason.UNREADABLE_FILE, f"cannot open the file: {error}") from error
    if size > max_bytes:
        raise _fail(path, Reason.FILE_TOO_LARGE, _too_large(size, max_bytes))
    if head.startswith(b"PAR1"):
        return _parquet_table(path)
    if head.startswith(b"PK\x03\x04"):
        return _zip_table(path)
    gzipped = head.startswith(b"\x1f\x8b")
    if gzipped:
        head = _gunzip_head(path)
    return _text_table(path, head, gzipped, max_bytes)


def _too_large(size: int, max_bytes: int, unpacked: bool = False) -> str:
    what = "unpacks to more than" if unpacked else f"is {_size(size)}, over"
    return (f"the file {what} the limit of {_size(max_bytes)}: split it (by year or"
            " reporter), or raise the limit")


def _size(count: int) -> str:
    return f"{count / 1e6:,.0f} MB" if count >= 1e6 else f"{count:,} bytes"


def _gunzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as error:
        raise _fail(path, Reason.UNREADABLE_FILE,
                    f"the gzip file is damaged or truncated: {error}") from error


def _zip_table(path: Path) -> _Table:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as error:
        raise _fail(path, Reason.UNREADABLE_FILE, f"a damaged ZIP file: {error}") from error
    if "xl/workbook.xml" in names:
        return _workbook_table(path)
    what = ("an OpenDocument spreadsheet: save it as .xlsx or CSV" if "content.xml" in names
            else "a Word document" if "word/document.xml" in names
            else "a ZIP archive: unpack it and read the files inside")
    raise _fail(path, Reason.UNREADABLE_FILE, f"the file is {what}, not a table of trade data")


def _binary_kind(head: bytes) -> str | None:
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    sample = head[:65536]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, *range(14, 26), 27))
    if b"\x00" in sample or controls > len(sample) // 100:
        return "binary data, not delimited text"
    return None


# ---- delimited text: encoding, delimiter, records ----------------------------------------

_DELIMITERS = (",", ";", "\t", "|")
_FALLBACK = "dashboard-cp1252-fallback"


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """In a UTF-8 file with a few Windows-1252 bytes pasted in, read those bytes as cp1252."""
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(_FALLBACK, _cp1252_fallback)


def _text_table(path: Path, head: bytes, gzipped: bool, max_bytes: int) -> _Table:
    encoding, errors = _utf16_encoding(head) or ("", "strict")
    if not encoding:
        if not head.strip(b" \t\r\n\x0b\x0c"):
            raise _fail(path, Reason.EMPTY_FILE, "the file is empty")
        binary = _binary_kind(head)
        if binary:
            raise _fail(path, Reason.UNREADABLE_FILE, f"the file is {binary}")
        encoding, errors = _scan_encoding(path, gzipped, max_bytes)
    text = head.decode(encoding, errors="replace")
    delimiter = _detect_delimiter(text)
    opener = gzip.open if gzipped else open
    stream = opener(path, "rt", encoding=encoding, errors=errors, newline="")
    lines = iter(stream)
    header, number = None, 0
    for line in lines:
        number += 1
        if line.strip():
            header = line
            break
    if header is None:
        stream.close()
        raise _fail(path, Reason.EMPTY_FILE, "the file is empty (only blank lines)")
    names = _fields(header.rstrip("\r\n"), delimiter)
    shown = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "cp1252": "Windows-1252"}
    delimiters = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}
    return _Table([c.strip() for c in names], number,
                  f"{shown.get(encoding, encoding)} text, delimiter {delimiters[delimiter]}",
                  lines=lines, delimiter=delimiter, decimal_comma=delimiter == ";",
                  close=stream.close)


def _utf16_encoding(head: bytes) -> tuple[str, str] | None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "replace"
    sample = head[:4096]
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if half >= 8 and odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le", "replace"
    if half >= 8 and even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be", "replace"
    return None


def _scan_encoding(path: Path, gzipped: bool, max_bytes: int) -> tuple[str, str]:
    """UTF-8, GBK (Chinese), UTF-8 with stray cp1252 bytes, else Windows-1252 / Latin-1.

    Streams the file (twice when it is not UTF-8); enforces max_bytes on what a gzip file
    unpacks to.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    if all(_decodes(utf8, chunk) for chunk in _chunks(path, gzipped, max_bytes)) and _decodes(
            utf8, b"", final=True):
        return "utf-8-sig", "strict"
    gbk = codecs.getincrementaldecoder("gb18030")()
    gbk_ok, paired, single, multibyte, undefined, carry = True, 0, 0, False, False, b""
    for chunk in itertools.chain(_chunks(path, gzipped, max_bytes), [b"\n"]):
        gbk_ok = gbk_ok and _decodes(gbk, chunk)
        data, carry = _split_at_ascii(carry + chunk)
        runs = _HIGH_RUN.findall(data)
        odd = sum(len(run) & 1 for run in runs)
        paired, single = paired + sum(map(len, runs)) - odd, single + odd
        high = b"\n".join(runs)  # only the non-ASCII bytes, runs kept apart
        multibyte = multibyte or bool(_UTF8_SEQUENCE.search(high))
        undefined = undefined or bool(_CP1252_UNDEFINED.search(high))
    # GBK pairs high bytes; Latin-1 accents stand alone ("C\xf4te"). 90% pairs and a strict
    # GB18030 decode is GBK. (Korean EUC-KR would pass too: it is not told apart.)
    if gbk_ok and _decodes(gbk, b"", final=True) and paired >= 2 and paired >= 0.9 * (
            paired + single):
        return "gb18030", "replace"
    if multibyte:
        return "utf-8-sig", _FALLBACK
    return ("latin-1" if undefined else "cp1252"), "strict"


def _chunks(path: Path, gzipped: bool, max_bytes: int) -> Iterator[bytes]:
    total = 0
    try:
        with (gzip.open if gzipped else open)(path, "rb") as handle:
            while chunk := handle.read(_SCAN_BYTES):
                total += len(chunk)
                if total > max_bytes:
                    raise _fail(path, Reason.FILE_TOO_LARGE, _too_large(total, max_bytes, True))
                yield chunk
    except (OSError, EOFError, zlib.error) as error:
        raise _fail(path, Reason.UNREADABLE_FILE,
                    f"the gzip file is damaged or truncated: {error}") from error


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(data, final)
        return True
    except UnicodeDecodeError:
        return False


def _split_at_ascii(data: bytes) -> tuple[bytes, bytes]:
    """Cut after the last ASCII byte, so a run of high bytes is never split between reads."""
    end = len(data)
    while end and data[end - 1] >= 0x80:
        end -= 1
    return data[:end], data[end:]


def _detect_delimiter(text: str) -> str:
    """The candidate that splits the first non-blank line into the most fields."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: len(_fields(line, d)) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 1 else ","


_MAX_RECORD_CHARS = 1 << 20


def _records(lines: Iterator[str], delimiter: str, header_line: int):
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


_QUOTED = {d: _quoted(d) for d in _DELIMITERS}
_OPENING = {d: re.compile(rf'(?:^|(?<={re.escape(d)}))"') for d in _DELIMITERS}


def _quotes_closed(text: str, delimiter: str) -> bool:
    """No quote that opens a value is left open (quotes inside a bare value are literal)."""
    return not _OPENING[delimiter].search(_QUOTED[delimiter].sub("", text.rstrip("\r\n")))


_ANY_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def _field_count(body: str, delimiter: str, width: int) -> int:
    """Fields in a record: fast when it holds no quote; exact when the fast count is off."""
    if '"' not in body:
        return body.count(delimiter) + 1
    count = _ANY_QUOTED.sub("", body).count(delimiter) + 1  # a stray quote pair undercounts
    return count if count == width else len(_fields(body, delimiter))


def _fields(body: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([body], delimiter=delimiter), [""])
    except csv.Error:  # a field over csv's 128 KB limit: count plainly (pandas has no limit)
        return body.split(delimiter)


# ---- spreadsheets and Parquet ------------------------------------------------------------


def _workbook_table(path: Path) -> _Table:
    """The first sheet whose header is a known layout; the other non-empty sheets reported."""
    import openpyxl  # only when a workbook is read

    handle = path.open("rb")  # a handle, not the name: openpyxl refuses "book.csv"
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        handle.close()
        raise _fail(path, Reason.UNREADABLE_FILE,
                    f"not a readable Excel workbook: {error}") from error

    def close() -> None:
        book.close()
        handle.close()

    sheets = []
    for sheet in book.worksheets:
        sheet.reset_dimensions()  # a stored size that is too small would cut rows and columns
        rows = ((n, [_cell_text(v) for v in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        header = next(((n, cells) for n, cells in rows if any(cells)), None)
        if header is not None:
            sheets.append((sheet.title, header, rows))
    chosen = next((s for s in sheets if layouts.detect(s[1][1])[0] is not None), None)
    if chosen is None:
        close()
        if not sheets:
            raise _fail(path, Reason.EMPTY_FILE, "the workbook has no data in any sheet")
        title, (line, header), _ = sheets[0]
        names = ", ".join(repr(s[0]) for s in sheets)
        return _Table(header, line, f"an Excel sheet; no sheet matches: {names}", sheet=title)
    title, (line, header), rows = chosen
    notes = [Problem(str(path), 0, "", other, Reason.UNUSED_SHEET,
                     f"sheet {other!r} is not read: only one sheet per workbook is, the first"
                     f" in a known layout ({title!r}; sheets: "
                     f"{', '.join(repr(s[0]) for s in sheets)}); put other tables in their own"
                     " files") for other, _, _ in sheets if other != title]
    return _Table(header, line, "an Excel sheet", rows=rows, notes=notes, sheet=title,
                  close=close)


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: 2025.0 -> "2025", a midnight date -> 2025-03-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _parquet_table(path: Path) -> _Table:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        header = list(source.schema_arrow.names)
    except Exception as error:  # pyarrow raises several types for a broken file
        raise _fail(path, Reason.UNREADABLE_FILE,
                    f"not a readable Parquet file: {error}") from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        # Parquet has no text lines: "line" is the row number plus one, as if a header came first.
        line = 2
        for batch in source.iter_batches(batch_size=CHUNK_ROWS):
            frame = batch.to_pandas()
            columns = [[_parquet_text(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]
            for fields in zip(*columns):
                yield line, list(fields)
                line += 1

    return _Table(header, 1, "Parquet", rows=rows(), close=source.close)


def _parquet_text(value: object) -> str:
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        missing = False
    return "" if missing else _cell_text(value)
