"""Bad input: every corpus file gets its exact problems, and every row is used or reported.

The corpus is in tests/badinput/corpus.py; the big-file tests generate their file here.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from badinput import assert_rows_accounted
from badinput.corpus import CASES, GOOD, TIDY, Case, write_all
from factories import PLUS_COLUMNS, plus_row

from dashboard import cli
from dashboard.ingest import readers
from dashboard.ingest.problems import MAX_VALUE_CHARS, Reason


def read_case(case: Case, tmp_path: Path) -> tuple[Path, readers.ReadResult]:
    path = tmp_path / case.filename
    case.make(path)
    limit = {"max_bytes": case.max_bytes} if case.max_bytes is not None else {}
    return path, readers.read_many([path], **limit)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file_gets_its_exact_problems(case, tmp_path):
    path, result = read_case(case, tmp_path)
    found = sorted((p.line, p.column, p.reason) for p in result.problems)
    assert found == sorted((e.line, e.column, e.reason) for e in case.problems), [
        str(p) for p in result.problems]
    unmatched = list(result.problems)
    for expect in case.problems:
        match = next((p for p in unmatched if (p.line, p.column, p.reason) == (
            expect.line, expect.column, expect.reason)
            and all(phrase in p.message for phrase in expect.phrases)), None)
        assert match is not None, (expect, [p.message for p in result.problems])
        unmatched.remove(match)
    for problem in result.problems:
        assert problem.file == str(path)
        assert problem.message and str(path) in str(problem)
        assert len(problem.value) <= MAX_VALUE_CHARS + 40
    assert result.stats["rows_used"] == case.rows_used
    for column, values in case.values.items():
        assert result.frame[column].tolist() == pytest.approx(values) if isinstance(
            values[0], float) else result.frame[column].tolist() == values
    assert_rows_accounted(result)


def test_the_corpus_covers_at_least_thirty_kinds():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len({c.filename for c in CASES}) == len(CASES)
    # Every reason is shown; those of the read limits in test_read_limits.py.
    limits = {Reason.OVER_LIMIT, Reason.PROBLEMS_NOT_LISTED}
    assert {e.reason for c in CASES for e in c.problems} | limits == set(Reason)


def test_the_whole_corpus_as_one_folder(tmp_path):
    """Read together, as `serve folder/` does: every file is read or reported, rows add up."""
    folder = tmp_path / "corpus"
    paths = write_all(folder)
    (folder / "~$book.xlsx").write_bytes(b"\x00lock")  # Excel's lock file: not data
    (folder / "notes.md").write_text("not a data file")
    result = readers.read_many([folder])
    named = {p.file for p in result.problems} | set(result.layouts)
    assert named == {str(p) for p in paths}
    assert result.stats["rows_read"] == (
        result.stats["rows_used"] + result.stats["breakdown_rows"]
        + result.stats["rows_with_problems"] + result.stats["duplicate_rows"])


def test_validate_names_file_line_column_and_reason(tmp_path, capsys):
    path = tmp_path / "semicolon.csv"
    path.write_text(TIDY.replace(",", ";") + "\nKOR;CHN;import;284690;2025-01;12 kg;1\n")
    assert cli.main(["validate", str(path)]) == cli.EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert f"{path}:2: column net_weight_kg value '12 kg': bad number: a number with" in out


def test_gzip_that_unpacks_over_the_limit_is_refused(tmp_path):
    import gzip

    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(gzip.compress((TIDY + "\n" + (GOOD + "\n") * 50_000).encode()))
    assert path.stat().st_size < 100_000
    [problem] = readers.read_file(path, max_bytes=1_000_000).problems
    assert (problem.reason, problem.line) == (Reason.FILE_TOO_LARGE, 0)
    assert "unpacks to more than the limit of 1 MB" in problem.message


def test_data_files_lists_unreadable_spreadsheets_so_they_are_reported(tmp_path):
    for name in ("a.csv", "b.xlsx", "c.xls", "d.ods", "~$b.xlsx", "e.json", "f.csv.gz",
                 "f.meta.json"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in readers.data_files([tmp_path])] == [
        "a.csv", "b.xlsx", "c.xls", "d.ods", "e.json", "f.csv.gz"]


def test_chunk_size_does_not_change_the_result(tmp_path):
    rows = [plus_row(month=m, weight=str(m)) for m in range(1, 13)]
    rows += [plus_row(month=m, customs="C01") for m in range(1, 5)]
    rows.insert(5, plus_row(month=3, weight="-1", partner="392"))
    path = tmp_path / "plus.csv"
    path.write_text(",".join(PLUS_COLUMNS) + "\n" + "\n".join(
        ",".join(r[c] for c in PLUS_COLUMNS) for r in rows) + "\n")
    whole = readers.read_file(path)
    small = readers.read_file(path, chunk_rows=3)
    assert whole.frame.equals(small.frame)
    assert whole.problems == small.problems and whole.stats == small.stats


# ---- a 200 MB file -----------------------------------------------------------------------

BIG_BYTES = 200_000_000
_PEAK = """
import json, resource, sys
from pathlib import Path
from dashboard.ingest import readers
result = readers.read_many([Path(sys.argv[1])])
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_mb": peak_mb, "problems": len(result.problems), **result.stats}))
"""


def write_big_plus_file(path: Path, size: int) -> int:
    """Stream a Comtrade Plus file of about `size` bytes: unique totals plus two breakdown
    rows each, as real downloads have. Returns the number of data rows."""
    reporters = ["36", "76", "124", "156", "251", "276", "344", "392", "410", "458", "484",
                 "490", "528", "608", "643", "699", "704", "710", "764", "842"]
    varying = {"reporterCode", "partnerCode", "refYear", "refMonth", "cmdCode", "netWgt",
               "customsCode", "motCode"}
    base = plus_row()
    template = ",".join(f"{{{c}}}" if c in varying else base[c] for c in PLUS_COLUMNS) + "\n"
    rows = written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(PLUS_COLUMNS) + "\n")
        for year, cmd in itertools.product(range(1990, 2026), ["280530", "284690", "850511"]):
            for reporter in reporters:
                text = "".join(
                    template.format(reporterCode=reporter, partnerCode=partner, refYear=year,
                                    refMonth=month, cmdCode=cmd, netWgt=month * 7.5,
                                    customsCode=customs, motCode=mot)
                    for partner, month, (customs, mot) in itertools.product(
                        [*reporters, "0"], range(1, 13), [("C00", 0), ("C01", 0), ("C00", 2100)]))
                handle.write(text)
                rows += 21 * 12 * 3
                written += len(text)
                if written >= size:
                    return rows
    return rows


def test_a_200_mb_file_is_read_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    try:
        rows = write_big_plus_file(path, BIG_BYTES)
        assert path.stat().st_size >= BIG_BYTES
        out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], check=True,
                             capture_output=True, text=True, timeout=300).stdout
    finally:
        path.unlink(missing_ok=True)  # pytest keeps recent tmp folders: not 200 MB of them
    stats = json.loads(out)
    assert stats["problems"] == 0 and stats["rows_read"] == rows
    assert stats["rows_used"] == rows // 3 and stats["breakdown_rows"] == rows // 3 * 2
    # The whole file as text would be 2 GB and more in pandas; chunks keep the reader's own
    # memory to the chunk plus the rows kept.
    assert stats["peak_mb"] < 800, stats  # 1.5 GB before reading in chunks


def test_a_200_mb_file_over_a_lower_limit_is_refused_without_reading(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:  # sparse is not enough: write real bytes, streaming
        block = (GOOD + "\n").encode() * 25_000
        handle.write((TIDY + "\n").encode())
        while handle.tell() < BIG_BYTES:
            handle.write(block)
    try:
        [problem] = readers.read_file(path, max_bytes=100_000_000).problems
    finally:
        path.unlink()
    assert (problem.file, problem.line, problem.reason) == (str(path), 0, Reason.FILE_TOO_LARGE)
    assert "MB, over the limit of 100 MB: split it" in problem.message
