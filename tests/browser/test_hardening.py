"""Hostile text from data stays text, and one user's upload never reaches another's page.

Escaping: a Comtrade Plus upload whose commodity description (for a code the catalogue
does not know, so the file's own text is shown) is `<img src=x onerror=alert(1)>`, whose
bad row holds the same markup, and whose FILE NAME is that markup. Every tab must show it
as text: no `img[src="x"]` element anywhere (plotly's SVG included), no dialog, and the
literal text visible. The exports of the same upload (unit tests with Flask's test client):
CSV cells are plain text with formulas neutralised, embeds and HTML exports carry no raw
markup.

Isolation: two browser contexts at once, each with its own upload (different countries)
and view, each see only their own file's countries, also after a reload.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
import time
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

import pytest
from browser_helpers import value_locations, wait_for_chart, wait_for_map, wait_until
from factories import PLUS_COLUMNS, plus_row
from werkzeug.serving import make_server

from dashboard import export
from dashboard.settings import Settings
from dashboard.web.app import create_app
from dashboard.web.ids import Chart

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_NAME = f"{HOSTILE}.csv"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-1+1", "@SUM(A1)"]
# National lines sort after 284699, which stays the upload's default commodity.
FORMULA_CODES = ("28469910", "28469911", "28469912", "28469913")
TAB_CHARTS = {"map": ["map"], "surges": ["surges", "surge-series"],
              "dependency": ["gauges", "ranking"], "flows": ["sankey"], "series": ["series"],
              "mirror": ["mirror"]}
INJECTED = ("() => document.querySelectorAll('img[src=\"x\"], svg img, image[href=\"x\"],"
            " [onerror]').length")


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, PLUS_COLUMNS, lineterminator="\n")  # quotes doubled properly
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def hostile_rows() -> list[dict]:
    """Korea and Japan import an unknown rare-earth code from China, which reports the
    same flows as exports (for the mirror); descriptions are markup or formulas."""
    rows = []
    for year, months in ((2023, range(1, 13)), (2024, range(1, 13)), (2025, range(1, 4))):
        for month in months:
            for reporter, weight in (("410", 900 + 40 * month), ("392", 400)):
                rows.append(plus_row(reporter=reporter, partner="156", cmd="284699", year=year,
                                     month=month, weight=str(weight), cmd_desc=HOSTILE))
                rows.append(plus_row(reporter="156", partner=reporter, flow="X", cmd="284699",
                                     year=year, month=month, weight=str(weight - 7),
                                     cmd_desc=HOSTILE))
            for code, text in zip(FORMULA_CODES, FORMULAS):
                rows.append(plus_row(reporter="608", partner="156", cmd=code, year=year,
                                     month=month, weight="250", cmd_desc=text))
    rows.append({**rows[0], "netWgt": HOSTILE, "period": "202501", "refMonth": "1"})
    return rows


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files("#upload input[type=file]",
                         files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def literal_shown(page, selector: str) -> bool:
    """Whether the markup is shown as text inside `selector` (HTML text or SVG text)."""
    return page.evaluate(
        "([sel, text]) => Array.from(document.querySelectorAll(sel + ', ' + sel + ' text'))"
        ".some(e => (e.textContent || '').includes(text))", [selector, HOSTILE])


@pytest.mark.browser
def test_markup_from_an_upload_is_text_on_every_tab(open_page):
    watch = open_page("/")
    page = watch.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    upload(page, HOSTILE_NAME, csv_bytes(hostile_rows()))
    wait_until(page, "document.getElementById('upload-message').innerText.includes('rows used')")
    assert "_img src_x onerror_alert(1)_.csv" in page.inner_text("#upload-message")
    # The grid can show its "No Rows To Show" overlay for a moment after its first row
    # element appears: wait for the text itself.
    wait_until(page, "document.getElementById('upload-problems').innerText"
                     f".includes({json.dumps(HOSTILE)})")
    assert HOSTILE in page.inner_text("#upload-problems")  # the bad value, as text
    wait_until(page, "document.getElementById('page-header').innerText.includes('your upload')")

    wait_until(page, "new URLSearchParams(location.search).get('commodity') === '284699'")
    # Korea in focus, for the gauges and the series: through the address, which keeps the
    # upload (session storage), so the focus does not depend on a menu's timing.
    page.goto(page.url.split("?")[0] + "?" + page.evaluate(
        "(() => { const q = new URLSearchParams(location.search); q.set('focus', 'KOR');"
        " return q.toString(); })()"))
    wait_until(page, "new URLSearchParams(location.search).get('focus') === 'KOR'")
    wait_until(page, "document.getElementById('page-header').innerText.includes('your upload')")
    wait_for_map(page)
    assert HOSTILE in page.inner_text("#map-summary")
    page.click("#control-commodity")  # the menu lists the file's own description, as text
    page.wait_for_selector(".dash-dropdown-content .dash-options-list-option")
    options = page.locator(".dash-dropdown-content .dash-options-list-option").all_inner_texts()
    assert any(HOSTILE in option for option in options), options
    assert page.evaluate(INJECTED) == 0
    page.keyboard.press("Escape")
    for tab, tab_charts in TAB_CHARTS.items():
        page.click(f"#tab-{tab}")
        wait_until(page, "(t) => new URLSearchParams(location.search).get('tab') === t", tab)
        for chart in tab_charts:
            if chart == "map":
                wait_for_map(page)
                selector = "#map"
            else:
                wait_for_chart(page, chart)
                selector = f"#chart-{chart}"
            assert literal_shown(page, selector), f"{chart}: the text is not shown"
            assert page.evaluate(INJECTED) == 0, f"markup became an element on {tab}"
    assert dialogs == []
    assert "your upload _img src_x onerror_alert(1)_.csv" in page.inner_text("#page-header")
    assert page.evaluate(INJECTED) == 0


# -- the exports of the same upload (Flask's test client) --------------------------------

@pytest.fixture(scope="module")
def hostile_upload(demo_data, tmp_path_factory):
    """The app, and the token of the hostile file uploaded through the upload callback."""
    app = create_app(Settings(cache_dir=tmp_path_factory.mktemp("cache")), demo_data)
    output = next(o for o, s in app.callback_map.items()
                  if any(str(i["id"]) == "upload" for i in s["inputs"]))
    spec = app.callback_map[output]
    contents = "data:text/csv;base64," + base64.b64encode(csv_bytes(hostile_rows())).decode()
    body = {"output": output, "outputs": [{"id": str(o.component_id),
                                           "property": o.component_property}
                                          for o in spec["output"]],
            "inputs": [{"id": "upload", "property": "contents", "value": contents},
                       {"id": "upload-reset", "property": "n_clicks", "value": None}],
            "state": [{"id": "upload", "property": "filename", "value": HOSTILE_NAME}],
            "changedPropIds": ["upload.contents"]}
    client = app.server.test_client()
    answer = client.post("/_dash-update-component", data=json.dumps(body),
                         content_type="application/json").get_json()["response"]
    token = answer["session-dataset"]["data"]
    assert token, answer["upload-message"]
    return client, token


def raw_markup(text: str) -> list[str]:
    """Where `<img` appears unescaped, with some context (empty when nowhere)."""
    return [text[max(0, i - 120):i + 60] for i in range(len(text))
            if text.startswith("<img", i)][:3]


def view(token: str, commodity: str = "284699") -> str:
    return (f"commodity={commodity}&period=2025-Q1&baseline=2024&focus=KOR&peers=JPN"
            f"&dataset={token}")


def csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def is_formula(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts with = + - @ and is not a number."""
    if not cell.startswith(("=", "+", "-", "@")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_csv_exports_keep_markup_as_text_and_neutralise_formulas(hostile_upload):
    client, token = hostile_upload
    for name in [c.value for c in Chart] + ["data"]:
        response = client.get(f"/export/{name}.csv?{view(token)}")
        assert response.status_code == 200, (name, response.data[:200])
        cells = csv_cells(response.data)
        if name in ("map", "data"):
            assert any(HOSTILE in cell for cell in cells), name  # plain text, not dropped
        for cell in cells:
            assert not is_formula(cell), (name, cell)
        assert "_img src_x onerror_alert(1)_.csv" in response.get_data(as_text=True)
    for code, formula in zip(FORMULA_CODES, FORMULAS):
        query = f"commodity={code}&period=2024&dataset={token}"
        cells = csv_cells(client.get(f"/export/data.csv?{query}").data)
        assert "'" + formula in cells, formula  # kept, but a spreadsheet reads it as text
        assert formula not in cells


def test_embeds_and_html_exports_carry_no_raw_markup(hostile_upload):
    client, token = hostile_upload
    for chart in Chart:
        page = client.get(f"/embed/{chart.value}?{view(token)}").get_data(as_text=True)
        assert raw_markup(page) == [], chart
        figure = json.loads(page.split("id='figure'>")[1].split("</script>")[0])
        assert "&lt;img src=x onerror=alert(1)&gt;" in json.dumps(figure), chart
    html = client.get(f"/export/map.html?{view(token)}").get_data(as_text=True)
    assert raw_markup(html) == []
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    hostile_link = client.get(f"/embed/map?{view(token)}&focus={HOSTILE}").get_data(
        as_text=True)
    assert raw_markup(hostile_link) == [] and "&lt;img src=x" in hostile_link  # the notice


@pytest.mark.skipif(export.find_browser() is None, reason="no Chromium for kaleido")
def test_svg_export_has_the_markup_as_escaped_text(hostile_upload):
    client, token = hostile_upload
    svg = client.get(f"/export/map.svg?width=600&height=400&{view(token)}")
    assert svg.status_code == 200, svg.data[:200]
    text = svg.get_data(as_text=True)
    assert raw_markup(text) == []
    root = ElementTree.fromstring(text)  # the SVG as XML: markup is text, never an element
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() in ("img", "image")
                and "x" in e.attrib.values()]
    assert HOSTILE in "".join(root.itertext())


