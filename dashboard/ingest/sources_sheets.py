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
from dashboard.ingest.problems import Problem, Reason
from dashboard.ingest.sources import Table, fail

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
        title, (line, header), _ = sheets[0]
        names = ", ".join(repr(s[0]) for s in sheets)
        return Table(header, line, f"an Excel sheet; no sheet matches: {names}", sheet=title)
    title, (line, header), rows = chosen
    notes = [Problem(str(path), 0, "", other, Reason.UNUSED_SHEET,
                     f"sheet {other!r} is not read: only one sheet per workbook is, the first"
                     f" in a known layout ({title!r}; sheets: "
                     f"{', '.join(repr(s[0]) for s in sheets)}); put other tables in their own"
                     " files") for other, _, _ in sheets if other != title]
    return Table(header, line, "an Excel sheet", rows=rows, notes=notes, sheet=title,
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


def parquet_table(path: Path) -> Table:
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
        header = list(source.schema_arrow.names)
    except Exception as error:  # pyarrow raises several types for a broken file
        raise fail(path, Reason.UNREADABLE_FILE,
                   f"not a readable Parquet file: {error}") from error

    def rows() -> Iterator[tuple[int, list[str]]]:
        # Parquet has no text lines: "line" is the row number plus one, as if a header came first.
        line = 2
        for batch in source.iter_batches(batch_size=BATCH_ROWS):
            frame = batch.to_pandas()
            columns = [[_parquet_text(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]
            for fields in zip(*columns):
                yield line, list(fields)
                line += 1

    return Table(header, 1, "Parquet", rows=rows(), close=source.close)


def _parquet_text(value: object) -> str:
    try:
        missing = bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        missing = False
    return "" if missing else cell_text(value)
