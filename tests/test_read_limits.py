"""Every input is bounded before it is expanded: rows, columns, cell and line length, text
size and problems, for CSV, gzip, Parquet, xlsx and JSON (issue 14, bullet 1).

The hostile files are built here, streaming (tests/hostile_files.py); the three that once
cost gigabytes are read in a subprocess whose peak RSS is asserted. Before these limits:
tiny Parquet 3.3 GB, 300 MB gzip line 3.0 GB, 1.9M bad rows 0.7 GB and 1.9M stored problems
(benchmarks/hostile_reads.py prints the figures).
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from factories import plus_row
from hostile_files import GOOD_ROW, TIDY_NAMED, gzip_bad_rows, gzip_one_long_line, tiny_parquet

from dashboard.ingest import readers
from dashboard.ingest.limits import UPLOAD_LIMITS, ReadCancelled, ReadLimits
from dashboard.ingest.problems import Problem, ProblemLog, Reason, total_problems

ROOT = Path(__file__).resolve().parents[1]
GOOD = ",".join(GOOD_ROW)

# Peak memory from VmHWM, the high-water mark of this process's own address space:
# getrusage's ru_maxrss survives exec, so under a 700 MB pytest it read 700 MB for any child.
READ_IN_CHILD = """
import json, sys
from pathlib import Path
from dashboard.ingest import readers
from dashboard.ingest.limits import UPLOAD_LIMITS
result = readers.read_file(Path(sys.argv[1]), limits=UPLOAD_LIMITS)
hwm_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
              if line.startswith("VmHWM:"))
print(json.dumps({"peak_mb": hwm_kb / 1024,
                  "stats": result.stats, "problems": [
                      [p.line, p.reason.value, p.value, p.message] for p in result.problems]}))