# -- isolation ----------------------------------------------------------------------------

def import_rows(reporters: dict[str, int]) -> bytes:
    return csv_bytes([plus_row(reporter=code, partner="156", cmd="280530", year=2024,
                               month=month, weight=str(weight))
                      for month in range(1, 7) for code, weight in reporters.items()])


MAP_LOCATIONS = ("() => { const g = document.querySelector('#map .js-plotly-plot');"
                 " const t = g && g.data && g.data.find(d => d.name === 'value');"
                 " return t ? Array.from(t.locations).sort().join(',') : ''; }")


@pytest.mark.browser
def test_two_users_with_different_uploads_never_see_each_others_data(browser, server_url):
    """Both tabs load, upload and reload at the same time (the browser works on both while
    the test waits on one), so the server holds both uploads at once."""
    users = {"korea_japan.csv": ({"410": 1200, "392": 3400}, ["JPN", "KOR"],
                                 "?commodity=280530&period=2024&measure=value&focus=KOR"),
             "philippines_usa.csv": ({"608": 500, "842": 800}, ["PHL", "USA"],
                                     "?commodity=280530&period=2024-Q1&measure=unit_value")}
    contexts = [browser.new_context() for _ in users]
    pages = {name: context.new_page() for name, context in zip(users, contexts)}
    try:
        for page in pages.values():
            page.goto(server_url + "/")
        for name, (reporters, _, _) in users.items():  # both uploads before either looks
            wait_for_map(pages[name])
            upload(pages[name], name, import_rows(reporters))
        for name in users:
            wait_until(pages[name], "(n) => document.getElementById('upload-message')"
                       ".innerText.includes(n + ': ')", name)
        for name, (_, _, query) in users.items():
            pages[name].goto(server_url + "/" + query)  # each its own view, by its link
        tokens = set()
        for moment in ("own view", "after a reload"):
            for name, (_, countries, query) in users.items():
                page = pages[name]
                wait_until(page, "(n) => document.getElementById('page-header').innerText"
                           ".includes(n)", name)
                wait_until(page, f"(want) => ({MAP_LOCATIONS})() === want", ",".join(countries))
                wait_for_map(page)
                assert sorted(value_locations(page)) == countries, (name, moment)
                other = next(n for n in users if n != name)
                assert other not in page.content(), (name, moment)
                shown = parse_qs(urlparse(page.url).query)
                assert all(shown.get(k) == v for k, v in parse_qs(query[1:]).items()), name
                href = page.get_attribute("#export-map-csv", "href")
                tokens.add(parse_qs(urlparse(href).query)["dataset"][0])
            if moment == "own view":
                for page in pages.values():
                    page.reload()
        assert len(tokens) == 2  # one token per tab, the same after the reload
    finally:
        for context in contexts:
            context.close()


