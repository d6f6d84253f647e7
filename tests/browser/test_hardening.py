"""Hostile text from data stays text, and one user's upload never reaches another's page.

Escaping: a Comtrade Plus upload whose commodity description (for a code the catalogue
does not know, so the file's own text is shown) is `<img src=x onerror=alert(1)>`, whose
bad row holds the same markup, and whose FILE NAME is that markup. Every tab must show it
as text: no `img[src="x"]` element anywhere (plotly's SVG included), no dialog, and the
literal text visible. The exports of the same upload are checked without a browser in
tests/test_hostile_exports.py.

Isolation: two browser contexts at once, each with its own upload (different countries)
and view, each see only their own file's countries, also after a reload.
"""

from __future__ import annotations

import io
import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
from browser_helpers import value_locations, wait_for_chart, wait_for_map, wait_until
from factories import plus_row
from hostile_upload import HOSTILE, HOSTILE_NAME, csv_bytes, hostile_rows

from dashboard.web.ids import CHART_TAB, ID, Chart, action_id, graph_id, tab_id

TAB_CHARTS = {tab: [chart for chart in Chart if CHART_TAB[chart] == tab]
              for tab in dict.fromkeys(CHART_TAB.values())}
INJECTED = ("() => document.querySelectorAll('img[src=\"x\"], svg img, image[href=\"x\"],"
            " [onerror]').length")


def upload(page, name: str, data: bytes) -> None:
    page.set_input_files(f"#{ID.UPLOAD} input[type=file]",
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
    wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}').innerText.includes('rows"
                     " used')")
    assert "_img src_x onerror_alert(1)_.csv" in page.inner_text(f"#{ID.UPLOAD_MESSAGE}")
    # The grid can show its "No Rows To Show" overlay for a moment after its first row
    # element appears: wait for the text itself.
    wait_until(page, f"document.getElementById('{ID.UPLOAD_PROBLEMS}').innerText"
                     f".includes({json.dumps(HOSTILE)})")
    assert HOSTILE in page.inner_text(f"#{ID.UPLOAD_PROBLEMS}")  # the bad value, as text
    wait_until(page, f"document.getElementById('{ID.HEADER}').innerText.includes('your upload')")

    wait_until(page, "new URLSearchParams(location.search).get('commodity') === '284699'")
    # Korea in focus, for the gauges and the series: through the address, which keeps the
    # upload (session storage), so the focus does not depend on a menu's timing.
    page.goto(page.url.split("?")[0] + "?" + page.evaluate(
        "(() => { const q = new URLSearchParams(location.search); q.set('focus', 'KOR');"
        " return q.toString(); })()"))
    wait_until(page, "new URLSearchParams(location.search).get('focus') === 'KOR'")
    wait_until(page, f"document.getElementById('{ID.HEADER}').innerText.includes('your upload')")
    wait_for_map(page)
    assert HOSTILE in page.inner_text(f"#{ID.MAP_SUMMARY}")
    page.click(f"#{ID.COMMODITY}")  # the menu lists the file's own description, as text
    page.wait_for_selector(".dash-dropdown-content .dash-options-list-option")
    options = page.locator(".dash-dropdown-content .dash-options-list-option").all_inner_texts()
    assert any(HOSTILE in option for option in options), options
    assert page.evaluate(INJECTED) == 0
    page.keyboard.press("Escape")
    for tab, tab_charts in TAB_CHARTS.items():
        page.click(f"#{tab_id(tab)}")
        wait_until(page, "(t) => new URLSearchParams(location.search).get('tab') === t", tab)
        for chart in tab_charts:
            if chart == Chart.MAP:
                wait_for_map(page)
                selector = f"#{ID.MAP}"
            else:
                wait_for_chart(page, chart)
                selector = f"#{graph_id(chart)}"
            assert literal_shown(page, selector), f"{chart}: the text is not shown"
            assert page.evaluate(INJECTED) == 0, f"markup became an element on {tab}"
    assert dialogs == []
    assert "your upload _img src_x onerror_alert(1)_.csv" in page.inner_text(f"#{ID.HEADER}")
    assert page.evaluate(INJECTED) == 0


# -- isolation ----------------------------------------------------------------------------

def import_rows(reporters: dict[str, int]) -> bytes:
    return csv_bytes([plus_row(reporter=code, partner="156", cmd="280530", year=2024,
                               month=month, weight=str(weight))
                      for month in range(1, 7) for code, weight in reporters.items()])


MAP_LOCATIONS = (f"() => {{ const g = document.querySelector('#{ID.MAP} .js-plotly-plot');"
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
            wait_until(pages[name], f"(n) => document.getElementById('{ID.UPLOAD_MESSAGE}')"
                       ".innerText.includes(n + ': ')", name)
        for name, (_, _, query) in users.items():
            pages[name].goto(server_url + "/" + query)  # each its own view, by its link
        tokens = set()
        for moment in ("own view", "after a reload"):
            for name, (_, countries, query) in users.items():
                page = pages[name]
                wait_until(page, f"(n) => document.getElementById('{ID.HEADER}').innerText"
                           ".includes(n)", name)
                wait_until(page, f"(want) => ({MAP_LOCATIONS})() === want", ",".join(countries))
                wait_for_map(page)
                assert sorted(value_locations(page)) == countries, (name, moment)
                other = next(n for n in users if n != name)
                assert other not in page.content(), (name, moment)
                shown = parse_qs(urlparse(page.url).query)
                assert all(shown.get(k) == v for k, v in parse_qs(query[1:]).items()), name
                href = page.get_attribute(f"#{action_id(Chart.MAP, 'csv')}", "href")
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
    return next((i.get("value") for i in items if i.get("id") == ID.DATASET), None)


@pytest.fixture
def slow_menus_url(make_app, live_server):
    """The app on its own port, answering an upload's menus (options) half a second late,
    as a busy worker may: the order in which callback answers arrive is not guaranteed."""
    app = make_app()
    inner = app.server.wsgi_app

    def late_menus(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if f"{ID.PARTNER}.options".encode() in body[:2000] and upload_token(body):
                time.sleep(0.5)
        return inner(environ, start_response)

    app.server.wsgi_app = late_menus
    return live_server(app)


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
        wait_until(page, f"document.getElementById('{ID.HEADER}').innerText"
                   ".includes('your upload')")
        page.goto(slow_menus_url + "/?commodity=28469910&period=2024")  # Beta, not the default
        wait_for_map(page)
        wait_until(page, f"document.getElementById('{ID.HEADER}').innerText"
                   ".includes('your upload')")
        page.wait_for_timeout(300)  # the late menus have arrived and been applied
        wait_until(page, "!document.querySelector('[data-dash-is-loading]')")
        assert parse_qs(urlparse(page.url).query)["commodity"] == ["28469910"]
        assert "Beta compound" in page.inner_text(f"#{ID.COMMODITY}")
        assert "Beta compound" in page.inner_text(f"#{ID.MAP_SUMMARY}")
    finally:
        context.close()
