"""`rare-earth-dashboard export`: the same files as the /export route, for batch use."""

from __future__ import annotations

import io
import struct

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard import chart_files, cli
from dashboard.ingest import dataset

QUERY = "commodity=280530&period=2024&perspective=reporter&measure=weight"
PAGE_URL = "http://localhost/"  # where the test client's app lives: the same view link


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    rows = [plus_row(reporter=reporter, year=year, month=month, weight=weight)
            for year in (2023, 2024) for month in range(1, 13)
            for reporter, weight in (("410", "1000"), ("392", "2500"))]
    write_rows(folder / "comtrade_plus.csv", PLUS_COLUMNS, rows)
    return folder


def split_csv(content: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    text = content.decode("utf-8-sig")
    header = dict(line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("# "))
    return header, pd.read_csv(io.StringIO(text), comment="#")


@pytest.mark.parametrize("chart", ["map", "data"])
def test_cli_csv_is_the_route_csv(data_folder, make_app, tmp_path, capsys, chart):
    out = tmp_path / f"{chart}.csv"
    assert cli.main(["export", "--chart", chart, "--format", "csv", "--query", QUERY,
                     "--page-url", PAGE_URL, "-o", str(out), str(data_folder)]) == 0
    assert "wrote" in capsys.readouterr().out
    client = make_app(dataset.load([data_folder])).server.test_client()
    response = client.get(f"/export/{chart}.csv?{QUERY}")
    assert response.status_code == 200
    cli_header, cli_rows = split_csv(out.read_bytes())
    route_header, route_rows = split_csv(response.data)
    pd.testing.assert_frame_equal(cli_rows, route_rows)
    assert len(cli_rows) > 0
    del cli_header["generated"], route_header["generated"]
    assert cli_header == route_header
    # Identical bytes apart from the "generated" time stamp.
    strip = [line for line in out.read_text(encoding="utf-8-sig").splitlines()
             if not line.startswith("# generated")]
    assert strip == [line for line in response.data.decode("utf-8-sig").splitlines()
                     if not line.startswith("# generated")]


def test_cli_bad_chart_fails_with_a_message(data_folder, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert cli.main(["export", "--chart", "nope", "--format", "csv", "-o", str(out),
                     str(data_folder)]) == 2
    assert "no chart named 'nope'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("query", "words"), [
    ("measure=litres", "measure='litres' is not one of weight, value, unit_value."),
    ("period=1999", "period '1999' is not a period the data covers."),
    ("floor=-3", "floor='-3' is outside 0..1e+07."),
    ("colour=red", "Unknown link parameter 'colour'."),
])
def test_cli_refuses_unusable_query_values_with_the_route_message(data_folder, make_app, tmp_path,
                                                                  capsys, query, words):
    """Never a silent default view in a file: exit 2, the route's own message, no file."""
    out = tmp_path / "map.csv"
    assert cli.main(["export", "--chart", "map", "--format", "csv", "--query", query,
                     "-o", str(out), str(data_folder)]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert not out.exists()
    client = make_app(dataset.load([data_folder])).server.test_client()
    response = client.get(f"/export/map.csv?{query}")
    assert response.status_code == 400
    assert f"export failed: {response.json['error']['detail']}" in err


@pytest.mark.skipif(chart_files.find_browser() is None, reason="no Chromium for image export")
def test_cli_png_is_a_valid_png_of_the_asked_size(data_folder, tmp_path, capsys):
    out = tmp_path / "map.png"
    assert cli.main(["export", "--chart", "map", "--format", "png", "--query",
                     f"{QUERY}&width=640&height=400&scale=2", "-o", str(out),
                     str(data_folder)]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1280, 800)
    assert "image/png" in capsys.readouterr().out
