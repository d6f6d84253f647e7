"""Excel workbooks (.xlsx) and Parquet files as tables of text cells.

A cell becomes the text a CSV would hold (`cell_text`), so every format reaches
`validate.build_frame` the same way. A spreadsheet's "line" is its row number; a Parquet
file's is the row number plus one, as if a header came first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from dashboard.ingest import layouts
from dashboard.ingest.limits import ReadCancelled, ReadLimits
from dashboard.ingest.problems import LayoutError, Problem, Reason, shorten
from dashboard.ingest.sources import Table, fail, over_limit

BATCH_ROWS = 50_000


def workbook_table(path: Path) -> Table:
    """The first sheet whose header is a known layout; the other non-empty sheets reported."""
    import openpyxl  # only when a workbook is read

    handle = path.open("rb")  # a handle, not the name: openpyxl refuses "book.csv"
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        handle.close()
        raise fail(path, Reason.UNREADABLE_FILE,
                   f"not a readable Excel workbook: {error}") from error

    def close() -> None:
        book.close()
        handle.close()

    sheets = []
    for sheet in book.worksheets:
        sheet.reset_dimensions()  # a stored size that is too small would cut rows and columns
        rows = ((n, [cell_text(v) for v in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        header = next(((n, cells) for n, cells in rows if any(cells)), None)
        if header is not None:
            sheets.append((sheet.title, header, rows))
    chosen = next((s for s in sheets if layouts.detect(s[1][1])[0] is not None), None)
    if chosen is None:
        close()
        if not sheets:
            raise fail(path, Reason.EMPTY_FILE, "the workbook has no data in any sheet")
        title, (line, names_row), _ = sheets[0]
        names = ", ".join(repr(s[0]) for s in sheets)
        return Table(names_row, line, f"an Excel sheet; no sheet matches: {names}",
                     sheet=title)
    title, (line, names_row), rows = chosen
    notes = [Problem(str(path), 0, "", other, Reason.UNUSED_SHEET,
                     f"sheet {other!r} is not read: only one sheet per workbook is, the first"
                     f" in a known layout ({title!r}; sheets: "
                     f"{', '.join(repr(s[0]) for s in sheets)}); put other tables in their own"
                     " files") for other, _, _ in sheets if other != title]
    return Table(names_row, line, "an Excel sheet", rows=rows, notes=notes, sheet=title,
                 close=close)


def cell_text(value: object) -> str:
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


def parquet_table(path: Path, limits: ReadLimits) -> Table:
    """A Parquet file as a table, refused from its metadata (rows, columns, unpacked size)
    or, batch by batch, from its dictionaries before any value is expanded to text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        header = list(source.schema_arrow.names)
        texts = [name for name, kind in zip(header, source.schema_arrow.types)
                 if _is_text(kind.value_type if pa.types.is_dictionary(kind) else kind)]
        _check_parquet_metadata(path, source.metadata, limits)
        with pq.ParquetFile(path, read_dictionary=texts) as encoded:
            _check_parquet_text(path, encoded, texts, limits)
    except (LayoutError, ReadCancelled):
        raise
    except Exception as error:  # pyarrow raises several types for a broken file
        raise fail(path, Reason.UNREADABLE_FILE,
                   f"not a readable Parquet file: {error}") from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        # Parquet has no text lines: "line" is the row number plus one, as if a header came first.
        line = 2
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            limits.check_cancelled()
            frame = batch.to_pandas()
            columns = [[_parquet_text(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]
            for fields in zip(*columns):
                yield line, list(fields)
                line += 1

    return Table(header, 1, "Parquet", rows=rows(), close=source.close)


def _check_parquet_metadata(path: Path, metadata, limits: ReadLimits) -> None:
    """Rows, columns and unpacked bytes as the footer states them, before reading any."""
    if metadata.num_rows > limits.max_rows:
        raise over_limit(path, f"it has {metadata.num_rows:,} rows", limits.max_rows, "row")
    if metadata.num_columns > limits.max_columns:
        raise over_limit(path, f"it has {metadata.num_columns:,} columns", limits.max_columns,
                         "column")
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > limits.max_text_bytes:
        raise over_limit(path, f"it unpacks to {unpacked:,} bytes", limits.max_text_bytes,
                         "byte")


def _check_parquet_text(path: Path, source, texts: list[str], limits: ReadLimits) -> None:
    """A first pass over the text columns, kept dictionary-encoded (one 10,000-character
    value x 100,000 rows is a few kilobytes on disk and stays so): refused at a cell over
    max_cell_chars or in all over max_text_bytes, before any value is expanded."""
    expanded, line = 0, 2
    for batch in source.iter_batches(batch_size=BATCH_ROWS, columns=texts) if texts else ():
        limits.check_cancelled()
        expanded += _batch_text_chars(path, batch, line, limits)
        if expanded > limits.max_text_bytes:
            raise over_limit(path, f"its text columns expand to more than"
                             f" {limits.max_text_bytes:,} characters by row"
                             f" {line + batch.num_rows - 1:,}", limits.max_text_bytes,
                             "character")
        line += batch.num_rows


def _batch_text_chars(path: Path, batch, line: int, limits: ReadLimits) -> int:
    """Characters the batch's text columns expand to; a cell over max_cell_chars is refused.

    Measured on the dictionary (each distinct value once) and its indices, never by
    expanding the values.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for name, column in zip(batch.schema.names, batch.columns):
        if pa.types.is_dictionary(column.type):
            lengths = pc.utf8_length(column.dictionary)
            if len(column.dictionary) and pc.max(lengths).as_py() > limits.max_cell_chars:
                raise _cell_too_long(path, name, pc.max(lengths).as_py(), line, limits)
            total += pc.sum(pc.take(lengths, column.indices)).as_py() or 0
        elif _is_text(column.type):
            lengths = pc.utf8_length(column)
            longest = pc.max(lengths).as_py() or 0
            if longest > limits.max_cell_chars:
                raise _cell_too_long(path, name, longest, line, limits)
            total += pc.sum(lengths).as_py() or 0
    return total


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _cell_too_long(path: Path, column: str, chars: int, line: int,
                   limits: ReadLimits) -> LayoutError:
    return over_limit(path, f"column {shorten(column, 40)!r} holds a value of {chars:,}"
                      f" characters (in the {BATCH_ROWS:,} rows from row {line:,})",
                      limits.max_cell_chars, "character-per-cell")


def _parquet_text(value: object) -> str:
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        missing = False
    return "" if missing else cell_text(value)
