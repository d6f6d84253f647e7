"""What a user does on the map page, in real headless Chromium."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser_helpers import (
    SCREENSHOTS,
    graph_data,
    grid_rows,
    value_locations,
    wait_for_grid,
    wait_for_map,
    wait_until,
)

from dashboard.ingest.countries import DRAWN_AS
from dashboard.web.ids import ID

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
    assert "Q1 2025 against the whole of 2024" in page.inner_text(f"#{ID.COMPARISON_TEXT}")
    assert page.locator(".synthetic-badge").is_visible()
    assert "Source:" in page.inner_text(".source-line")
    wait_for_grid(page, ID.TABLE)
    assert page.locator(f"#{ID.TABLE} .ag-row").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-1366.png"), full_page=True)


def test_changing_controls_updates_map_table_summary_and_url(open_page):
    page = open_page("/").page
    page.check(f"#{ID.MEASURE} input[value='value']")
    wait_for_query(page, "measure", "value")
    wait_until(page, "(id) => (document.querySelector('#' + id + ' .ag-header') || {})"
                     ".innerText.includes('Trade value (USD)')", ID.TABLE)
    before = page.inner_text(f"#{ID.MAP_SUMMARY}")
    page.click(f"#{ID.BASELINE} .dash-dropdown-clear")  # turn the comparison off
    wait_for_query(page, "baseline", "")
    assert "largest importer" in page.inner_text(f"#{ID.MAP_SUMMARY}")
    assert page.inner_text(f"#{ID.MAP_SUMMARY}") != before
    choose(page, ID.PERIOD, "2023")
    wait_for_query(page, "period", "2023")
    assert "In 2023" in page.inner_text(f"#{ID.MAP_SUMMARY}")
    choose(page, ID.COMMODITY, "Terbium oxide")
    wait_for_query(page, "commodity", "28469016")
    assert "Terbium oxide" in page.inner_text(f"#{ID.MAP_SUMMARY}")
    assert value_locations(page)


def test_copied_url_reopens_the_same_view(open_page):
    page = open_page("/?period=2024&measure=value&commodity=28469016&perspective=mirror"
                     "&partner=CHN&baseline=2023&change=ratio").page
    state = query(page) or {}
    summary = page.inner_text(f"#{ID.MAP_SUMMARY}")
    data = graph_data(page)
    again = open_page("/" + urlparse(page.url).query.join(["?", ""])).page
    assert again.inner_text(f"#{ID.MAP_SUMMARY}") == summary
    assert graph_data(again) == data
    assert state == query(again) or not state


def test_back_button_restores_the_previous_view(open_page):
    page = open_page("/").page
    first = page.inner_text(f"#{ID.MAP_SUMMARY}")
    page.check(f"#{ID.CHANGE} input[value='ratio']")
    wait_for_query(page, "change", "ratio")
    page.go_back()
    wait_until(page, "new URLSearchParams(location.search).get('change') !== 'ratio'")
    wait_for_map(page)
    assert page.inner_text(f"#{ID.MAP_SUMMARY}") == first
    assert page.is_checked(f"#{ID.CHANGE} input[value='percent']")


def test_bad_parameters_show_a_notice_not_an_error(open_page):
    page = open_page("/?commodity=nope&measure=litres&focus=<b>x</b>&zoom=9").page
    notice = page.locator(f"#{ID.NOTICE}")
    notice.wait_for(state="visible")
    text = notice.inner_text()
    assert "nope" in text and "litres" in text and "zoom" in text
    assert value_locations(page)


def test_narrow_screen_keeps_everything_usable(open_page):
    page = open_page("/", width=390, height=844).page
    page.click(f"#{ID.CONTROLS_PANEL} > summary")  # folded on a phone
    assert page.locator(f"#{ID.COMMODITY}").is_visible()
    assert value_locations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-390.png"), full_page=True)


def drawn_fill(page, iso3: str) -> tuple[int, int, int]:
    """The colour Chromium drew a country in, from the value trace's path for it."""
    index = value_locations(page).index(iso3)
    fill = page.evaluate(
        """([map, i]) => { const g = document.querySelector(map + ' .js-plotly-plot');
           const k = g.data.findIndex(t => t.name === 'value');
           const trace = document.querySelectorAll(map + ' .choroplethlayer .trace')[k];
           return getComputedStyle(trace.querySelectorAll('path')[i]).fill; }""",
        [f"#{ID.MAP}", index])
    return tuple(int(part) for part in fill[fill.index("(") + 1:-1].split(",")[:3])


def test_a_rise_is_drawn_as_a_rise_and_a_fall_as_a_fall(open_page):
    """Percent change: plotly ignores zmid once zmin/zmax are set, so white once sat at
    +100% and a +9% rise was drawn in the colour of a -69% fall. Read the drawn colours."""
    page = open_page("/?commodity=28469015&period=2025-Q1&baseline=2024-Q1&change=percent"
                     "&perspective=mirror&partner=CHN").page
    drawn = set(value_locations(page))  # the table also lists areas; S19 is drawn as TWN
    rows = {DRAWN_AS.get(r["iso3"], r["iso3"]): r for r in grid_rows(page, ID.TABLE)
            if DRAWN_AS.get(r["iso3"], r["iso3"]) in drawn}
    rising = [c for c, r in rows.items() if r.get("percent") is not None and r["percent"] > 0]
    falling = [c for c, r in rows.items() if r.get("percent") is not None and r["percent"] < 0]
    assert rising and falling
    for code in rising:  # orange side: more red than blue
        red, _, blue = drawn_fill(page, code)
        assert red > blue, (code, rows[code]["percent"], (red, blue))
    for code in falling:  # purple side: more blue than red
        red, _, blue = drawn_fill(page, code)
        assert blue > red, (code, rows[code]["percent"], (red, blue))



def test_other_asia_nes_is_drawn_on_taiwan_in_a_scale_colour(open_page):
    """Partner 490 (Other Asia, nes) on Taiwan's shape: the colour Chromium drew there is a
    scale colour, not the land's "no rows" grey, and the hover says how it was published."""
    from dashboard.figures.style import NO_DATA_COLOUR

    page = open_page("/?commodity=284690&period=2024&perspective=mirror&partner=CHN").page
    assert "TWN" in value_locations(page)
    drawn = drawn_fill(page, "TWN")
    land = tuple(int(NO_DATA_COLOUR.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    assert sum(abs(a - b) for a, b in zip(drawn, land, strict=True)) > 60, drawn
    hover = page.evaluate(
        f"() => {{ const g = document.querySelector('#{ID.MAP} .js-plotly-plot');"
        " const t = g.data.find(d => d.name === 'value');"
        " return t.text[Array.from(t.locations).indexOf('TWN')]; }")
    assert "Other Asia, nes (in practice Taiwan)" in hover and "TWN's shape" in hover