# -- regression: a reloaded view of an upload lost its commodity (fixed in callbacks.py) ---

def upload_token(body: bytes):
    """The session-dataset value a callback request carries (None for the embedded data)."""
    try:
        items = json.loads(body).get("inputs", [])
    except ValueError:
        return None
    return next((i.get("value") for i in items if i.get("id") == "session-dataset"), None)


@pytest.fixture
def slow_menus_url(demo_data, tmp_path):
    """The app on its own port, answering an upload's menus (options) half a second late,
    as a busy worker may: the order in which callback answers arrive is not guaranteed."""
    app = create_app(Settings(cache_dir=tmp_path / "cache"), demo_data)
    inner = app.server.wsgi_app

    def late_menus(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if b"control-partner.options" in body[:2000] and upload_token(body):
                time.sleep(0.5)
        return inner(environ, start_response)

    app.server.wsgi_app = late_menus
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.browser
def test_a_reloaded_view_of_an_upload_keeps_its_commodity(browser, slow_menus_url):
    """Dash 4's dropdown empties a value missing from its options. The URL's values once
    arrived before the upload's menus: the commodity was emptied and silently replaced by
    the upload's default. The late menus make that order certain."""
    rows = [plus_row(reporter="410", partner="156", cmd=code, year=2024, month=month,
                     weight="1500", cmd_desc=name)
            for month in range(1, 7)
            for code, name in (("284699", "Alpha compound"), ("28469910", "Beta compound"))]
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(slow_menus_url + "/")
        wait_for_map(page)
        upload(page, "two_commodities.csv", csv_bytes(rows))
        wait_until(page, "document.getElementById('page-header').innerText"
                   ".includes('your upload')")
        page.goto(slow_menus_url + "/?commodity=28469910&period=2024")  # Beta, not the default
        wait_for_map(page)
        wait_until(page, "document.getElementById('page-header').innerText"
                   ".includes('your upload')")
        page.wait_for_timeout(300)  # the late menus have arrived and been applied
        wait_until(page, "!document.querySelector('[data-dash-is-loading]')")
        assert parse_qs(urlparse(page.url).query)["commodity"] == ["28469910"]
        assert "Beta compound" in page.inner_text("#control-commodity")
        assert "Beta compound" in page.inner_text("#map-summary")
    finally:
        context.close()
