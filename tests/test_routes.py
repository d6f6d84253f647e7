"""The plain HTTP routes (export, embed, health) through Flask's test client.

One error shape for every route error, caching headers, security headers, exports that
match the page's builders, and uploaded text that stays text in CSV and HTML.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import statistics
import struct
import time
from urllib.parse import urlencode

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard import chart_files
from dashboard.ingest import dataset
from dashboard.settings import Settings
from dashboard.web import charts, exports, routes
from dashboard.web.app import create_app
from dashboard.web.context import Bundle
from dashboard.web.ids import Chart
from dashboard.web.uploads import UploadRefused, UploadStore
from dashboard.web.view_state import from_query

MAP_QUERY = {"commodity": "280530", "period": "2024", "perspective": "reporter"}
needs_chromium = pytest.mark.skipif(
    chart_files.find_browser() is None,
    reason="no Chromium: install Debian's chromium (/usr/bin/chromium) or set BROWSER_PATH")


def trade_rows() -> list[dict]:
    """Korea and Japan import rare-earth metals from China, monthly, 2023 and 2024."""
    rows = []
    for year in (2023, 2024):
        for month in range(1, 13):
            rows.append(plus_row(reporter="410", year=year, month=month, weight="1000"))
            rows.append(plus_row(reporter="392", year=year, month=month, weight="2500"))
    return rows


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_rows(folder / "comtrade_plus.csv", PLUS_COLUMNS, trade_rows())
    return dataset.load([folder])


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def client(small_data, settings):
    return create_app(settings, small_data).server.test_client()


def check_error_shape(response, status: int) -> dict:
    """Every route error: the status, JSON, exactly {"error": {status, title, detail}}."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    body = json.loads(text)
    assert list(body) == ["error"]
    assert set(body["error"]) == {"status", "title", "detail"}
    assert body["error"]["status"] == status
    assert body["error"]["title"] and body["error"]["detail"]
    return body["error"]


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/export/nope.csv", 404, "no chart named 'nope'"),
    ("/export/map.xls", 400, "format 'xls'"),
    ("/export/map.png?width=abc", 400, "width='abc' is not a number"),
    ("/export/map.png?width=10", 400, "width must be between"),
    ("/export/map.png?height=99999", 400, "height must be between"),
    ("/export/map.png?scale=9", 400, "scale must be between"),
    ("/export/data.png", 400, "CSV only"),
    ("/embed-assets/nope.js", 404, "no embed asset"),
])
def test_every_route_error_has_one_shape(client, url, status, words):
    error = check_error_shape(client.get(url), status)
    assert words in error["detail"]


@pytest.mark.parametrize(("url", "words"), [
    ("/export/map.csv?measure=litres", "measure='litres' is not one of weight, value"),
    ("/export/map.png?width=640&commodity=nope", "commodity 'nope' is not in the loaded data"),
    ("/export/gauges.svg?focus=XXX", "focus 'XXX' is not an ISO3 country code"),
    ("/export/series.html?peers=KOR,ZZZ", "peers 'ZZZ' are not ISO3 country codes"),
    ("/export/data.csv?period=1999", "period '1999' is not a period the data covers"),
    ("/export/surges.csv?floor=abc", "floor='abc' is not a number"),
    ("/export/sankey.csv?top=1e309", "top='1e309' is outside 2..30"),
    ("/export/map.csv?colour=red", "Unknown link parameter 'colour'."),
    ("/export/map.csv?period=2024&baseline=2024", "The baseline equals the period"),
    (f"/export/map.csv?peers={'KOR,' * 600}", "query string is too long"),
])
def test_exports_refuse_bad_view_parameters_naming_them(client, url, words):
    """Bullet 8: a file is never a silent default view; the 400 names the parameter."""
    error = check_error_shape(client.get(url), 400)
    assert error["detail"].startswith("Bad parameter: ") and words in error["detail"]
    assert "instead" not in error["detail"] and "default view is shown" not in error["detail"]


def test_the_same_bad_parameter_in_an_embed_is_a_notice_in_the_frame(client):
    """Embeds keep their behaviour by design: the chart, with a small notice inside."""
    page = client.get("/embed/map?measure=litres")
    assert page.status_code == 200
    assert "<p class='notice'>measure=&#x27;litres&#x27;" in page.get_data(as_text=True)


