"""Read customs files into the trade frame, reporting every row that cannot be used.

`read_file` tells the format from the bytes, not the name (delimited text, gzipped or not;
an Excel workbook; Parquet; a UN Comtrade API JSON response, gzipped or not), detects the
encoding and the delimiter, finds the layout from the header, and streams the rows in
chunks through `validate.build_frame`, so memory stays bounded by one chunk plus the rows
kept. Every field is read as text, so a bad value can be quoted back. Line numbers are
physical lines (the header is line 1; a record that spans lines is numbered by its first);
a spreadsheet's are its row numbers; Parquet's and JSON's are the row (record) number plus
one, as if a header came first.

Every input is bounded before it is expanded (`limits.ReadLimits`): the file's size, what
it unpacks or decodes to, rows, columns, the characters of one cell (and of one line of
text) are checked as the file is read, and the file is refused with one problem naming the
limit at the first one crossed. Problems past `max_problems` are counted, not stored. A read
whose `limits.cancel` is set stops at the next row or chunk (`limits.ReadCancelled`).

What the bytes are is decided in `sources`; delimited text is read in `sources_text`,
workbooks and Parquet in `sources_sheets`, JSON in `sources_json`; the rows of every format
are cut into chunks and validated here.
"""

from __future__ import annotations

import io
import operator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from dashboard.ingest import layouts, number_text, schema, sources, sources_text, validate
from dashboard.ingest.limits import DEFAULT_LIMITS, ReadLimits
from dashboard.ingest.problems import LayoutError, Problem, ProblemLog, Reason, shorten
from dashboard.ingest.sources import Table, fail, over_limit
from dashboard.ingest.sources_json import json_table
from dashboard.ingest.sources_sheets import parquet_table, workbook_table

# ".gz" and ".json" cover the Comtrade bulk files ("COMTRADE-FINAL-CA156202300H6[...].gz",
# "C_A_32_196201_S1.txt.gz": gzipped tab-separated text) and saved API responses; whatever
# the name says, the format is told from the bytes.
READABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".gz", ".json", ".parquet", ".xlsx")
# Not readable, but looked at so that a folder holding one reports it instead of hiding it.
REPORTED_SUFFIXES = (".xls", ".xlsb", ".ods", ".zip")
DEFAULT_MAX_BYTES = DEFAULT_LIMITS.max_file_bytes
CHUNK_ROWS = 50_000
CHUNK_CHARS = 32 << 20  # a chunk of text also ends here: rows may be long


@dataclass
class ReadResult:
    """The clean trade frame, the problems, and counts that account for every row."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    layouts: dict[str, str] = field(default_factory=dict)  # file -> layout name


def data_files(paths: list[Path]) -> list[Path]:
    """Expand folders into the data files they hold (sorted); files are kept as given.

    Excel's lock files ("~$book.xlsx", present while a workbook is open) and metadata
    sidecars ("x.meta.json", see dataset.sidecar_path) are left out.
    """
    found: list[Path] = []
    wanted = READABLE_SUFFIXES + REPORTED_SUFFIXES
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file()
                            and p.name.lower().endswith(wanted) and not p.name.startswith("~$")
                            and not p.name.lower().endswith(".meta.json"))
        else:
            found.append(path)
    return found


def read_many(paths: list[Path], *, max_bytes: int | None = None,
              limits: ReadLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read every file; duplicates across files are reported like duplicates within one."""
    limits = _with_max_bytes(limits, max_bytes)
    return merge_results([read_file(path, limits=limits) for path in data_files(paths)],
                         max_problems=limits.max_problems)


def _with_max_bytes(limits: ReadLimits, max_bytes: int | None) -> ReadLimits:
    """`max_bytes` (the older keyword) bounds both the file and what it unpacks to."""
    if max_bytes is None:
        return limits
    return replace(limits, max_file_bytes=max_bytes, max_text_bytes=max_bytes)


def merge_results(results: list[ReadResult],
                  max_problems: int = DEFAULT_LIMITS.max_problems) -> ReadResult:
    """One result for several files: frames joined, duplicate keys across files reported
    (the first max_problems one by one, the rest counted)."""
    frames = [r.frame for r in results if len(r.frame)]
    frame = schema.concat(frames)
    frame, found = validate.drop_duplicate_keys(frame)
    duplicates = ProblemLog("(all files)", max_problems)
    duplicates.extend(found)
    stats: dict[str, int] = {}
    for result in results:
        for key, count in result.stats.items():
            stats[key] = stats.get(key, 0) + count
    stats["rows_used"] = len(frame)
    stats["duplicate_rows"] = stats.get("duplicate_rows", 0) + duplicates.count
    return ReadResult(
        frame=schema.conform(frame),
        problems=[p for r in results for p in r.problems] + duplicates.listed(),
        stats=stats,
        layouts={k: v for r in results for k, v in r.layouts.items()},
    )


