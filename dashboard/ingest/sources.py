"""What a file's bytes are: the table shape every format is read into, magic numbers, gzip,
ZIP containers and the encoding of delimited text.

`readers.read_file` dispatches on these; the formats themselves are read in `sources_text`
(delimited text), `sources_sheets` (xlsx, Parquet) and `sources_json` (Comtrade API JSON).
Nothing here looks at a file's name.
"""

from __future__ import annotations

import codecs
import gzip
import itertools
import re
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.ingest.limits import ReadLimits
from dashboard.ingest.problems import LayoutError, Problem, Reason

SNIFF_BYTES = 1 << 20
SCAN_BYTES = 4 << 20


@dataclass
class Table:
    """One source's rows, whatever the format: a header, then text lines or cell rows."""

    header: list[str]
    header_line: int
    described: str  # how it was read, for messages: "UTF-8 text, delimiter ';'"
    lines: Iterator[str] | None = None  # delimited text after the header, line ends kept
    # spreadsheet / Parquet / JSON: (line, cells); for JSON the "line" is the record number + 1
    rows: Iterator[tuple[int, list[str]]] | None = None
    delimiter: str = ","
    decimal_comma: bool = False
    notes: list[Problem] = field(default_factory=list)  # about the source (unused sheets)
    sheet: str = ""
    close: Callable[[], None] = lambda: None


def fail(path: Path, reason: Reason, message: str, line: int = 0) -> LayoutError:
    """The whole file cannot be read: raise what this returns."""
    return LayoutError(Problem(str(path), line, "", "", reason, message))


def too_large(size: int, max_bytes: int, unpacked: bool = False) -> str:
    what = "unpacks to more than" if unpacked else f"is {_size(size)}, over"
    return (f"the file {what} the limit of {_size(max_bytes)}: split it (by year or"
            " reporter), or raise the limit")


def over_limit(path: Path, what: str, limit: int, unit: str, line: int = 0) -> LayoutError:
    """The file crosses one of the read limits: raise what this returns.

    "it has 7 rows, over the 5-row limit: ..." (unit singular, as in "the 5-row limit").
    """
    return fail(path, Reason.OVER_LIMIT, (
        f"{what}, over the {limit:,}-{unit} limit: the file is refused before it is read"
        " further; split it (by year or reporter), or ask the operator to raise the limit"),
        line)


def _size(count: int) -> str:
    return f"{count / 1e6:,.0f} MB" if count >= 1e6 else f"{count:,} bytes"


# ---- containers and magic numbers --------------------------------------------------------

MAGIC = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls), an encrypted workbook or another"
                          " old Office file: save it as .xlsx or CSV"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"), (b"Rar!", "a RAR archive: unpack it"),
    (b"SQLite format 3", "an SQLite database"), (b"BZh", "a bzip2 archive: unpack it first"),
    (b"\xfd7zXZ", "an xz archive: unpack it first"),
]


def is_gzip(head: bytes) -> bool:
    return head.startswith(b"\x1f\x8b")


def is_json(head: bytes) -> bool:
    """JSON text: the first byte that is not whitespace (after a UTF-8 BOM) opens an object or
    a list. No delimited customs file starts that way."""
    text = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    return text.lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def gunzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as error:
        raise fail(path, Reason.UNREADABLE_FILE,
                   f"the gzip file is damaged or truncated: {error}") from error


def check_zip_is_workbook(path: Path, limits: ReadLimits) -> None:
    """Return when the ZIP file is an xlsx workbook that unpacks to at most
    max_text_bytes; otherwise raise what it is instead."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise fail(path, Reason.UNREADABLE_FILE, f"a damaged ZIP file: {error}") from error
    names = {m.filename for m in members}
    # zipfile never unpacks a member past its stated size, so the stated sizes bound it.
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_text_bytes:
        raise fail(path, Reason.FILE_TOO_LARGE, too_large(unpacked, limits.max_text_bytes, True))
    if "xl/workbook.xml" in names:
        return
    what = ("an OpenDocument spreadsheet: save it as .xlsx or CSV" if "content.xml" in names
            else "a Word document" if "word/document.xml" in names
            else "a ZIP archive: unpack it and read the files inside")
    raise fail(path, Reason.UNREADABLE_FILE, f"the file is {what}, not a table of trade data")


def binary_kind(head: bytes) -> str | None:
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    sample = head[:65536]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, *range(14, 26), 27))
    if b"\x00" in sample or controls > len(sample) // 100:
        return "binary data, not delimited text"
    return None


def byte_chunks(path: Path, gzipped: bool, limits: ReadLimits) -> Generator[bytes]:
    """The file's bytes (unpacked, for gzip) in chunks; over max_text_bytes is a whole-file
    problem. Stops when the read is cancelled."""
    total, most = 0, limits.max_text_bytes
    try:
        with (gzip.open if gzipped else open)(path, "rb") as handle:
            while chunk := handle.read(SCAN_BYTES):
                limits.check_cancelled()
                total += len(chunk)
                if total > most:
                    raise fail(path, Reason.FILE_TOO_LARGE, too_large(total, most, True))
                yield chunk
    except (OSError, EOFError, zlib.error) as error:
        raise fail(path, Reason.UNREADABLE_FILE,
                   f"the gzip file is damaged or truncated: {error}") from error


# ---- encodings of delimited text ---------------------------------------------------------

FALLBACK = "dashboard-cp1252-fallback"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """In a UTF-8 file with a few Windows-1252 bytes pasted in, read those bytes as cp1252."""
    if not isinstance(error, UnicodeDecodeError):  # registered for decoding only
        raise error
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error(FALLBACK, _cp1252_fallback)


def utf16_encoding(head: bytes) -> tuple[str, str] | None:
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


def scan_encoding(path: Path, gzipped: bool, limits: ReadLimits) -> tuple[str, str]:
    """UTF-8, GBK (Chinese), UTF-8 with stray cp1252 bytes, else Windows-1252 / Latin-1.

    Streams the file (twice when it is not UTF-8); enforces max_text_bytes on what a gzip
    file unpacks to.
    """
    utf8 = codecs.getincrementaldecoder("utf-8")()
    if all(_decodes(utf8, chunk) for chunk in byte_chunks(path, gzipped, limits)) and (
            _decodes(utf8, b"", final=True)):
        return "utf-8-sig", "strict"
    gbk = codecs.getincrementaldecoder("gb18030")()
    gbk_ok, paired, single, multibyte, undefined, carry = True, 0, 0, False, False, b""
    for chunk in itertools.chain(byte_chunks(path, gzipped, limits), [b"\n"]):
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
        return "utf-8-sig", FALLBACK
    return ("latin-1" if undefined else "cp1252"), "strict"


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
