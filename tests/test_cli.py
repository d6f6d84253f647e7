"""The CLI, run through its entry point as a user would."""

from __future__ import annotations

import csv

from factories import plus_row

from dashboard import cli


def test_validate_clean_file_exits_zero_and_counts_once(plus_file, capsys):
    months = [plus_row(month=m, weight="1000") for m in range(1, 13)]
    path = plus_file([*months, plus_row(month=52, weight="12000"),
                      plus_row(month=1, weight="400", customs="C01"),
                      plus_row(month=1, partner="0", weight="1000")])
    assert cli.main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "comtrade_plus" in out
    assert "breakdown rows set aside" in out and ": 1" in out
    assert "import 2024: 12.0 t" in out  # not 24 t: annual and monthly rows counted once


def test_validate_broken_file_names_line_column_reason(plus_file, tmp_path, capsys):
    path = plus_file([plus_row(), plus_row(month=2, weight="12,5x")])
    rejects = tmp_path / "rejects.csv"
    assert cli.main(["validate", str(path), "--rejects", str(rejects)]) == cli.EXIT_PROBLEMS
    out = capsys.readouterr().out
    assert f"{path}:3: column netWgt value '12,5x': bad number" in out
    with rejects.open() as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["line"], row["column"], row["reason"]) == ("3", "netWgt", "bad number")


def test_serve_refuses_data_with_problems(plus_file, capsys):
    path = plus_file([plus_row(weight="-1")])
    assert cli.main(["serve", str(path)]) == cli.EXIT_PROBLEMS
    assert "--keep-valid-rows" in capsys.readouterr().err