def test_csv_filters_name_the_baseline_only_for_the_chart_that_compares(client):
    query = urlencode(MAP_QUERY | {"baseline": "2023", "focus": "KOR"})
    for chart in ("map", "surges", "surge-series", "gauges", "ranking", "sankey", "series",
                  "mirror", "data"):
        header, _ = read_csv(client.get(f"/export/{chart}.csv?{query}").data)
        compares = "against 2023" in header["filters"]
        assert compares == (chart == "map"), (chart, header["filters"])
    header, _ = read_csv(client.get(f"/export/data.csv?{query}").data)
    assert header["filters"].endswith("; every period")


def test_a_wrong_method_has_the_same_shape(client):
    check_error_shape(client.post("/export/map.csv"), 405)


def test_an_image_that_cannot_be_drawn_is_a_503(client, monkeypatch):
    def no_chromium(*args, **kwargs):
        raise chart_files.ImageExportUnavailable("No Chromium found for image export")

    monkeypatch.setattr(chart_files, "to_image", no_chromium)
    error = check_error_shape(client.get("/export/map.png?width=640&period=2023"), 503)
    assert "No Chromium" in error["detail"]


def test_an_unexpected_failure_is_logged_not_shown(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(charts, "render", broken)
    response = client.get("/export/map.csv?period=2023")
    error = check_error_shape(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert "logged" in error["detail"]


def test_unknown_embed_name_with_markup_is_inert_json(client):
    response = client.get("/embed/%3Cimg%20src=x%20onerror=alert(1)%3E")
    error = check_error_shape(response, 404)
    assert "<img" not in response.get_data(as_text=True)
    assert error["detail"].startswith("no chart named '<img src=x onerror=alert(1)>'")


def test_unknown_embed_chart_is_a_404_in_the_one_error_shape(client):
    error = check_error_shape(client.get("/embed/nope"), 404)
    assert error["detail"] == ("no chart named 'nope'; charts: "
                               + ", ".join(chart.value for chart in Chart))


def test_embed_with_broken_parameters_shows_a_notice_and_the_default_chart(client):
    response = client.get("/embed/map?commodity=nope&measure=litres")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    notices = [part.split("</p>")[0] for part in page.split("<p class='notice'>")[1:]]
    assert any("commodity" in n and "nope" in n for n in notices)
    assert any("measure" in n and "litres" in n for n in notices)
    assert "id='chart'" in page and "id='figure'" in page


def test_embed_with_a_bad_image_size_is_not_an_unknown_chart(client):
    # width/height/scale are export parameters; an embed must not call the chart unknown.
    response = client.get("/embed/map?width=abc")
    assert response.status_code == 200
    assert "no chart named" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [f"/export/map.csv?{urlencode(MAP_QUERY)}",
                                 "/export/data.csv?period=2023",
                                 "/export/map.html", "/embed/map?period=2024"])
def test_exports_and_embeds_carry_etag_and_cache_control(client, url):
    first = client.get(url)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == f"public, max-age={routes.CACHE_SECONDS}"
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == tag
    other = client.get(url + ("&" if "?" in url else "?") + "measure=value")
    assert other.headers["ETag"] != tag


def test_etag_survives_gzip(client):
    """Flask-Compress rewrites the ETag of a compressed answer; it must still revalidate."""
    url = "/embed/map?period=2024"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers.get("Content-Encoding") == "gzip"
    again = client.get(url, headers={"Accept-Encoding": "gzip",
                                     "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("url", ["/", "/export/map.csv", "/embed/map", "/export/nope.csv",
                                 "/embed/nope", "/healthz", "/embed-assets/host.js"])
def test_security_headers_on_every_answer(small_data, make_app, url):
    ancestors = ("'self'", "https://news.example.org")
    app = make_app(small_data, frame_ancestors=ancestors)
    response = app.server.test_client().get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://news.example.org" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # X-Frame-Options cannot name another origin: it would override frame-ancestors.
    assert "X-Frame-Options" not in response.headers


def test_same_origin_only_also_sends_x_frame_options(client):
    response = client.get("/embed/map")
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"


# -- exports are the page's view --------------------------------------------------------


def read_csv(body: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    text = body.decode("utf-8-sig")
    header = dict(line[2:].split(": ", 1) for line in text.splitlines()
                  if line.startswith("# "))
    return header, pd.read_csv(io.StringIO(text), comment="#")


def test_map_csv_is_the_rows_the_builder_gives_for_the_same_query(client, small_data):
    query = urlencode(MAP_QUERY)
    response = client.get(f"/export/map.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, rows = read_csv(response.data)
    assert list(header)[:6] == ["source", "units", "filters", "view_url", "generated",
                                "synthetic"]
    assert header["view_url"].startswith("http://localhost/?commodity=280530")
    bundle = Bundle.of(small_data)
    state, notices = from_query(query, bundle.defaults, bundle.catalogue)
    assert notices == []
    view = charts.render(Chart.MAP, state, small_data, bundle.catalogue)
    expected = view.table.reset_index()
    assert list(rows["ISO3"]) == list(expected["iso3"])
    assert list(rows["Net weight (t)"]) == pytest.approx(list(expected["value"]))
    assert set(rows["ISO3"]) == {"KOR", "JPN"}
    assert rows.set_index("ISO3")["Net weight (t)"].to_dict() == {"JPN": 30.0, "KOR": 12.0}


def test_map_html_holds_the_same_figure_as_the_page(client, small_data):
    response = client.get(f"/export/map.html?{urlencode(MAP_QUERY)}")
    page = response.get_data(as_text=True)
    assert "window.PlotlyGeoAssets" in page and "cdn.plot.ly/world" not in page
    bundle = Bundle.of(small_data)
    state, _ = from_query(urlencode(MAP_QUERY), bundle.defaults, bundle.catalogue)
    figure = charts.render(Chart.MAP, state, small_data, bundle.catalogue).figure
    value = next(trace for trace in figure.data if trace.name == "value")
    assert list(value.locations) == ["JPN", "KOR"]
    compact = page.replace(" ", "")
    assert '"locations":["JPN","KOR"]' in compact
    assert f'"customdata":[{value.customdata[0]},{value.customdata[1]}]' in compact


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@needs_chromium
def test_map_png_has_the_asked_size_and_svg_the_caption(client):
    query = urlencode(MAP_QUERY)
    response = client.get(f"/export/map.png?width=800&height=500&{query}")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/png"
    assert png_size(response.data) == (800, 500)
    svg = client.get(f"/export/map.svg?{query}").get_data(as_text=True)
    assert svg.lstrip().startswith("<svg")
    assert "Net weight by country, 2024" in svg
    assert "Source:" in svg
    assert "View: http://localhost/?commodity=280530" in svg


@needs_chromium
def test_server_side_png_timing(client, capsys):
    """The long-lived Chromium: the first image starts it, the next ones reuse it.

    Each later request asks a different width, so none is answered from the export cache.
    """
    chart_files.shutdown()
    query = urlencode(MAP_QUERY)
    started = time.perf_counter()
    # 799: no other test asked this size, so this one is drawn (cold Chromium), not cached.
    assert client.get(f"/export/map.png?width=799&height=500&{query}").status_code == 200
    first = time.perf_counter() - started
    later, cached = [], []
    for width in range(801, 806):
        started = time.perf_counter()
        response = client.get(f"/export/map.png?width={width}&height=500&{query}")
        later.append(time.perf_counter() - started)
        assert response.status_code == 200 and png_size(response.data) == (width, 500)
        started = time.perf_counter()
        assert client.get(f"/export/map.png?width={width}&height=500&{query}").data == \
            response.data
        cached.append(time.perf_counter() - started)
    with capsys.disabled():
        print(f"\nmap PNG 800x500 through the route: first {first:.2f} s; then drawn"
              f" {statistics.median(later):.2f} s (median of 5), from the export cache"
              f" {statistics.median(cached) * 1000:.0f} ms")
    assert statistics.median(later) < 3.0  # Chrome per image would cost 2-7 s


# -- uploads ----------------------------------------------------------------------------

HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE_HTML = "<img src=x onerror=alert(1)>"


def data_url(path) -> str:
    return "data:text/csv;base64," + base64.b64encode(path.read_bytes()).decode()


@pytest.fixture(scope="module")
def hostile_token(small_data, settings, tmp_path_factory):
    """An upload whose text fields are a formula and markup (unknown HS6 codes keep the
    file's own description, so the file's text reaches menus, captions and CSV cells)."""
    rows = [plus_row(reporter="410", cmd="284699", cmd_desc=HOSTILE_FORMULA, month=m)
            for m in (1, 2)]
    rows += [plus_row(reporter="392", cmd="284698", cmd_desc=HOSTILE_HTML, month=m)
             for m in (1, 2)]
    path = tmp_path_factory.mktemp("up") / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:  # quotes doubled properly
        writer = csv.DictWriter(handle, PLUS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    store = UploadStore(settings.upload_dir, 10_000_000, small_data)
    result = store.save("hostile.csv", data_url(path))
    assert result.token and result.rows_used == 4, result.message
    return result.token


def test_formula_text_from_an_upload_is_plain_text_in_csv(client, hostile_token):
    response = client.get(f"/export/data.csv?dataset={hostile_token}&commodity=284699"
                          "&period=2024")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("private")
    header, rows = read_csv(response.data)
    assert set(rows["commodity_name"]) == {"'" + HOSTILE_FORMULA}
    assert "your upload hostile.csv" in header["source"]
    for line in response.data.decode("utf-8-sig").splitlines():
        for cell in line.split(","):
            assert not cell.strip().strip('"').startswith("="), line
    table = client.get(f"/export/map.csv?dataset={hostile_token}&commodity=284699"
                       "&period=2024")
    _, shown = read_csv(table.data)
    assert list(shown["ISO3"]) == ["KOR"]


def test_markup_from_an_upload_is_escaped_in_the_embed(client, hostile_token):
    response = client.get(f"/embed/map?dataset={hostile_token}&commodity=284698&period=2024")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert HOSTILE_HTML not in page
    assert "<img" not in page
    figure = json.loads(page.split("id='figure'>")[1].split("</script>")[0])
    title = figure["layout"]["title"]["text"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in title  # shown as text by plotly


def test_markup_in_a_link_is_escaped_in_the_embed_notice(client):
    page = client.get(f"/embed/map?{urlencode({'focus': HOSTILE_HTML})}").get_data(
        as_text=True)
    assert HOSTILE_HTML not in page and "&lt;img src=x" in page


def test_an_upload_export_for_a_forged_token_falls_back_to_the_embedded_data(client):
    response = client.get("/export/map.csv?dataset=../../etc/passwd&period=2024")
    assert response.status_code == 200
    header, _ = read_csv(response.data)
    assert "your upload" not in header["source"]


def test_upload_store_refuses_a_file_over_the_limit_and_says_the_limit(small_data, tmp_path):
    store = UploadStore(tmp_path, 2_500_000, small_data)
    big = "data:text/csv;base64," + base64.b64encode(b"x" * 3_000_000).decode()
    with pytest.raises(UploadRefused, match=r"2\.5 MB limit"):
        store.save("big.csv", big)
    assert list(tmp_path.iterdir()) == []


def test_export_parameters_are_not_view_parameters():
    view, sizes, token = exports.split_query("?width=800&height=500&period=2024&dataset=abc")
    assert view == "period=2024" and sizes == {"width": 800, "height": 500} and token == "abc"


def test_upload_row_and_time_limits_fail_cleanly(tmp_path):
    """Besides the size limit: too many rows, or too slow a read, is refused with a reason."""
    from dashboard.ingest import dataset as dataset_module
    from dashboard.settings import DEFAULT_DATA
    from dashboard.web.uploads import UploadRefused, UploadStore

    rows = [plus_row(month=m) for m in range(1, 13)]
    text = write_rows(tmp_path / "f.csv", PLUS_COLUMNS, rows).read_bytes()
    contents = "data:text/csv;base64," + base64.b64encode(text).decode()
    base = dataset_module.load([DEFAULT_DATA / "reference_facts.csv"])
    few_rows = UploadStore(tmp_path / "a", 10_000_000, base, max_rows=5)
    with pytest.raises(UploadRefused, match="over the 5-row limit"):
        few_rows.save("f.csv", contents)
    no_time = UploadStore(tmp_path / "b", 10_000_000, base, max_seconds=0.0001)
    with pytest.raises(UploadRefused, match="took longer than"):
        no_time.save("f.csv", contents)
    assert not any((tmp_path / "a").iterdir()) and not any((tmp_path / "b").iterdir())
    ok = UploadStore(tmp_path / "c", 10_000_000, base).save("f.csv", contents)
    assert ok.token and ok.rows_used == 12


def test_the_methods_page_is_served_with_every_section_the_page_links(client):
    """The surge tab links "methods#surge-rules"; the docs and modules cite these anchors."""
    response = client.get("/methods")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for anchor in ("rows-counted", "periods-and-coverage", "comparisons", "unit-value",
                   "surge-rules", "safeguard-rule", "dependency", "partners-and-world",
                   "mirror", "validate"):
        assert f'id="{anchor}"' in page, anchor
    assert "Simplified from WTO Agreement on Agriculture Art. 5" in page.replace("\n", " ")
    assert "<script" not in page  # the document's raw HTML, if any, is escaped
