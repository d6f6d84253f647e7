"""UN Comtrade API JSON responses and bulk files, read as they come from the service.

Real responses (tests/fixtures/real/comtrade_api/, sources in SOURCE.md) are checked against
an independent plain-pandas reading of the same JSON; synthetic files cover the edge cases.
For JSON the "line" of a problem is the record number plus one (record 1 is line 2).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from badinput import assert_rows_accounted
from factories import PLUS_COLUMNS, plus_row

from dashboard.ingest import readers, sources
from dashboard.ingest.limits import ReadLimits
from dashboard.ingest.problems import Reason
from dashboard.ingest.sources_json import json_table

REAL = Path(__file__).parent / "fixtures" / "real" / "comtrade_api"
REAL_FILES = sorted(REAL.glob("*.json"))
FLOWS = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}
# Comtrade Plus fields the API sends as JSON numbers or booleans rather than strings.
_NUMBERS = {"refYear", "refMonth", "reporterCode", "partnerCode", "partner2Code", "motCode",
            "qtyUnitCode", "altQtyUnitCode", "aggrLevel", "legacyEstimationFlag"}
_FLOATS = {"qty", "altQty", "netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue"}


def api_record(**changes) -> dict:
    """One Comtrade Plus record as the API sends it: numbers as numbers, flags as booleans."""
    record: dict = {}
    for name, text in plus_row(**changes).items():
        if name in _NUMBERS and text.lstrip("-").isdigit():
            record[name] = int(text)
        elif name in _FLOATS:
            record[name] = float(text) if text else None
        elif text in ("True", "False"):
            record[name] = text == "True"
        else:
            record[name] = text
    return record


def response(records: list[dict], **top) -> dict:
    return {"elapsedTime": "0.12 secs", "count": len(records), "data": records, "error": "",
            **top}


def write_json(path: Path, document, compress: bool = False) -> Path:
    data = json.dumps(document, indent=1).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def plain_totals(records: list[dict]) -> pd.DataFrame:
    """The reference: total rows only (C00, mode 0, second partner 0), summed per reporter,
    flow and period with plain pandas; NaN where a group has no number at all."""
    raw = pd.json_normalize(records)
    total = raw[(raw["customsCode"] == "C00") & (raw["motCode"].astype(str) == "0")
                & (raw["partner2Code"].astype(str) == "0")].copy()
    total["flow"] = total["flowCode"].map(FLOWS)
    # Comtrade writes netWgt 0 where no quantity was reported (unit code -1, "N/A") beside a
    # positive value: that is "not reported", not zero kilograms.
    weight = total["netWgt"].astype(float)
    unreported = (weight == 0) & (total["qtyUnitCode"].astype(int) == -1) & (
        total["primaryValue"].astype(float) > 0)
    total["netWgt"] = weight.mask(unreported)
    month = total["refMonth"].astype(int)
    total["period"] = total["refYear"].astype(str).where(
        month == 52, total["refYear"].astype(str) + "-" + month.map("{:02d}".format))
    sums = total.groupby(["reporterISO", "flow", "period"]).agg(
        value=("primaryValue", lambda s: s.astype(float).sum(min_count=1)),
        weight=("netWgt", lambda s: s.astype(float).sum(min_count=1)))
    return sums.rename_axis(["reporter", "flow", "period"]).sort_index()


def frame_totals(frame: pd.DataFrame) -> pd.DataFrame:
    sums = frame.groupby(["reporter", "flow", "period"]).agg(
        value=("value_usd", lambda s: s.sum(min_count=1)),
        weight=("net_weight_kg", lambda s: s.sum(min_count=1)))
    return sums.sort_index()


# ---- real responses ------------------------------------------------------------------------


@pytest.mark.parametrize("path", REAL_FILES, ids=[p.name for p in REAL_FILES])
def test_real_response_reads_every_record_and_matches_plain_pandas(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    records = document["data"]
    result = readers.read_many([path])
    assert result.stats["rows_read"] == len(records) == document["count"]
    assert_rows_accounted(result)
    assert result.layouts == {str(path): "comtrade_plus"}
    # These responses hold only totals in known units: nothing is set aside. Should another
    # module start to refuse some of their rows, this names them instead of hiding them.
    assert [str(p) for p in result.problems] == []
    keys = dict.fromkeys(["reporter", "flow", "period"], object)
    expected = plain_totals(records).reset_index().astype(keys)
    got = frame_totals(result.frame).reset_index().astype(keys)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert sorted(result.frame["source_line"]) == list(range(2, len(records) + 2))


def test_real_response_gzipped_and_renamed_reads_the_same(tmp_path):
    source = REAL / "comtradr_final_C_A_HS_CHN_2010_total.json"
    packed = tmp_path / "download.bin"  # the name says nothing: the bytes decide
    packed.write_bytes(gzip.compress(source.read_bytes()))
    plain, zipped = readers.read_file(source), readers.read_file(packed)
    assert zipped.problems == []
    columns = [c for c in plain.frame.columns if c != "source_file"]
    assert zipped.frame[columns].equals(plain.frame[columns])


def test_real_response_cut_short_is_one_clear_problem_with_the_byte(tmp_path):
    source = (REAL / "comtradr_final_C_A_HS_CHN_2010_total.json").read_bytes()
    cut = len(source) // 2
    path = tmp_path / "cut.json"
    path.write_bytes(source[:cut])
    result = readers.read_file(path)
    [problem] = result.problems
    assert (problem.reason, problem.line) == (Reason.UNREADABLE_FILE, 0)
    assert f"the file ends at byte {cut:,}: truncated?" in problem.message
    assert result.stats["rows_read"] == 0 and len(result.frame) == 0


# ---- synthetic edge cases ------------------------------------------------------------------


def test_an_error_answer_quotes_the_services_message(tmp_path):
    message = "Invalid parameter: reporterCode must be a valid M49 code"
    path = write_json(tmp_path / "error.json", {"elapsedTime": "0.01 secs", "count": 0,
                                                "data": None, "error": message})
    [problem] = readers.read_file(path).problems
    assert (problem.reason, problem.line) == (Reason.UNREADABLE_FILE, 0)
    assert message in problem.message and "error" in problem.message


def test_a_gateway_error_without_data_is_quoted_too(tmp_path):
    path = write_json(tmp_path / "denied.json", {"statusCode": 401, "message": "Access denied"
                                                 " due to invalid subscription key."})
    [problem] = readers.read_file(path).problems
    assert problem.reason == Reason.UNREADABLE_FILE
    assert "Access denied due to invalid subscription key." in problem.message


@pytest.mark.parametrize("document, reason", [
    (response([]), Reason.EMPTY_FILE),
    ([], Reason.EMPTY_FILE),
    ({"results": [{"id": "156", "text": "China"}]}, Reason.UNREADABLE_FILE),
    ([1, 2, 3], Reason.UNREADABLE_FILE),
])
def test_responses_without_records_are_one_file_problem(tmp_path, document, reason):
    path = write_json(tmp_path / "empty.json", document)
    result = readers.read_file(path)
    assert [(p.reason, p.line) for p in result.problems] == [(reason, 0)]


def test_a_count_that_disagrees_is_reported_and_the_records_still_read(tmp_path):
    records = [api_record(partner=p) for p in ("156", "392")]
    path = write_json(tmp_path / "short.json", {**response(records), "count": 5})
    result = readers.read_file(path)
    [problem] = result.problems
    assert (problem.reason, problem.line, problem.column, problem.value) == (
        Reason.UNREADABLE_FILE, 0, "count", "5")
    assert "holds 2" in problem.message
    assert result.stats["rows_used"] == 2
    assert_rows_accounted(result)


def test_a_top_level_list_reads_like_the_response_object(tmp_path):
    records = [api_record(month=m, weight=str(m * 10)) for m in (1, 2, 3)]
    listed = readers.read_file(write_json(tmp_path / "a.json", records))
    wrapped = readers.read_file(write_json(tmp_path / "b.json", response(records)))
    columns = [c for c in listed.frame.columns if c != "source_file"]
    assert listed.problems == wrapped.problems == []
    assert listed.frame[columns].equals(wrapped.frame[columns])
    assert listed.frame["net_weight_kg"].tolist() == [10.0, 20.0, 30.0]


def test_cells_are_the_text_a_csv_would_hold(tmp_path):
    record = {"netWgt": 12.0, "qty": 1e-05, "primaryValue": 6804128143.0, "cifvalue": None,
              "reporterCode": 156, "isAggregate": False, "isReported": True, "fobvalue": 0.1,
              "altQty": -0.0, "nested": {"a": [1]}}
    path = write_json(tmp_path / "cells.json", response([record, {"extra": "x"}]))
    table = json_table(path, False, ReadLimits())
    try:
        header, rows = table.header, list(table.rows)
    finally:
        table.close()
    assert header == [*record, "extra"]  # the union of keys, in first-seen order
    assert rows[0] == (2, ["12", "0.00001", "6804128143", "", "156", "false", "true", "0.1",
                           "-0", '{"a":[1]}', ""])
    assert rows[1] == (3, [""] * len(record) + ["x"])


def test_nulls_and_booleans_reach_the_frame(tmp_path):
    records = [api_record(weight="", partner="156"), api_record(partner="392", estimated="True")]
    records[0]["netWgt"] = None
    result = readers.read_file(write_json(tmp_path / "n.json", response(records)))
    assert result.problems == []
    frame = result.frame.set_index("partner")
    assert pd.isna(frame.loc["CHN", "net_weight_kg"])
    assert frame["weight_estimated"].to_dict() == {"CHN": False, "JPN": True}


def test_problems_name_the_record_number_plus_one(tmp_path):
    records = [api_record(month=m) for m in (1, 2, 3, 4)]
    records[2]["flowCode"] = "Z"  # record 3 -> line 4
    result = readers.read_file(write_json(tmp_path / "bad.json", response(records)))
    assert [(p.line, p.column, p.reason) for p in result.problems] == [
        (4, "flowCode", Reason.UNKNOWN_FLOW)]
    assert sorted(result.frame["source_line"]) == [2, 3, 5]


def test_broken_json_names_the_byte_where_it_breaks(tmp_path):
    text = json.dumps(response([api_record(month=m) for m in (1, 2, 3)]))
    at = text.index('"refYear"', text.index('"refYear"') + 1) - 2  # the ", " before a key
    assert text[at] == ","
    path = tmp_path / "broken.json"
    path.write_text(text[:at] + ";" + text[at + 1:])
    [problem] = readers.read_file(path).problems
    assert problem.reason == Reason.UNREADABLE_FILE
    assert f"not valid JSON at byte {at:,}: Expecting ',' delimiter" in problem.message
    assert "truncated" not in problem.message


def test_tiny_read_chunks_give_the_same_result(tmp_path, monkeypatch):
    """Every value, key and number split across reads: the stream must not misread any."""
    records = [api_record(month=m, weight=f"{m}.25", value=str(10**m)) for m in range(1, 13)]
    path = write_json(tmp_path / "m.json", response(records), compress=True)
    whole = readers.read_file(path)
    monkeypatch.setattr(sources, "SCAN_BYTES", 7)
    small = readers.read_file(path)
    assert whole.problems == small.problems == []
    assert small.frame.equals(whole.frame)
    assert small.frame["value_usd"].tolist() == [float(10**m) for m in range(1, 13)]


def test_the_size_limit_counts_what_gzipped_json_unpacks_to(tmp_path):
    records = [api_record(month=1 + m % 12, year=2000 + m // 12) for m in range(400)]
    path = write_json(tmp_path / "big.json.gz", response(records), compress=True)
    assert path.stat().st_size < 100_000
    [problem] = readers.read_file(path, max_bytes=100_000).problems
    assert problem.reason == Reason.FILE_TOO_LARGE


def test_format_comes_from_the_bytes_not_the_name(tmp_path):
    records = [api_record()]
    as_csv = readers.read_file(write_json(tmp_path / "really_json.csv", response(records)))
    assert as_csv.problems == [] and as_csv.stats["rows_used"] == 1
    text = tmp_path / "really_csv.json"
    text.write_text(",".join(PLUS_COLUMNS) + "\n" + ",".join(plus_row()[c] for c in PLUS_COLUMNS))
    assert readers.read_file(text).stats["rows_used"] == 1


# ---- bulk files ----------------------------------------------------------------------------

# Bulk files carry codes only: no descriptions, no ISO codes, no unit abbreviations.
BULK_COLUMNS = [c for c in PLUS_COLUMNS
                if not c.endswith(("Desc", "ISO")) and c not in ("qtyUnitAbbr", "altQtyUnitAbbr")]


@pytest.mark.parametrize("name", ["COMTRADE-FINAL-CA156202300H6[2024-07-01].gz",
                                  "C_A_156_202300_H6_O.txt.gz"])
def test_a_bulk_file_is_read_whatever_its_name(tmp_path, name):
    rows = [plus_row(reporter="156", partner=p, flow=f, year=2023, month=52, weight=w,
                     value=v, customs=c)
            for p, f, w, v, c in [("392", "X", "1500.5", "90000", "C00"),
                                  ("410", "X", "200", "12000", "C00"),
                                  ("392", "X", "100", "5000", "C01"),  # breakdown row
                                  ("0", "X", "1700.5", "102000", "C00")]]
    folder = tmp_path / "bulk"
    folder.mkdir()
    body = "\t".join(BULK_COLUMNS) + "\n" + "".join(
        "\t".join(r[c] for c in BULK_COLUMNS) + "\n" for r in rows)
    (folder / name).write_bytes(gzip.compress(body.encode()))
    assert [p.name for p in readers.data_files([folder])] == [name]
    result = readers.read_many([folder])
    assert result.problems == []
    assert_rows_accounted(result)
    assert result.stats["breakdown_rows"] == 1
    plain = pd.read_csv(folder / name, sep="\t", compression="gzip", dtype=str)
    total = plain[plain["customsCode"] == "C00"]
    assert result.frame["value_usd"].sum() == total["primaryValue"].astype(float).sum()
    assert result.frame["net_weight_kg"].sum() == total["netWgt"].astype(float).sum()
    assert set(result.frame["reporter"]) == {"CHN"}
