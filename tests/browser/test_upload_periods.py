"""Views that mean something when nobody chose one: an upload opens on its latest complete
period and labels partial ones; a link copied during an upload says the upload is not in
it; the Dependency tab opens on Korea's own reported imports of rare-earth metals.

Real headless Chromium against the app on loopback (tests/browser/conftest.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from browser_helpers import SCREENSHOTS, wait_for_chart, wait_until
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.web.ids import ID, Chart, action_id, graph_id, summary_id, tab_id

pytestmark = pytest.mark.browser

UPLOAD_NOTE = "(uploaded data: not in this link)"


def rows_through_march_2025() -> list[dict]:
    """Korea and Japan import rare-earth metals from China, January 2024 to March 2025."""
    months = [(2024, m) for m in range(1, 13)] + [(2025, m) for m in (1, 2, 3)]
    return [plus_row(reporter=reporter, partner="156", cmd="280530", year=year, month=month,
                     weight=weight)
            for year, month in months for reporter, weight in (("410", "1200"), ("392", "3400"))]


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def upload(page, path) -> None:
    page.set_input_files(f"#{ID.UPLOAD} input[type=file]", str(path))
    wait_until(page, f"document.getElementById('{ID.UPLOAD_MESSAGE}').innerText.includes('rows"
                     " used')")
    wait_until(page, "new URLSearchParams(location.search).get('period') !== null")
    wait_until(page, "!document.querySelector('[data-dash-is-loading]')")


def period_menu(page) -> list[str]:
    """The period dropdown's option labels, as a user sees them once it is open."""
    page.click(f"#{ID.PERIOD}")
    page.wait_for_selector(".dash-dropdown-content .dash-options-list-option")
    labels = page.locator(".dash-dropdown-content .dash-options-list-option").all_inner_texts()
    page.keyboard.press("Escape")
    return [label.strip() for label in labels]


def source_note(page, graph: str) -> str:
    return page.evaluate(
        "(id) => (document.querySelector('#' + id + ' .js-plotly-plot').layout.annotations"
        " || []).filter(a => a.name === 'source_line').map(a => a.text).join(' ')", graph)


def test_upload_ending_in_march_opens_on_q1_and_says_links_leave_it_out(open_page, tmp_path):
    path = write_rows(tmp_path / "to_march_2025.csv", PLUS_COLUMNS, rows_through_march_2025())
    page = open_page("/").page
    upload(page, path)
    assert query(page)["period"] == "2025-Q1"  # complete; "2025" holds 3 of 12 months
    wait_until(page, f"(document.querySelector('#{ID.MAP} .js-plotly-plot').layout.title ||"
                     " {}).text"
                     ".includes('Q1 2025')")
    menu = period_menu(page)
    assert "2025 (3 of 12 months)" in menu and "Q1 2025" in menu and "2024" in menu
    assert "2025" not in menu  # no partial year without its label
    # The copied address reopens this view on the embedded data: the page says so.
    notice = page.locator(f"#{ID.DATA_NOTICE}")
    assert notice.is_visible() and "not part of any link" in notice.inner_text()
    assert "to_march_2025.csv" in notice.inner_text()
    assert UPLOAD_NOTE in source_note(page, "map").replace("&amp;", "&")
    page.click("#block-map .embed summary")
    snippet = page.inner_text(f"#{action_id(Chart.MAP, 'embed')}")
    assert snippet.startswith("<!-- Your uploaded file is not part of any link")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload-to-march.png"), full_page=True)
    # The surges open on the same complete quarter (not one month against a year). No reload:
    # the menus now come with their values, so the commodity keeps its value after an upload
    # and the tab click is taken (it once emptied, and the click was ignored).
    wait_until(page, f"document.getElementById('{ID.COMMODITY}').innerText.includes('2805')")
    page.click(f'#{tab_id("surges")}')
    wait_for_chart(page, "surges")
    assert query(page)["period"] == "2025-Q1"
    title = page.evaluate(f"document.querySelector('#{graph_id(Chart.SURGES)} .js-plotly-plot')"
                          ".layout.title.text")
    assert "Q1 2025" in title and "2025 " not in title.replace("Q1 2025", "")


def test_the_embedded_data_carries_no_upload_notice(open_page):
    page = open_page("/").page
    assert not page.locator(f"#{ID.DATA_NOTICE}").is_visible()
    assert UPLOAD_NOTE not in source_note(page, "map")


def gauge_numbers(page) -> list[float]:
    return page.evaluate(f"Array.from(document.querySelector('#{graph_id(Chart.GAUGES)}"
                         " .js-plotly-plot')"
                         ".data).filter(t => t.type === 'indicator').map(t => t.value)")


def test_dependency_tab_opens_on_korea_metals_beside_kiep(open_page):
    page = open_page("/").page
    page.click(f'#{tab_id("dependency")}')
    wait_until(page, "new URLSearchParams(location.search).get('tab') === 'dependency'")
    wait_for_chart(page, "gauges")
    wait_until(page, f"(document.querySelector('#{graph_id(Chart.GAUGES)}"
                     " .js-plotly-plot').layout.title"
                     " || {}).text.includes('2023')")
    view = query(page)
    assert (view["commodity"], view["period"], view["perspective"], view["focus"]) == (
        "280530", "2023", "reporter", "KOR")
    summary = page.inner_text(f"#{summary_id(Chart.GAUGES)}")
    assert "94.7%" in summary and "95.1" in summary, summary
    top_share = gauge_numbers(page)[0]
    assert 0.94 < top_share < 0.95 or 94 < top_share < 95, top_share  # not 100% (mirror)
    page.screenshot(path=str(SCREENSHOTS / "dependency-default.png"), full_page=True)
    # The link reopens exactly that view; going back to the map restores the seed story.
    again = open_page(urlsplit(page.url).path + "?" + urlsplit(page.url).query,
                      chart="gauges").page
    assert query(again) == view
    page.click(f'#{tab_id("map")}')
    wait_until(page, "new URLSearchParams(location.search).get('commodity') === '28469015'")
    assert query(page)["perspective"] == "mirror"
