"""What a journalist or an intranet editor does: download, export, embed, upload.

Real headless Chromium against the app on loopback (tests/browser/conftest.py). Embeds are
framed by a host page served from another port (allowed: 127.0.0.1:*) and from
"localhost" (refused by CSP frame-ancestors).
"""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pandas as pd
import pycountry
import pytest
from browser_helpers import (
    OFFLINE_SCHEMES,
    PageServer,
    drawn_map_file,
    grid_rows,
    value_locations,
    wait_for_map,
    wait_until,
)
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.ingest.countries import DRAWN_AS
from dashboard.web import charts
from dashboard.web.context import Bundle
from dashboard.web.ids import ID, Chart, action_id
from dashboard.web.view_state import from_query

pytestmark = pytest.mark.browser

# A view that differs from the default one in every way the map shows.
VIEW = ("commodity=28469016&period=2024&perspective=mirror&partner=CHN&baseline=2023"
        "&measure=weight&change=percent")
HOSTILE_HTML = "<img src=x onerror=alert(1)>"


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def read_csv(body: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    text = body.decode("utf-8-sig")
    header = dict(line[2:].split(": ", 1) for line in text.splitlines()
                  if line.startswith("# "))
    return header, pd.read_csv(io.StringIO(text), comment="#")


def map_traces(page) -> dict:
    """The page's map: the value trace's locations and numbers, and the caption texts."""
    return page.evaluate(
        f"() => {{ const g = document.querySelector('#{ID.MAP} .js-plotly-plot');"
        " const t = g.data.find(d => d.name === 'value') || {};"
        " return {locations: Array.from(t.locations || []),"
        " customdata: Array.from(t.customdata || []), title: g.layout.title.text,"
        " annotations: (g.layout.annotations || []).map(a => ({name: a.name, text: a.text}))};"
        " }")


def page_view(demo_data, query: str):
    bundle = Bundle.of(demo_data)
    state, notices = from_query(query, bundle.defaults, bundle.catalogue)
    return state, notices, bundle


# -- 1. the chart toolbar's download --------------------------------------------------


def test_toolbar_download_is_an_svg_with_title_and_source(open_page, tmp_path):
    page = open_page(f"/?{VIEW}").page
    shown = map_traces(page)
    page.hover(f"#{ID.MAP} .js-plotly-plot")
    button = page.locator(f"#{ID.MAP} .modebar-btn[data-title^='Download plot']")
    button.wait_for(state="visible")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".svg")
    path = tmp_path / "map.svg"
    download.save_as(path)
    svg = path.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg")
    title = shown["title"].split("<br>")[0].replace("<b>", "").replace("</b>", "")
    assert title and title in svg, title
    assert "Net weight: change, 2024 against 2023" in svg
    source = next(a["text"] for a in shown["annotations"] if a["name"] == "source_line")
    assert "Source: Synthetic demo data" in source
    assert "Source: Synthetic demo data" in svg
    assert "SYNTHETIC DEMO DATA" in svg


# -- 2. exports give the same view as the page ----------------------------------------


def test_map_exports_match_the_page(open_page, server_url, demo_data):
    page = open_page(f"/?{VIEW}").page
    shown = map_traces(page)
    table = grid_rows(page, ID.TABLE)
    href = page.get_attribute(f"#{action_id(Chart.MAP, 'csv')}", "href")
    assert href.startswith("/export/map.csv?")
    asked, _, _ = page_view(demo_data, urlsplit(page.url).query)
    linked, notices, _ = page_view(demo_data, urlsplit(href).query)
    assert linked == asked and notices == []

    status, headers, body = fetch(server_url + href)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    header, rows = read_csv(body)
    assert header["source"].startswith("Synthetic demo data")
    assert header["synthetic"] == "yes"
    assert header["view_url"] == f"{server_url}/{asked.to_query()}"
    # The CSV is the page's table: same countries in the same order, same numbers.
    assert list(rows["ISO3"]) == [r["iso3"] for r in table]
    assert list(rows["Net weight (t)"]) == pytest.approx([r["value"] for r in table], abs=1e-4)
    # ...and the map's coloured countries carry the CSV's change column: every country, and
    # Other Asia, nes (S19) on Taiwan's shape; other areas are in the CSV only.
    changes = rows.dropna(subset=["Change (%)"]).set_index("ISO3")["Change (%)"]
    drawn = {DRAWN_AS.get(code, code): change for code, change in changes.items()
             if code in DRAWN_AS or pycountry.countries.get(alpha_3=code)}
    assert "S19" in changes.index and "TWN" in shown["locations"]
    assert shown["locations"] and set(shown["locations"]) == set(drawn)
    assert dict(zip(shown["locations"], shown["customdata"])) == pytest.approx(drawn)

    # The same query through the builders gives the same figure as the page drew.
    state, notices, bundle = page_view(demo_data, urlsplit(page.url).query)
    assert notices == []
    view = charts.render(Chart.MAP, state, demo_data, bundle.catalogue, page.url)
    value = next(t for t in view.figure.data if t.name == "value")
    assert list(value.locations) == shown["locations"]
    assert list(value.customdata) == pytest.approx(shown["customdata"])
    assert view.figure.layout.title.text == shown["title"]

    status, _, html = fetch(f"{server_url}/export/map.html?{VIEW}")
    assert status == 200
    text = html.decode("utf-8")
    for code in shown["locations"]:
        assert f'"{code}"' in text


