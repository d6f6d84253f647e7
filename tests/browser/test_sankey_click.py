"""A click on a Sankey node focuses that country: the URL's `focus` parameter changes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from browser_helpers import wait_until

from dashboard.web.ids import Chart, graph_id

pytestmark = pytest.mark.browser


def focus_of(url: str) -> str:
    return parse_qs(urlparse(url).query).get("focus", [""])[0]


def test_clicking_a_sankey_node_focuses_its_country(open_page):
    watch = open_page("/?tab=flows&focus=KOR", chart="sankey")
    page = watch.page
    nodes = page.evaluate(
        f"() => Array.from(document.querySelectorAll('#{graph_id(Chart.SANKEY)} .sankey-node'))"
        ".map((n, i) => ({i, code: n.__data__.node.customdata}))")
    target = next(n for n in nodes if n["code"] not in ("KOR", "CHN")
                  and not n["code"].startswith("_"))
    assert focus_of(page.url) == "KOR"
    page.locator(f"#{graph_id(Chart.SANKEY)} .sankey-node .node-rect").nth(target["i"]).click()
    wait_until(page, "(code) => new URL(location.href).searchParams.get('focus') === code",
               target["code"])
    assert focus_of(page.url) == target["code"]