"""
# A Python with pandas and pyarrow loaded is ~130 MB; each file below once took 0.7-3.3 GB.
PEAK_MB = 400


def read_in_child(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", READ_IN_CHILD, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def only_problem(result: dict) -> list:
    [problem] = result["problems"]
    return problem


def test_a_tiny_parquet_of_one_huge_dictionary_value_is_refused_unexpanded(tmp_path):
    path = tiny_parquet(tmp_path / "tiny.parquet", value_chars=10_000, rows=100_000)
    assert path.stat().st_size < 10_000
    result = read_in_child(path)
    line, reason, _, message = only_problem(result)
    assert reason == Reason.OVER_LIMIT.value and line == 0
    assert "column 'commodity_name' holds a value of 10,000 characters" in message
    assert "over the 4,000-character-per-cell limit" in message
    assert result["stats"]["rows_read"] == 0
    assert result["peak_mb"] < PEAK_MB, result["peak_mb"]


def test_a_gzip_of_one_300_mb_line_is_refused_after_a_megabyte(tmp_path):
    path = gzip_one_long_line(tmp_path / "bomb.csv.gz", line_bytes=300_000_000)
    assert path.stat().st_size < 400_000
    result = read_in_child(path)
    line, reason, _, message = only_problem(result)
    assert (line, reason) == (2, Reason.OVER_LIMIT.value)
    assert "line 2 is longer than 1,000,000 characters" in message
    assert result["peak_mb"] < PEAK_MB, result["peak_mb"]


def test_problems_past_the_limit_are_counted_not_stored(tmp_path):
    path = gzip_bad_rows(tmp_path / "bad.csv.gz", rows=1_900_000)
    result = read_in_child(path)
    assert result["stats"]["rows_read"] == result["stats"]["rows_with_problems"] == 1_900_000
    problems = result["problems"]
    assert len(problems) == UPLOAD_LIMITS.max_problems + 1
    assert [p[0] for p in problems[:-1]] == list(range(2, UPLOAD_LIMITS.max_problems + 2))
    line, reason, value, message = problems[-1]
    assert (line, reason, value) == (0, Reason.PROBLEMS_NOT_LISTED.value, "1899000")
    assert "1,899,000 more problems are not listed (only the first 1,000 are)" in message
    assert "1,899,000 bad row" in message
    assert result["peak_mb"] < PEAK_MB, result["peak_mb"]


def test_the_problem_log_keeps_the_first_and_counts_the_rest_by_reason():
    log = ProblemLog("f.csv", keep=2)
    reasons = [Reason.BAD_ROW, Reason.BAD_NUMBER, Reason.BAD_ROW, Reason.BAD_NUMBER,
               Reason.BAD_NUMBER]
    log.add(Problem("f.csv", 5, "", "", reasons[0], "m"))
    log.extend([Problem("f.csv", line, "", "", reason, "m")
                for line, reason in zip(range(2, 6), reasons[1:])])
    listed = log.listed()
    assert [(p.line, p.reason) for p in listed[:2]] == [(2, Reason.BAD_NUMBER),
                                                       (5, Reason.BAD_ROW)]
    assert log.count == 5 and listed[2].value == "3"
    assert "2 bad number, 1 bad row" in listed[2].message


def refused(result: readers.ReadResult) -> Problem:
    [problem] = result.problems
    assert problem.reason == Reason.OVER_LIMIT and result.frame.empty
    return problem


def csv_file(path: Path, *rows: str, header: str = TIDY_NAMED) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_csv_rows_columns_and_cells_are_bounded(tmp_path):
    small = ReadLimits(max_rows=3, max_columns=8, max_cell_chars=20)
    ok = readers.read_file(csv_file(tmp_path / "ok.csv", GOOD, GOOD.replace("01", "02")),
                           limits=small)
    assert ok.stats["rows_used"] == 2 and not ok.problems
    many = csv_file(tmp_path / "many.csv", *(GOOD.replace("01", f"{m:02d}") for m in (1, 2, 3, 4)))
    problem = refused(readers.read_file(many, limits=small))
    assert problem.line == 5 and "over the 3-row limit" in problem.message
    wide = csv_file(tmp_path / "wide.csv", GOOD + ",x", header=TIDY_NAMED + ",extra")
    assert "its header has 9 columns, over the 8-column limit" in refused(
        readers.read_file(wide, limits=small)).message
    long = csv_file(tmp_path / "long.csv", GOOD, GOOD.replace("oxide", "y" * 21))
    problem = refused(readers.read_file(long, limits=small))
    assert problem.line == 3
    assert "line 3 column 'commodity_name' holds a value of 21 characters" in problem.message


def test_what_a_gzip_unpacks_to_is_bounded(tmp_path):
    path = tmp_path / "f.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join([TIDY_NAMED] + [GOOD] * 2000) + "\n")
    [problem] = readers.read_file(path, limits=ReadLimits(max_text_bytes=50_000)).problems
    assert problem.reason == Reason.FILE_TOO_LARGE
    assert "unpacks to more than the limit of 50,000 bytes" in problem.message


def test_parquet_rows_and_columns_are_refused_from_the_metadata(tmp_path):
    path = tiny_parquet(tmp_path / "p.parquet", value_chars=5, rows=1000)
    assert "it has 1,000 rows, over the 999-row limit" in refused(
        readers.read_file(path, limits=ReadLimits(max_rows=999))).message
    assert "it has 8 columns, over the 7-column limit" in refused(
        readers.read_file(path, limits=ReadLimits(max_columns=7))).message
    expands = refused(readers.read_file(path, limits=ReadLimits(max_text_bytes=20_000)))
    assert "text columns expand to more than 20,000 characters" in expands.message
    # 1,000 rows x (3+3+6+6+7+4+5+5 characters) = 39,000: within 40,000 it is read.
    assert readers.read_file(path, limits=ReadLimits(max_text_bytes=40_000)).stats[
        "rows_used"] == 1000


def comtrade_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps({"count": len(records), "data": records}), encoding="utf-8")
    return path


def record(month: int = 1, cmd_desc: str = "Rare-earth metals", **extra) -> dict:
    return {**plus_row(month=month, cmd_desc=cmd_desc), **extra}


def test_json_records_keys_and_cells_are_bounded(tmp_path):
    path = comtrade_json(tmp_path / "r.json", [record(m) for m in (1, 2, 3)])
    assert "more than 2 records, over the 2-row limit" in refused(
        readers.read_file(path, limits=ReadLimits(max_rows=2))).message
    keys = comtrade_json(tmp_path / "k.json", [record(1, **{f"k{i}": i for i in range(20)})])
    assert "more than 10 distinct field names, over the 10-column limit" in refused(
        readers.read_file(keys, limits=ReadLimits(max_columns=10))).message
    long = comtrade_json(tmp_path / "l.json", [record(1), record(2, cmd_desc="z" * 50)])
    problem = refused(readers.read_file(long, limits=ReadLimits(max_cell_chars=49)))
    assert problem.line == 3 and "holds a value of 50 characters" in problem.message


def test_xlsx_unpacked_size_and_cells_are_bounded(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    for row in (TIDY_NAMED.split(","), GOOD_ROW, [*GOOD_ROW[:-1], "w" * 30]):
        book.active.append(row)
    path = tmp_path / "b.xlsx"
    book.save(path)
    [problem] = readers.read_file(path, limits=ReadLimits(max_text_bytes=2_000)).problems
    assert problem.reason == Reason.FILE_TOO_LARGE and "unpacks to more than" in problem.message
    problem = refused(readers.read_file(path, limits=ReadLimits(max_cell_chars=29)))
    assert problem.line == 3 and "holds a value of 30 characters" in problem.message


class StopsAtCheck(threading.Event):
    """An event that reads as set from its `stop_at`-th look on, counting the looks."""

    def __init__(self, stop_at: int):
        super().__init__()
        self.looks, self.stop_at = 0, stop_at

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks >= self.stop_at


@pytest.mark.parametrize("make", [
    lambda d: gzip_bad_rows(d / "bad.csv.gz", rows=200_000),
    lambda d: tiny_parquet(d / "t.parquet", value_chars=5, rows=200_000),
    lambda d: comtrade_json(d / "j.json", [record(1 + i % 12) for i in range(5_000)]),
], ids=["gzip", "parquet", "json"])
def test_a_cancelled_read_stops_at_its_next_check(tmp_path, make):
    path = make(tmp_path)
    cancel = StopsAtCheck(stop_at=3)
    with pytest.raises(ReadCancelled):
        readers.read_file(path, limits=replace(UPLOAD_LIMITS, cancel=cancel))
    assert cancel.looks == 3  # not one look more: the read ended there


def test_the_total_counts_the_problems_only_counted():
    log = ProblemLog("f.csv", keep=1)
    log.extend([Problem("f.csv", line, "", "", Reason.BAD_ROW, "m") for line in range(2, 9)])
    assert len(log.listed()) == 2 and total_problems(log.listed()) == 7
