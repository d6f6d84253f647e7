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
    assert "import 2024: 12 t" in out  # not 24 t: annual and monthly rows counted once


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


def test_validate_totals_per_code_and_checks_that_keep_exit_code_zero(plus_file, capsys):
    def tonnes(partner, t, cmd="280530", month=52):
        return plus_row(partner=partner, cmd=cmd, month=month, weight=str(int(t * 1000)),
                        value=str(int(t * 100)))
    rows = [tonnes("0", 140), tonnes("156", 50), tonnes("490", 20),  # 30 t not allocated
            tonnes("97", 40),  # EU with no member rows
            tonnes("156", 5, cmd="284690"), tonnes("156", 2, cmd="28469015"),
            tonnes("392", 15, cmd="850511"),
            *[tonnes("392", 1, cmd="850511", month=m) for m in range(1, 13)]]
    assert cli.main(["validate", str(plus_file(rows))]) == 0
    out = capsys.readouterr().out
    assert "all partners except World and groups (incl. Other Asia nes" in out
    assert "import 2024: 70 t, USD 7,000 (partners); World rows 140 t" in out  # CHN + 490
    assert "group rows without member rows (in no other figure) 40 t" in out
    lines = out.splitlines()
    # 850511: the annual row (15 t), never plus its months (12 x 1 t), which it disagrees with.
    for code, text in (("284690", "5 t"), ("28469015", "2 t"), ("850511", "15 t")):
        heading = next(i for i, line in enumerate(lines) if line.strip().startswith(code + " "))
        assert f"import 2024: {text}" in lines[heading + 1]  # never parent + national line
    assert "Checks (findings, not problems" in out and "do not change the exit code" in out
    # Partners: China 50 + Other Asia nes 20 + the EU row without members 40 (allocated).
    assert "KOR import 280530 2024: World 140 t, partners 110 t, gap 30 t (21.4%)" in out
    assert "1 disagree beyond rounding with all 12 months present" in out
    assert "annual 15 t, USD 1,500; 12 months 12 t, USD 1,200; difference 3 t (20.0%)" in out
    assert "KOR import from EUU 280530 2024: 40 t, USD 4,000" in out


def _replay_china_2010():
    from pathlib import Path

    from fetch_server import Replay, Reply

    body = (Path(__file__).parent / "fixtures" / "real" / "comtrade_api"
            / "comtradr_final_C_A_HS_CHN_2010_total.json").read_bytes()
    return Replay({"156": [Reply(200, body)]}, lambda path, query: query.get("reporterCode"))


def test_fetch_comtrade_writes_a_folder_validate_accepts(tmp_path, capsys, monkeypatch):
    from fetch_server import ReplayServer

    monkeypatch.setenv("TEST_COMTRADE_KEY", "k")
    replay = _replay_china_2010()
    with ReplayServer(replay) as base_url:
        code = cli.main(["fetch", "comtrade", "--key-env", "TEST_COMTRADE_KEY", "--years",
                         "2010", "--commodities", "TOTAL", "--reporters", "CHN", "--out",
                         str(tmp_path), "--base-url", base_url])
    out = capsys.readouterr().out
    assert code == 0
    assert "fetched 1 piece(s), 4 records, 1 file(s)" in out and "CHN: 2010" in out
    assert replay.requests[0]["headers"]["Ocp-Apim-Subscription-Key"] == "k"
    assert cli.main(["validate", str(tmp_path)]) == 0
    assert "rows used: 4" in capsys.readouterr().out


def test_fetch_comtrade_bad_key_is_a_message_not_a_traceback(tmp_path, capsys, monkeypatch):
    from fetch_server import Replay, ReplayServer, Reply

    monkeypatch.setenv("TEST_COMTRADE_KEY", "wrong")
    replay = Replay({"156": [Reply(401, b'{"statusCode": 401, "message": "Access denied"}')]},
                    lambda path, query: query.get("reporterCode"))
    with ReplayServer(replay) as base_url:
        code = cli.main(["fetch", "comtrade", "--key-env", "TEST_COMTRADE_KEY", "--years",
                         "2010", "--reporters", "CHN", "--out", str(tmp_path), "--base-url",
                         base_url])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FETCH_STOPPED
    assert "fetch stopped: bad or missing key: HTTP 401" in err and "Access denied" in err
    assert "Traceback" not in err and "wrong" not in err


def test_fetch_comtrade_rejects_bad_arguments_with_a_message(tmp_path, capsys):
    assert cli.main(["fetch", "comtrade", "--years", "2025-2019", "--out",
                     str(tmp_path)]) == cli.EXIT_FETCH_STOPPED
    assert "runs backwards" in capsys.readouterr().err
    assert cli.main(["fetch", "comtrade", "--reporters", "CHN,XXQ", "--out",
                     str(tmp_path)]) == cli.EXIT_FETCH_STOPPED
    assert "unknown country code 'XXQ'" in capsys.readouterr().err
