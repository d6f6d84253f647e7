"""What a user does on the map page, in real headless Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser_helpers import SCREENSHOTS, graph_data, value_locations, wait_for_map, wait_until

pytestmark = pytest.mark.browser


def query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def wait_for_query(page, key: str, value: str) -> None:
    wait_until(page, "([k, v]) => new URLSearchParams(location.search).get(k) === v",
               [key, value])
    wait_for_map(page)


def choose(page, control_id: str, text: str) -> None:
    """Pick an option in a dcc.Dropdown by searching for it, as a user would."""
    page.click(f"#{control_id}")
    page.fill(".dash-dropdown-content .dash-dropdown-search-container input", text)
    page.locator(".dash-dropdown-content .dash-options-list-option").first.click()


def test_page_loads_with_the_seed_story(open_page):
    watch = open_page("/")
    page = watch.page
    locations = value_locations(page)
    assert {"KOR", "JPN", "PHL"} <= set(locations)
    assert not {"WLD", "S19", "EUU"} & set(locations)
    assert "Q1 2025 against the whole of 2024" in page.inner_text("#comparison-text")
    assert page.locator(".synthetic-badge").is_visible()
    assert "Source:" in page.inner_text(".source-line")
    assert page.locator("#map-table .ag-row").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-1366.png"), full_page=True)


def test_changing_controls_updates_map_table_summary_and_url(open_page):
    page = open_page("/").page
    page.check("#control-measure input[value='value']")
    wait_for_query(page, "measure", "value")
    assert "Trade value (USD)" in page.inner_text("#map-table .ag-header")
    before = page.inner_text("#map-summary")
    page.click("#control-baseline .dash-dropdown-clear")  # turn the comparison off
    wait_for_query(page, "baseline", "")
    assert "largest importer" in page.inner_text("#map-summary")
    assert page.inner_text("#map-summary") != before
    choose(page, "control-period", "2023")
    wait_for_query(page, "period", "2023")
    assert "In 2023" in page.inner_text("#map-summary")
    choose(page, "control-commodity", "Terbium oxide")
    wait_for_query(page, "commodity", "28469016")
    assert "Terbium oxide" in page.inner_text("#map-summary")
    assert value_locations(page)


def test_copied_url_reopens_the_same_view(open_page):
    page = open_page("/?period=2024&measure=value&commodity=28469016&perspective=mirror"
                     "&partner=CHN&baseline=2023&change=ratio").page
    state = query(page) or {}
    summary = page.inner_text("#map-summary")
    data = graph_data(page)
    again = open_page("/" + urlparse(page.url).query.join(["?", ""])).page
    assert again.inner_text("#map-summary") == summary
    assert graph_data(again) == data
    assert state == query(again) or not state


def test_back_button_restores_the_previous_view(open_page):
    page = open_page("/").page
    first = page.inner_text("#map-summary")
    page.check("#control-change input[value='ratio']")
    wait_for_query(page, "change", "ratio")
    page.go_back()
    wait_until(page, "new URLSearchParams(location.search).get('change') !== 'ratio'")
    wait_for_map(page)
    assert page.inner_text("#map-summary") == first
    assert page.is_checked("#control-change input[value='percent']")


def test_bad_parameters_show_a_notice_not_an_error(open_page):
    page = open_page("/?commodity=nope&measure=litres&focus=<b>x</b>&zoom=9").page
    notice = page.locator("#url-notice")
    notice.wait_for(state="visible")
    text = notice.inner_text()
    assert "nope" in text and "litres" in text and "zoom" in text
    assert value_locations(page)


def test_narrow_screen_keeps_everything_usable(open_page):
    page = open_page("/", width=390, height=844).page
    assert page.locator("#control-commodity").is_visible()
    assert value_locations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-390.png"), full_page=True)