def read_file(path: Path, *, max_bytes: int | None = None, chunk_rows: int = CHUNK_ROWS,
              limits: ReadLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read one customs file; a file that cannot be read at all (or crosses a limit) becomes
    one problem. Raises limits.ReadCancelled when limits.cancel is set during the read."""
    path = Path(path)
    limits = _with_max_bytes(limits, max_bytes)
    table = None
    try:
        table = _open_table(path, limits)
        if len(table.header) > limits.max_columns:
            raise over_limit(path, f"its header has {len(table.header):,} columns",
                             limits.max_columns, "column", table.header_line)
        layout = _layout(path, table)
        return _read_rows(path, table, layout, chunk_rows, limits)
    except LayoutError as error:
        stats = {"rows_read": 0, "rows_used": 0, "breakdown_rows": 0, "rows_with_problems": 0,
                 "files_unreadable": 1}
        return ReadResult(schema.empty_frame(), [error.problem], stats)
    finally:
        if table is not None:
            table.close()


def _open_table(path: Path, limits: ReadLimits) -> Table:
    """The format from the bytes: Parquet, xlsx (a ZIP), JSON or delimited text, gzipped or not."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(sources.SNIFF_BYTES)
    except OSError as error:
        raise fail(path, Reason.UNREADABLE_FILE, f"cannot open the file: {error}") from error
    if size > limits.max_file_bytes:
        raise fail(path, Reason.FILE_TOO_LARGE, sources.too_large(size, limits.max_file_bytes))
    if head.startswith(b"PAR1"):
        return parquet_table(path, limits)
    if head.startswith(b"PK\x03\x04"):
        sources.check_zip_is_workbook(path, limits)
        return workbook_table(path)
    gzipped = sources.is_gzip(head)
    if gzipped:
        head = sources.gunzip_head(path)
    if sources.is_json(head):
        return json_table(path, gzipped, limits)
    return sources_text.text_table(path, head, gzipped, limits)


# ---- rows: header checks, field counts, chunks -------------------------------------------


def _layout(path: Path, table: Table) -> layouts.Layout:
    layout, missing = layouts.detect(table.header)
    if layout is not None:
        return layout
    shown = ", ".join(repr(shorten(c, 40)) for c in table.header[:12])
    more = f" and {len(table.header) - 12} more" if len(table.header) > 12 else ""
    detail = "; ".join(f"{candidate.description} lacks {', '.join(missing[candidate.name])}"
                       for candidate in layouts.closest_first(missing))
    where = f" in sheet {table.sheet!r}" if table.sheet else ""
    raise fail(path, Reason.UNKNOWN_LAYOUT, (
        f"the header{where} matches no known layout (read as {table.described}; column names"
        f" compared ignoring case, spaces and underscores). It has {shown}{more}."
        f" Accepted layouts: {detail}"), table.header_line)


def _read_rows(path: Path, table: Table, layout: layouts.Layout, chunk_rows: int,
               limits: ReadLimits) -> ReadResult:
    file = str(path)
    twins = layouts.duplicated(table.header, layout)
    problems = ProblemLog(file, limits.max_problems)
    problems.extend(list(table.notes) + _header_problems(file, table, layout, twins))
    positions = _positions(table.header)
    reads = [name for name in layout.reads if name in positions]
    pick = [positions[name][0] for name in reads]
    needed = sorted(set(pick).union(*twins.values()))
    totals = {"rows_read": 0, "breakdown_rows": 0, "rows_with_problems": 0, "rows_used": 0}
    rows = _Rows(file, table, problems, totals, limits)
    chunks = (rows.text_chunks if table.lines is not None else rows.cell_chunks)(needed, chunk_rows)
    frames = []
    # A file writes its numbers one way: once a chunk shows which, later chunks read their
    # ambiguous numbers ("1.500") that way too, however the file was cut into chunks.
    decimal_comma, settled = table.decimal_comma, False
    for lines, raw in chunks:
        rows.check_cells(raw, lines)
        lines, raw = rows.drop_twin_conflicts(twins, lines, raw)
        staging = layout.to_staging(raw[pick].set_axis(reads, axis=1))
        staging["line"] = lines
        if not settled:
            shown = number_text.decimal_evidence(pd.concat(
                [staging[field] for field in validate.NUMBER_FIELDS]))
            if shown is not None:
                decimal_comma, settled = shown, True
        frame, found, stats = validate.build_frame(staging, file, layout.source_names,
                                                   decimal_comma=decimal_comma)
        frames.append(frame)
        problems.extend(found)
        for key, count in stats.items():
            totals[key] += count
    if totals["rows_read"] == 0:
        problems.add(Problem(file, table.header_line, "", "", Reason.EMPTY_FILE,
                                f"the file has a header ({layout.description}) but no data rows"))
    frame = schema.concat(frames)
    name = f"{layout.name}, sheet {table.sheet!r}" if table.sheet else layout.name
    return ReadResult(schema.conform(frame), problems.listed(), totals, {file: name})


def _positions(header: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        found.setdefault(layouts.normalise_name(name), []).append(index)
    return found


def _header_problems(file: str, table: Table, layout: layouts.Layout,
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

    def __init__(self, file: str, table: Table, problems: ProblemLog, totals: dict,
                 limits: ReadLimits):
        self.file, self.table, self.problems, self.totals = file, table, problems, totals
        self.width, self.limits, self.seen = len(table.header), limits, 0

    def reject(self, line: int, value: str, reason: Reason, message: str, column: str = ""):
        self.problems.add(Problem(self.file, line, column, shorten(value, 120), reason,
                                  message))
        self.totals["rows_read"] += 1
        self.totals["rows_with_problems"] += 1

    def count(self, line: int) -> None:
        """One more row (good or bad): refused past max_rows; the read stops if cancelled."""
        self.seen += 1
        if self.seen > self.limits.max_rows:
            raise over_limit(Path(self.file), f"it has more than {self.limits.max_rows:,} rows",
                             self.limits.max_rows, "row", line)
        if not self.seen & 1023:
            self.limits.check_cancelled()

    def check_cells(self, raw: pd.DataFrame, lines: list[int]) -> None:
        """Refuse the file at a cell longer than max_cell_chars (only read columns count)."""
        most = self.limits.max_cell_chars
        for column in raw.columns:
            lengths = raw[column].str.len()
            if len(lengths) and lengths.max() > most:
                row = int(lengths.to_numpy().argmax())
                raise over_limit(Path(self.file), (
                    f"line {lines[row]:,} column {shorten(self.table.header[column], 40)!r}"
                    f" holds a value of {int(lengths.iloc[row]):,} characters"), most,
                    "character-per-cell", lines[row])

    def text_chunks(self, needed: list[int], chunk_rows: int):
        """Frame records line by line (exact line numbers), parse them with pandas' C parser."""
        width, delimiter = self.width, self.table.delimiter
        assert self.table.lines is not None, "text_chunks reads a delimited-text table"
        lines: list[int] = []
        texts: list[str] = []
        chars = 0
        for first, last, text, closed in sources_text.records(self.table.lines, delimiter,
                                                   self.table.header_line):
            body = text.rstrip("\r\n")
            if not body.strip(f" \t{delimiter}"):
                continue
            self.count(first)
            count = sources_text.field_count(body, delimiter, width)
            extra = count - width
            if extra > 0 and sources_text.fields(body, delimiter)[width:] == [""] * extra:
                body, count = body[: len(body) - (count - width)], width  # trailing delimiters
            if not closed or count != width:
                self.reject(first, body, Reason.BAD_ROW,
                            _field_count_problem(self.table, first, last, body, count, closed))
                continue
            lines.append(first)
            texts.append(body + "\n")
            chars += len(body)
            if len(texts) >= chunk_rows or chars >= CHUNK_CHARS:
                yield self.parse(lines, texts, needed)
                lines, texts, chars = [], [], 0
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
            fields = sources_text.fields(text.rstrip("\n"), delimiter)
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
        most = self.limits.max_cell_chars
        assert self.table.rows is not None, "cell_chunks reads a table of cell rows"
        for line, row in self.table.rows:
            if not any(row):
                continue
            self.count(line)
            if max(map(len, row)) > most:  # before the row is kept; only its length is read
                longest = max(range(len(row)), key=lambda i: len(row[i]))
                column = self.table.header[longest] if longest < self.width else ""
                raise over_limit(Path(self.file), (
                    f"row {line:,} column {shorten(column, 40)!r} holds a value of"
                    f" {len(row[longest]):,} characters"), most, "character-per-cell", line)
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


def _field_count_problem(table: Table, first: int, last: int, body: str, count: int,
                         closed: bool) -> str:
    if not closed:
        return (f"a quote opened on line {first} is never closed (read up to line {last}):"
                " a truncated file, or a value with an unmatched quote")
    width = len(table.header)
    message = f"the line has {count} fields but the header has {width}"
    others = [d for d in sources_text.DELIMITERS
              if d != table.delimiter and body.count(d) >= width - 1]
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