# -- 3. the HTML export works from file:// --------------------------------------------


def test_html_export_renders_from_file_with_no_network(browser, server_url, tmp_path):
    status, _, body = fetch(f"{server_url}/export/map.html?{VIEW}")
    assert status == 200
    path = tmp_path / "rare-earth-map.html"
    path.write_bytes(body)
    with drawn_map_file(browser, path) as (page, requests, errors):
        drawn = page.locator(".choroplethlayer path.choroplethlocation").count()
        countries = page.locator(".countries path").count()
    assert drawn > 5 and countries > 0
    assert [url for url in requests if not url.startswith(OFFLINE_SCHEMES)] == []
    assert errors == []


# -- 4 and 5. embeds in another site's page -------------------------------------------


class HostPages(PageServer):
    """The "newsroom page" that frames the app, on another port."""

    def host_page(self, path: str, server_url: str, embed: str) -> None:
        # The listener is the newsroom's own: it records what the frame reports.
        self.pages[path] = (
            "<!doctype html><html><head><title>Newsroom</title><link rel='icon' href='data:,'>"
            "</head><body>"
            "<h1>Our story</h1>"
            "<script>window.heard = []; window.frameLoaded = false;"
            " window.addEventListener('message', e => window.heard.push(e.data));</script>"
            f"<iframe id='embed' src='{server_url}{embed}' style='width:700px;height:200px;"
            "border:0' onload='window.frameLoaded = true'></iframe>"
            f"<script src='{server_url}/embed-assets/host.js'></script>"
            "</body></html>")


@pytest.fixture(scope="module")
def host():
    pages = HostPages()
    yield pages
    pages.close()


def watch(page) -> dict[str, list[str]]:
    seen = {"errors": [], "requests": []}
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: seen["requests"].append(request.url))
    return seen


def embed_frame(page, server_url: str):
    return next(f for f in page.frames if f.url.startswith(f"{server_url}/embed/"))


def test_embed_in_another_origin_renders_and_reports_its_height(browser, server_url, host):
    host.host_page("/story.html", server_url, f"/embed/map?{VIEW}")
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto(host.url("/story.html"))
        wait_until(page, "window.frameLoaded")
        frame = embed_frame(page, server_url)
        frame.wait_for_selector("body[data-rendered=true]", timeout=30_000)
        frame.wait_for_selector("#chart .choroplethlayer path.choroplethlocation")
        assert frame.locator("#chart .countries path").count() > 0
        wait_until(page, "window.heard.some(m => m && m.type === 'rare-earth-embed:height')")
        message = page.evaluate(
            "window.heard.filter(m => m && m.type === 'rare-earth-embed:height').pop()")
        assert message["chart"] == "map" and message["height"] > 200
        assert message["href"].startswith(f"{server_url}/embed/map?")
        expected = f"{min(max(message['height'], 150), 4000)}px"
        wait_until(page, "(h) => document.getElementById('embed').style.height === h", expected)
        assert frame.locator(".notice").count() == 0
    finally:
        context.close()
    assert seen["errors"] == []
    host_origin = f"http://127.0.0.1:{host.port}/"
    assert [u for u in seen["requests"]
            if not u.startswith((server_url, host_origin, "data:", "blob:"))] == []


