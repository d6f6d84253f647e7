"""Embeds settle: in a real cross-origin host page, every chart's iframe keeps one height.

The embed reports its content's natural height and host.js sets the frame to it. Had the
embed measured something that follows the frame (the document stretched to the iframe, a
chart sized in vh), the two would feed each other and the frame would grow to host.js's
4,000 px cap. The host page is served from a second local HTTP server on another port:
127.0.0.1 is allowed by the test server's frame-ancestors (tests/browser/conftest.py).
"""

from __future__ import annotations

import time

import pytest
from browser_helpers import SCREENSHOTS, PageServer, wait_until

from dashboard.web.ids import Chart

# Each chart on the default view, and with a bad parameter (the embed then shows a notice).
pytestmark = pytest.mark.browser

FRAMES = [(chart.value, notice) for chart in Chart for notice in (False, True)]
BAD_PARAMETER = "measure=litres"
MAX_HEIGHT = 2000  # px: every chart is far shorter; the runaway loop stopped at 4,000


def frame_id(chart: str, notice: bool) -> str:
    return f"frame-{chart}-{'notice' if notice else 'plain'}"


def briefing(app_url: str, with_host_script: bool = True) -> str:
    """The "intranet page": every chart's embed, plain and with a notice."""
    frames = "".join(
        f"<h2>{chart}{' (bad parameter)' if notice else ''}</h2>"
        f"<iframe id='{frame_id(chart, notice)}' title='{chart}' style='width:760px;"
        f"height:200px;border:1px solid #ccc' src='{app_url}/embed/{chart}"
        f"{'?' + BAD_PARAMETER if notice else ''}'></iframe>" for chart, notice in FRAMES)
    script = f"<script src='{app_url}/embed-assets/host.js'></script>"
    return ("<!doctype html><html lang='en'><head><title>Intranet page</title>"
            "<link rel='icon' href='data:,'></head><body><h1>Our briefing</h1>"
            f"{frames}{script if with_host_script else ''}</body></html>")


@pytest.fixture(scope="module")
def host(server_url):
    pages = PageServer()
    pages.pages["/briefing.html"] = briefing(server_url)
    pages.pages["/late.html"] = briefing(server_url, with_host_script=False)
    yield pages
    pages.close()


@pytest.fixture(scope="module")
def host_page(host):
    return host.url("/briefing.html")


def frame_heights(page) -> dict[str, float]:
    """Each iframe's drawn height (px), as the host page lays it out."""
    return page.evaluate(
        "() => Object.fromEntries(Array.from(document.querySelectorAll('iframe'))"
        ".map(f => [f.id, f.getBoundingClientRect().height]))")


def heights_after(page, seconds: float, start: float) -> dict[str, float]:
    # A deliberate wait, the one place these tests wait on time rather than a condition:
    # the claim is stability over time (the runaway loop added ~88 px every ~33 ms, so
    # 3 s is ~90 steps), and no condition says "it will not grow any more".
    while time.monotonic() < start + seconds:
        page.wait_for_timeout(100)
    return frame_heights(page)


def test_every_embed_height_settles_in_a_cross_origin_host(browser, server_url, host_page):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(host_page)
        frames = {frame_id(c, n): page.frame_locator(f"#{frame_id(c, n)}") for c, n in FRAMES}
        for frame in frames.values():
            frame.locator("body[data-rendered=true]").wait_for(timeout=60_000)
        # host.js has sized every frame from the embed's report (it starts at 200 px).
        wait_until(page, "Array.from(document.querySelectorAll('iframe'))"
                         ".every(f => f.style.height && f.style.height !== '200px')",
                   timeout=60)
        start = time.monotonic()
        at_3s = heights_after(page, 3, start)
        at_6s = heights_after(page, 6, start)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "embed-host-page.png"), full_page=True)
        for chart, notice in FRAMES:
            if notice:
                assert frames[frame_id(chart, notice)].locator(".notice").count() == 1, chart
                assert "litres" in frames[frame_id(chart, notice)].locator(
                    ".notice").inner_text(), chart
        # What the frame shows fits it: the content's bottom is inside the frame, not cut.
        clipped = {name: (bottom, at_6s[name]) for name, frame in frames.items()
                   if (bottom := frame.locator("#embed-content").evaluate(
                       "e => e.getBoundingClientRect().bottom")) > at_6s[name] + 1}
    finally:
        context.close()
    drifted = {name: (at_3s[name], at_6s[name]) for name in at_3s if at_3s[name] != at_6s[name]}
    assert drifted == {}
    too_tall = {name: height for name, height in at_6s.items() if height >= MAX_HEIGHT}
    assert too_tall == {}
    assert clipped == {}
    # A notice adds its own height to the frame, once (not once per report).
    for chart in Chart:
        plain, noticed = (at_6s[frame_id(chart.value, n)] for n in (False, True))
        assert 10 < noticed - plain < 120, (chart.value, plain, noticed)
    assert errors == []


def test_host_script_loaded_after_the_frames_drew_still_sizes_them(browser, server_url, host):
    """A frame that drew before host.js ran had reported its height to nobody, and the
    frame stayed 200 px: host.js now asks every frame again when it starts."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.goto(host.url("/late.html"))
        for chart, notice in FRAMES[:4]:
            page.frame_locator(f"#{frame_id(chart, notice)}").locator(
                "body[data-rendered=true]").wait_for(timeout=60_000)
        # drawn, its height reported, and nobody listening
        assert page.evaluate("document.getElementById('frame-map-plain').style.height") == (
            "200px")
        page.add_script_tag(url=f"{server_url}/embed-assets/host.js")
        wait_until(page, "['frame-map-plain', 'frame-map-notice', 'frame-surges-plain']"
                         ".every(id => document.getElementById(id).style.height !== '200px')",
                   timeout=60)
    finally:
        context.close()
