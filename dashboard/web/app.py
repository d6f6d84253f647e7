"""The app factory: one Dash app per settings and dataset, no module-level app."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from html import escape
from pathlib import Path

from dash import Dash

from dashboard.figures.style import graph_config, load_default_template
from dashboard.ingest.dataset import Dataset
from dashboard.ingest.limits import UPLOAD_LIMITS
from dashboard.settings import Settings
from dashboard.web import callbacks, first_view, guard, memory, precompressed, routes
from dashboard.web.context import Context, DataWatch
from dashboard.web.uploads import UploadStore
from dashboard.web.view_cache import make_cache

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def create_app(settings: Settings, data: Dataset) -> Dash:
    app = Dash(
        __name__,
        title="Rare-earth trade dashboard",
        assets_folder=str(ASSETS),
        **prefixes(settings),
        serve_locally=True,
        compress=True,
        update_title=None,
        # A tab's charts and the grids come into the page later (chart_blocks), so Dash
        # would need a validation layout: the whole page again in every page's HTML
        # (84 KB) and walked by its renderer on every load. tests/test_callback_ids.py
        # checks every callback's ids against the whole page instead.
        suppress_callback_exceptions=True,
    )
    limits = replace(UPLOAD_LIMITS, max_text_bytes=int(settings.upload_max_text_mb * 1e6))
    uploads = UploadStore(settings.upload_dir, int(settings.max_upload_mb * 1e6), data,
                          max_rows=settings.upload_max_rows, max_seconds=settings.upload_seconds,
                          max_age_hours=settings.upload_max_age_hours,
                          max_total_mb=settings.upload_max_total_mb, limits=limits)
    view_cache = make_cache(settings)
    app.server.extensions["view_cache"] = view_cache  # its size, for tests and benchmarks
    app.server.extensions["uploads"] = uploads  # its clock and folder, for tests
    context = Context(data, uploads, public_base=settings.base_path, cache=view_cache,
                      page_url=partial(routes.page_url_of_href, settings),
                      watch=DataWatch.of(settings))
    # Uploads arrive base64-encoded inside the callback request (4/3 of the file size).
    app.server.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1e6 * 1.4) + 1_000_000
    # Screen readers pick their voice and hyphenation from <html lang> (axe: html-has-lang).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    # Geometry is served from assets/topojson/, never from the plotly CDN.
    config = graph_config(app.get_asset_url("topojson/"))
    app.layout = first_view.page_layout(context, config, settings.max_upload_mb,
                                        settings.frame_ancestors)
    callbacks.register(app, context, config, settings.frame_ancestors)
    defer_grid_library(app)
    routes.Routes(app, context, settings, route_prefix(settings))
    static = ("assets/", "_dash-component-suites/", "embed-assets/")
    precompressed.register(app.server, [route_prefix(settings) + path for path in static],
                           precompressed.BrotliBodies(settings.cache_dir / "brotli"))
    guard.register(app, settings.debug)
    load_default_template()  # once, before gunicorn forks, not in a first page's request
    first_view.build_default_view(context)
    # A worker lives long: what start-up and each request freed goes back to the system.
    memory.release()
    memory.register(app.server)
    # Dash finishes its setup (which scripts /_dash-component-suites/ serves) on a process's
    # first request, and marks it done before doing it: meanwhile that process's other
    # threads answered the page's scripts with 404, and the page stayed "Loading..."
    # (benchmarks/dash_setup_race.py: 17 of 48 on fresh gunicorn workers). Done here, once,
    # so every server starts set up, and every worker forked after gunicorn's preload too.
    app.server.test_client().get(route_prefix(settings) + "healthz")
    return app


GRID_LIBRARY = re.compile(
    r'<script src="([^"]*/dash_ag_grid/dash_ag_grid\.[^"]*\.js)"></script>\n?')


def defer_grid_library(app: Dash) -> None:
    """The page names the grid library in a <meta name="grid-library"> instead of loading
    it: assets/grids.js loads it after the first charts are drawn (chart_blocks)."""
    interpolate = app.interpolate_index

    def without_grid_library(**parts: str) -> str:
        found = GRID_LIBRARY.search(parts["scripts"])
        if found:
            parts["scripts"] = GRID_LIBRARY.sub("", parts["scripts"], count=1)
            parts["metas"] += f'<meta name="grid-library" content="{escape(found[1])}">'
        return interpolate(**parts)

    # Dash's documented hook for the page's HTML, set on the instance
    app.interpolate_index = without_grid_library  # type: ignore[method-assign, assignment]


def prefixes(settings: Settings) -> dict[str, str]:
    """Dash's path settings for a base path behind a proxy that strips it or keeps it."""
    if settings.proxy_prefix == "strip":
        return {"requests_pathname_prefix": settings.base_path, "routes_pathname_prefix": "/"}
    return {"url_base_pathname": settings.base_path}


def route_prefix(settings: Settings) -> str:
    """Where Flask sees our routes: "/" when the proxy strips the base path."""
    return "/" if settings.proxy_prefix == "strip" else settings.base_path