def test_embed_framed_by_a_site_not_allowed_is_refused(browser, server_url, host):
    host.host_page("/elsewhere.html", server_url, f"/embed/map?{VIEW}")
    context = browser.new_context()
    try:
        page = context.new_page()
        seen = watch(page)
        response = page.goto(host.url("/elsewhere.html", host="localhost"))
        assert response.ok
        wait_until(page, "window.frameLoaded")  # fires for the error page too
        # #chart is in the embed's HTML itself: had the frame been allowed, it would be here.
        frame = page.frame_locator("#embed")
        assert frame.locator("#chart").count() == 0
        assert frame.locator("body[data-rendered]").count() == 0
        assert page.evaluate("window.heard.length") == 0
        assert page.evaluate("document.getElementById('embed').style.height") == "200px"
    finally:
        context.close()
    assert any("frame-ancestors" in error for error in seen["errors"]), seen["errors"]


def test_embed_with_broken_parameters_shows_a_notice_in_the_frame(browser, server_url, host):
    embed = "/embed/map?commodity=nope&measure=litres"
    status, _, _ = fetch(server_url + embed)
    assert status == 200
    host.host_page("/broken.html", server_url, embed)
    context = browser.new_context()
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto(host.url("/broken.html"))
        wait_until(page, "window.frameLoaded")
        frame = embed_frame(page, server_url)
        frame.wait_for_selector("body[data-rendered=true]", timeout=30_000)
        notices = frame.locator(".notice").all_inner_texts()
        text = " ".join(notices)
        assert "commodity" in text and "nope" in text
        assert "measure" in text and "litres" in text
        box = frame.locator(".notice").first.bounding_box()
        assert box["height"] < 120  # small: the chart stays the point
        assert frame.locator("#chart .choroplethlayer path.choroplethlocation").count() > 0
        title = frame.evaluate("document.getElementById('chart').layout.title.text")
        assert "Q1 2025" in title  # the default view
    finally:
        context.close()
    assert seen["errors"] == []


# -- 6. uploads -----------------------------------------------------------------------

# dashboard/web/guard.py compares the outputs a callback request names with the declared
# ones, but Dash sends an allow_duplicate output as "search@<hash>" and declares "search":
# every allow_duplicate callback (upload, comparison presets, focus by click) gets a 400.


def upload_rows() -> list[dict]:
    """Korea and Japan import rare-earth metals from China in 2024."""
    return [plus_row(reporter=reporter, partner="156", cmd="280530", year=2024, month=month,
                     weight=weight)
            for month in (1, 2, 3, 4, 5, 6)
            for reporter, weight in (("410", "1200"), ("392", "3400"))]


def wait_for_locations(page, expected: list[str]) -> None:
    """Wait until the map's coloured countries are exactly `expected` (a re-render ends)."""
    wait_until(page, f"(codes) => {{ const g = document.querySelector('#{ID.MAP} .js-plotly-plot');"
               " const t = g && g.data && g.data.find(d => d.name === 'value');"
               " return !!t && !document.querySelector('[data-dash-is-loading]')"
               " && JSON.stringify(Array.from(t.locations).sort()) === JSON.stringify(codes); }",
               sorted(expected))
    assert sorted(value_locations(page)) == sorted(expected)


def upload(page, path):
    """Choose a file in the upload box; returns the upload callback's HTTP response."""
    def is_upload(response) -> bool:
        body = response.request.post_data or ""
        return "_dash-update-component" in response.url and '"id":"upload"' in body

    with page.expect_response(is_upload, timeout=30_000) as answer:
        page.set_input_files(f"#{ID.UPLOAD} input[type=file]", str(path))
    return answer.value


def test_upload_replaces_the_data_for_this_tab_only(open_page, tmp_path):
    path = write_rows(tmp_path / "korea_japan.csv", PLUS_COLUMNS, upload_rows())
    watched = open_page("/")
    page = watched.page
    assert page.locator(".synthetic-badge").is_visible()
    assert upload(page, path).status == 200, "the upload callback was refused"
    wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}').innerText.includes('rows"
                     " used')")
    assert "korea_japan.csv: 12 of 12 rows used" in page.inner_text(f"#{ID.UPLOAD_MESSAGE}")
    wait_for_locations(page, ["JPN", "KOR"])
    assert "your upload korea_japan.csv" in page.inner_text(f"#{ID.HEADER}")
    assert page.locator(".synthetic-badge").count() == 0
    assert "280530" in page.url
    csv_href = page.get_attribute(f"#{action_id(Chart.MAP, 'csv')}", "href")
    assert "dataset=" in csv_href  # the page's own export follows the upload

    page.reload()
    wait_for_map(page)
    wait_until(page, f"document.getElementById('{ID.HEADER}').innerText.includes('your upload')")
    wait_for_locations(page, ["JPN", "KOR"])
    assert page.locator(".synthetic-badge").count() == 0

    other = open_page("/").page  # a second browser context: another user
    assert other.locator(".synthetic-badge").is_visible()
    assert "your upload" not in other.inner_text(f"#{ID.HEADER}")
    assert len(value_locations(other)) > 2


