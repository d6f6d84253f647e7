"""The page's first layout holds the view it opens on, drawn: no callback round trip
before the map (or the tab a link opens) is drawn.

Dash asks for the layout with a fetch from the page, so this request's Referer is the
page's address (Referrer-Policy: same-origin; routes.security_headers) and its query is
the view; the width the figures are drawn for comes from a cookie that assets/viewport.js
writes before that fetch. Without either, the layout is the plain page and the render
callbacks draw it, as they do for every later change. The viewport store carries the view the
layout drew ({"fit": "wide", "search": "?period=2024", "token": None, "first": True});
assets/viewport.js leaves it as is while the page shows that view, so no render callback
runs on mounting, and the URL sync leaves the controls (already set) alone while "first"
is there (callbacks.first_layout_holds). Only the opened tab's charts are built
(chart_blocks.tab_charts).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from dash.development.base_component import Component
from flask import has_request_context, request

from dashboard.web import charts, layout, tab_callbacks
from dashboard.web.context import Context
from dashboard.web.ids import charts_box_id, charts_on

FIT_COOKIE = "viewport-fit"  # assets/viewport.js writes it
FITS = ("wide", tab_callbacks.NARROW)


def page_layout(context: Context, graph_config: dict, max_upload_mb: float,
                frame_ancestors: tuple[str, ...]) -> Callable[[], Component]:
    """Dash's layout function: the page for the view this request's page opens on."""

    def first_page() -> Component:
        query = page_query()
        bundle, state, _ = context.view(query, None)
        fit = request_fit()
        drawn = ({"fit": fit, "search": query, "token": None, "first": True}
                 if fit else None)
        tree = layout.page(bundle.data, bundle.catalogue, state, graph_config, max_upload_mb,
                           frame_ancestors, viewport=drawn)
        if fit is not None:
            opened = state.tab
            box, texts = tab_callbacks.drawn_tab_charts(context, opened, state, bundle,
                                                        request.referrer, drawn, graph_config,
                                                        frame_ancestors)
            tree[charts_box_id(opened)].children = box.children
            for component, text in zip(charts.TAB_TEXT_OUTPUTS.get(opened, []), texts):
                tree[component].children = text
        return tree

    return first_page


def page_query() -> str:
    """The page's query ("?period=2024"), "" when it has none or is not known."""
    if not has_request_context() or not request.referrer:
        return ""
    query = urlsplit(request.referrer).query
    return f"?{query}" if query else ""


def request_fit() -> str | None:
    """The width the page draws for, when both it and the page's address are known."""
    if not has_request_context() or not request.referrer:
        return None
    fit = request.cookies.get(FIT_COOKIE)
    return fit if fit in FITS else None


def build_default_view(context: Context) -> None:
    """Build what the default view's charts keep (a selection's indexes: ~100 ms at 5M rows
    for the map), once per process at start, before gunicorn forks: every visitor opens this
    view first, and the first one would wait for it."""
    bundle = context.embedded
    for chart in charts_on(bundle.defaults.tab):
        charts.render(chart, bundle.defaults, bundle.data, bundle.catalogue, "", False)
