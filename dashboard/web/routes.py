"""Plain HTTP routes beside the Dash page: export, embed, their assets, health; headers.

Every error from these routes has one JSON shape, {"error": {"status", "title", "detail"}},
and never a traceback. Exports and embeds carry an ETag and Cache-Control, so an intranet
proxy can serve a popular embedded chart without the app recomputing it.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import plotly.io as pio
from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import HTTPException

from dashboard import __version__
from dashboard.figures.style import graph_config
from dashboard.settings import Settings
from dashboard.web import exports
from dashboard.web.cache import cached
from dashboard.web.ids import Chart
from dashboard.web.methods import methods_page

STATIC = Path(__file__).resolve().parent / "static"
# The page's plotly.js: only the trace types the figures draw (frontend/plotly-partial),
# 1.6 MB instead of the full 4.8 MB bundle. Embeds load the same file.
PLOTLY_BUNDLE = Path(__file__).resolve().parents[2] / "assets" / "plotly" / "plotly-partial.min.js"
EMBED_ASSETS = {"embed.js": "application/javascript", "host.js": "application/javascript",
                "embed.css": "text/css"}
CACHE_SECONDS = 300


def error_response(status: int, title: str, detail: str) -> Response:
    body = {"error": {"status": status, "title": title, "detail": detail}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


class Routes:
    """Registers the routes on `app.server`; `prefix` is where Flask sees them."""

    def __init__(self, app: Dash, context, settings: Settings, prefix: str):
        self.app, self.context, self.settings, self.prefix = app, context, settings, prefix
        self.public = settings.base_path  # where browsers see the app
        server = app.server
        server.add_url_rule(f"{prefix}export/<name>.<fmt>", "export", self.export)
        server.add_url_rule(f"{prefix}embed/<name>", "embed", self.embed)
        server.add_url_rule(f"{prefix}embed-assets/<asset>", "embed_asset", self.embed_asset)
        server.add_url_rule(f"{prefix}healthz", "healthz", self.health)
        server.add_url_rule(f"{prefix}methods", "methods", self.methods)
        server.register_error_handler(HTTPException, self.http_error)
        server.register_error_handler(DependencyException, self.unknown_script)
        server.register_error_handler(Exception, self.unexpected_error)
        server.after_request(self.security_headers)

    # -- routes ---------------------------------------------------------------------------

    def export(self, name: str, fmt: str) -> Response:
        try:
            chart = exports.chart_of(name, fmt)
            _, _, token = exports.split_query(request.query_string.decode("utf-8", "replace"))
            bundle = self.context.bundle(token)
            query = request.query_string.decode("utf-8", "replace")  # bots send any bytes
            tag = exports.etag(__version__, name, fmt, query,
                               bundle.fingerprint)
            if tag in request.if_none_match:
                return self._cached(Response(status=304), tag, token)
            file = cached(self.context.cache, f"export:{tag}:{self.page_url()}",
                          lambda: exports.export_chart(
                              bundle, chart, fmt, query,
                              self.page_url(), self.topojson_url()))
        except exports.ExportError as error:
            return error_response(error.status, "Cannot export", str(error))
        response = Response(file.content, mimetype=file.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return self._cached(response, tag, token)

    def embed(self, name: str) -> Response:
        query = _without_image_size(request.query_string.decode("utf-8", "replace"))
        try:
            chart = Chart(name)
        except ValueError:
            known = ", ".join(c.value for c in Chart)
            page = self.embed_page(name, None, [f"There is no chart named {name!r}. Charts: "
                                                f"{known}."])
            return Response(page, status=404, mimetype="text/html")
        view_query, _, token = exports.split_query(query)
        bundle = self.context.bundle(token)
        tag = exports.etag(__version__, "embed", name, query, bundle.fingerprint)
        if tag in request.if_none_match:
            return self._cached(Response(status=304), tag, token)
        # Unnamed parameters take the chart's own tab defaults: /embed/gauges alone shows
        # Korea's reported metals imports, not the map's mirror-only line (100% China).
        state, notices = exports.chart_view_state(bundle, chart, view_query)
        view_url = f"{self.page_url()}{state.to_query()}"
        from dashboard.web import charts

        view = charts.render(chart, state, bundle.data, bundle.catalogue, view_url)
        page = self.embed_page(chart.value, view, notices)
        return self._cached(Response(page, mimetype="text/html"), tag, token)

    def embed_asset(self, asset: str) -> Response:
        if asset == "plotly.min.js":
            response = Response(_plotly_bundle(), mimetype="application/javascript")
        elif asset in EMBED_ASSETS:
            response = Response((STATIC / asset).read_text(encoding="utf-8"),
                                mimetype=EMBED_ASSETS[asset])
        else:
            return error_response(404, "Not found", f"no embed asset named {asset!r}")
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    def methods(self) -> Response:
        response = Response(methods_page(self.public), mimetype="text/html")
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response

    def health(self) -> Response:
        return Response(json.dumps({"status": "ok", "version": __version__}),
                        mimetype="application/json")

    # -- pieces ---------------------------------------------------------------------------

    def page_url(self) -> str:
        return f"{request.host_url.rstrip('/')}{self.public}"

    def topojson_url(self) -> str:
        return f"{self.public}assets/topojson/"

    def embed_page(self, name: str, view, notices: list[str]) -> str:
        """The chart alone; #embed-content (notices and chart) is what embed.js measures."""
        notice = "".join(f"<p class='notice'>{html.escape(n)}</p>" for n in notices)
        body = "<div id='chart'></div>" if view is not None else ""
        scripts = ""
        if view is not None:
            config = graph_config(self.topojson_url(), filename=f"rare-earth-{name}")
            config["displaylogo"] = False
            scripts = (f"<script type='application/json' id='figure'>"
                       f"{_script_json(pio.to_json(view.figure))}</script>"
                       f"<script type='application/json' id='config'>"
                       f"{_script_json(json.dumps(config))}</script>"
                       f"<script src='{self.public}embed-assets/plotly.min.js'></script>"
                       f"<script src='{self.public}embed-assets/embed.js'></script>")
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
                f"<title>Rare-earth trade: {html.escape(name)}</title>"
                f"<link rel='stylesheet' href='{self.public}embed-assets/embed.css'></head>"
                f"<body data-chart='{html.escape(name)}'><div id='embed-content'>{notice}{body}"
                f"</div>{scripts}</body></html>")

    def _cached(self, response: Response, tag: str, token: str | None) -> Response:
        response.set_etag(tag)
        scope = "private" if token else "public"
        response.headers["Cache-Control"] = f"{scope}, max-age={CACHE_SECONDS}"
        return response

    def http_error(self, error: HTTPException) -> Response:
        return error_response(error.code or 500, error.name, error.description or "")

    def unknown_script(self, error: Exception) -> Response:
        return error_response(404, "Not found", "no such script is served by this app")

    def unexpected_error(self, error: Exception) -> Response:
        self.app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, "Internal error",
                              "the server could not answer this request; it has been logged")

    def security_headers(self, response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", self.csp())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if self.settings.frame_ancestors == ("'self'",):
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    def csp(self) -> str:
        if not hasattr(self, "_csp"):
            hashes = " ".join(self.app.csp_hashes())  # already quoted: 'sha256-...'
            ancestors = " ".join(self.settings.frame_ancestors) or "'none'"
            self._csp = (f"default-src 'self'; script-src 'self' {hashes}; "
                         "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                         "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                         f"base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
        return self._csp


@functools.cache
def _plotly_bundle() -> bytes:
    return PLOTLY_BUNDLE.read_bytes()


def _without_image_size(query: str) -> str:
    """An embed's query minus export-only width/height/scale: the frame sets the size.

    Left in, a bad value (width=abc) made split_query fail and the embed answer
    "no chart named 'map'" with a 404.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(key, value) for key, value in pairs if key not in exports.IMAGE_PARAMS])


def _script_json(text: str) -> str:
    """JSON inside <script>: no "</script>" or "<!--" can end or open anything."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