def test_upload_with_bad_rows_lists_line_column_and_reason(open_page, tmp_path):
    rows = upload_rows()[:4]
    rows[1] = {**rows[1], "netWgt": "abc"}  # line 3
    rows[2] = {**rows[2], "partnerCode": "9999", "partnerISO": "", "partnerDesc": ""}  # line 4
    # line 5: a partner named with markup; its problem must show it as text, never run it
    rows[3] = {**rows[3], "partnerCode": "", "partnerISO": "", "partnerDesc": HOSTILE_HTML}
    path = write_rows(tmp_path / "bad_rows.csv", PLUS_COLUMNS, rows)
    page = open_page("/").page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert upload(page, path).status == 200, "the upload callback was refused"
    wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}')"
                     ".innerText.includes('problems')")
    page.wait_for_selector(f"#{ID.UPLOAD_PROBLEMS_BOX}:not([hidden])")
    wait_until(page, f"document.querySelectorAll('#{ID.UPLOAD_PROBLEMS} .ag-row').length >= 2")
    problems = grid_rows(page, ID.UPLOAD_PROBLEMS)
    found = {(p["line"], p["column"], p["reason"]) for p in problems}
    assert (3, "netWgt", "bad number") in found
    assert (4, "partnerCode", "unknown country") in found
    assert (5, "partnerDesc", "unknown country") in found
    # The grid draws its right-hand columns a moment after its rows: wait for the reason.
    wait_until(page, f"document.getElementById('{ID.UPLOAD_PROBLEMS}').innerText"
                     ".includes('bad number')")
    shown = page.inner_text(f"#{ID.UPLOAD_PROBLEMS}")
    assert "netWgt" in shown and "bad number" in shown and "partnerCode" in shown
    assert HOSTILE_HTML in shown  # as text
    assert page.locator(f"#{ID.UPLOAD_PROBLEMS} img, #{ID.UPLOAD_MESSAGE} img").count() == 0
    assert dialogs == []


def test_upload_of_an_unknown_layout_lists_the_accepted_layouts(open_page, tmp_path):
    path = tmp_path / "notes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["country", "tonnes", "when"], ["Japan", "3", "2024"]])
    page = open_page("/").page
    assert upload(page, path).status == 200, "the upload callback was refused"
    wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}')"
                     ".innerText.includes('notes.csv')")
    message = page.inner_text(f"#{ID.UPLOAD_MESSAGE}")
    assert "matches no known layout" in message and "Accepted layouts" in message
    assert "Comtrade Plus" in message or "comtrade" in message.lower()
    assert page.locator(".synthetic-badge").is_visible()  # still the embedded data


@pytest.fixture
def small_limit_url(make_app, live_server):
    """The app with a 0.02 MB upload limit, on its own port."""
    return live_server(make_app(max_upload_mb=0.02))


def test_upload_over_the_size_limit_says_the_limit(browser, small_limit_url, tmp_path):
    rows = upload_rows() * 30  # ~60 KB: over 0.02 MB, under Flask's request limit
    path = write_rows(tmp_path / "big.csv", PLUS_COLUMNS, rows)
    assert path.stat().st_size > 20_000
    context = browser.new_context()
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto(small_limit_url + "/")
        wait_for_map(page)
        assert "up to 0.02 MB" in page.inner_text(f"#{ID.UPLOAD}")
        # Refused in the browser (assets/upload_limit.js) before anything is sent.
        page.set_input_files(f"#{ID.UPLOAD} input[type=file]", str(path))
        wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}').innerText.length > 0")
        message = page.inner_text(f"#{ID.UPLOAD_MESSAGE}")
        assert "Not loaded" in message and "0.02 MB limit" in message
    finally:
        context.close()
    assert seen["errors"] == []


def test_upload_far_over_the_limit_still_says_the_limit(browser, small_limit_url, tmp_path):
    rows = upload_rows() * 600  # ~1.2 MB: its callback request is over Flask's limit
    path = write_rows(tmp_path / "huge.csv", PLUS_COLUMNS, rows)
    assert path.stat().st_size > 1_100_000
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(small_limit_url + "/")
        wait_for_map(page)
        page.set_input_files(f"#{ID.UPLOAD} input[type=file]", str(path))
        wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}').innerText.length > 0",
                   timeout=15)
        assert "0.02 MB limit" in page.inner_text(f"#{ID.UPLOAD_MESSAGE}")
    finally:
        context.close()
