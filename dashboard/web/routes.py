"""Plain HTTP routes beside the Dash page: export, embed, their assets, health; headers.

Every error from these routes has one JSON shape, {"error": {"status", "title", "detail"}},
and never a traceback. Exports and embeds carry an ETag and Cache-Control, so an intranet
proxy can serve a popular embedded chart without the app recomputing it.
"""

from __future__ import annotations

import functools
import html
import json
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import plotly.io as pio
from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import HTTPException

from dashboard import __version__, chart_files
from dashboard.figures.style import graph_config
from dashboard.settings import Settings
from dashboard.web import exports
from dashboard.web.ids import Chart
from dashboard.web.links import view_link
from dashboard.web.methods import methods_page
from dashboard.web.view_cache import TEXT, cached, key

STATIC = Path(__file__).resolve().parent / "static"
# The page's plotly.js: only the trace types the figures draw (frontend/plotly-partial),
# 1.6 MB instead of the full 4.8 MB bundle. Embeds load the same file.
PLOTLY_BUNDLE = Path(__file__).resolve().parents[2] / "assets" / "plotly" / "plotly-partial.min.js"
EMBED_ASSETS = {"embed.js": "application/javascript", "host.js": "application/javascript",
                "embed.css": "text/css"}
CACHE_SECONDS = 300
VERSIONED_SECONDS = 365 * 24 * 3600  # an asset URL with Dash's ?m=<mtime> changes with it
RETRY_AFTER_SECONDS = 10  # said to a client refused because images are busy


def error_response(status: int, title: str, detail: str) -> Response:
    body = {"error": {"status": status, "title": title, "detail": detail}}
    # Markup from the URL (an unknown chart's name) stays inert even to a sniffing client.
    return Response(chart_files.script_safe_json(json.dumps(body)), status=status,
                    mimetype="application/json")


class Routes:
    """Registers the routes on `app.server`; `prefix` is where Flask sees them."""

    def __init__(self, app: Dash, context, settings: Settings, prefix: str):
        self.app, self.context, self.settings, self.prefix = app, context, settings, prefix
        self.public = settings.base_path  # where browsers see the app
        # Chromium draws one image at a time per worker; this bounds those waiting for it.
        self._image_places = threading.BoundedSemaphore(max(1, settings.image_renders))
        server = app.server
        server.add_url_rule(f"{prefix}export/<name>.<fmt>", "export", self.export)
        server.add_url_rule(f"{prefix}embed/<name>", "embed", self.embed)
        server.add_url_rule(f"{prefix}embed-assets/<asset>", "embed_asset", self.embed_asset)
        server.add_url_rule(f"{prefix}healthz", "healthz", self.health)
        server.add_url_rule(f"{prefix}methods", "methods", self.methods)
        # Browsers ask for /favicon.ico on pages without an icon link (embeds, /methods):
        # no content, rather than a 404 in every embedding page's console.
        server.add_url_rule(f"{prefix}favicon.ico", "favicon", lambda: Response(status=204))
        if prefix != "/":
            server.add_url_rule("/favicon.ico", "root_favicon", lambda: Response(status=204))
        server.register_error_handler(HTTPException, self.http_error)
        server.register_error_handler(DependencyException, self.unknown_script)
        server.register_error_handler(Exception, self.unexpected_error)
        server.after_request(self.security_headers)

    # -- routes ---------------------------------------------------------------------------

    def export(self, name: str, fmt: str) -> Response:
        query = request.query_string.decode("utf-8", "replace")  # bots send any bytes
        try:
            chart = exports.chart_of(name, fmt)
            view_query, sizes, token = exports.split_query(query)
            bundle = self.context.bundle(token)
            if bundle.gone:  # an expired or damaged upload: never its view on the demo data
                return error_response(410, "Upload gone", bundle.gone)
            state = exports.export_state(bundle, chart, view_query)
            if fmt in chart_files.IMAGE_FORMATS:
                exports.image_size(sizes, self.settings.image_megapixels)
            link = self.page_url()
            # Only what is drawn: the canonical view, the size used, the link, the data.
            tag = exports.etag(__version__, str(chart), fmt, state.to_query(),
                               exports.size_key(fmt, sizes), link, bundle.fingerprint)
            if tag in request.if_none_match:
                return self._cached(Response(status=304), tag, token)
            file = cached(self.context.cache, key("export", tag),
                          lambda: self._render(bundle, chart, fmt, state, sizes, link),
                          codec=exports.FILE_CODEC)
        except exports.ExportError as error:
            response = error_response(error.status, "Cannot export", str(error))
            if error.status == 503:
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        response = Response(file.content, mimetype=file.mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
        return self._cached(response, tag, token)

    def _render(self, bundle, chart, fmt: str, state, sizes, link: str):
        """One export drawn; images wait for one of `image_renders` places, or a 503."""
        draw = functools.partial(exports.render_export, bundle, chart, fmt, state, sizes,
                                 link, self.topojson_url(), self.settings.image_megapixels)
        if fmt not in chart_files.IMAGE_FORMATS:
            return draw()
        if not self._image_places.acquire(timeout=self.settings.image_wait_s):
            raise exports.ExportError(503, "too many images are being drawn; try again shortly")
        try:
            return draw()
        finally:
            self._image_places.release()

    def embed(self, name: str) -> Response:
        try:
            chart = Chart(name)
        except ValueError:
            known = ", ".join(c.value for c in Chart)
            return error_response(404, "Not found", f"no chart named {name!r}; charts: {known}")
        raw = request.query_string.decode("utf-8", "replace")  # bots send any bytes
        # embed.js asks for fit=narrow in a frame as narrow as a phone's page.
        narrow = (EMBED_FIT, NARROW_FIT) in parse_qsl(raw)
        query = _without_image_size(raw)
        view_query, _, token = exports.split_query(query)
        bundle = self.context.bundle(token)
        if bundle.gone:  # an expired or damaged upload: never its view on the demo data
            return error_response(410, "Upload gone", bundle.gone)
        # Unnamed parameters take the chart's own tab defaults: /embed/gauges alone shows
        # Korea's reported metals imports, not the map's mirror-only line (100% China).
        state, notices = exports.chart_view_state(bundle, chart, view_query)
        link = self.page_url()
        fit = NARROW_FIT if narrow else ""
        tag = exports.etag(__version__, "embed", name, state.to_query(), link,
                           bundle.fingerprint, fit, *notices)
        if tag in request.if_none_match:
            return self._cached(Response(status=304), tag, token)
        # The figure is cached by the canonical view; notices (the link's own words) are not.
        figure = cached(self.context.cache,
                        key("embed", name, state.to_query(), link, bundle.fingerprint, fit),
                        lambda: self._embed_figure(chart, state, bundle, link, narrow),
                        codec=TEXT)
        page = self.embed_page(chart.value, figure, notices)
        return self._cached(Response(page, mimetype="text/html"), tag, token)

    def _embed_figure(self, chart: Chart, state, bundle, link: str, narrow: bool = False
                      ) -> str:
        from dashboard.web import charts

        view_url = view_link(link, state, uploaded=bundle.uploaded)
        view = charts.render(chart, state, bundle.data, bundle.catalogue, view_url, narrow)
        return pio.to_json(view.figure)

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
        """Where the view link drawn into exports and embeds points: the configured public
        URL, else this request's host when it is an allowed one, else "" (no link): a
        forged Host header must not put its address into a file or a shared cache."""
        return page_url(self.settings, request.scheme, request.host)

    def topojson_url(self) -> str:
        return f"{self.public}assets/topojson/"

    def embed_page(self, name: str, figure_json: str | None, notices: list[str]) -> str:
        """The chart alone; #embed-content (notices and chart) is what embed.js measures."""
        notice = "".join(f"<p class='notice'>{html.escape(n)}</p>" for n in notices)
        body = "<div id='chart'></div>" if figure_json is not None else ""
        scripts = ""
        if figure_json is not None:
            config = graph_config(self.topojson_url(), filename=f"rare-earth-{name}")
            config["displaylogo"] = False
            scripts = (f"<script type='application/json' id='figure'>"
                       f"{chart_files.script_safe_json(figure_json)}</script>"
                       f"<script type='application/json' id='config'>"
                       f"{chart_files.script_safe_json(json.dumps(config))}</script>"
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
        if response.status_code == 200 and self.versioned_asset():
            # Dash serves assets "no-cache": a repeat visit asked again for each script.
            headers["Cache-Control"] = f"public, max-age={VERSIONED_SECONDS}, immutable"
        if self.settings.frame_ancestors == ("'self'",):
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    def versioned_asset(self) -> bool:
        """A file under assets/ asked for by the URL the page names it by (with ?m=)."""
        return request.path.startswith(f"{self.prefix}assets/") and "m" in request.args

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


EMBED_FIT, NARROW_FIT = "fit", "narrow"  # /embed/map?...&fit=narrow: drawn for a phone


def _without_image_size(query: str) -> str:
    """An embed's query minus export-only width/height/scale (the frame sets the size) and
    the frame's fit (not part of the view).

    Left in, a bad value (width=abc) made split_query fail and the embed answer
    "no chart named 'map'" with a 404.
    """
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(key, value) for key, value in pairs
                      if key not in exports.IMAGE_PARAMS and key != EMBED_FIT])


def page_url(settings: Settings, scheme: str, host: str) -> str:
    """The page's public address for view links ("" when the host is not trusted).

    >>> page_url(Settings(allowed_hosts=("example.org",)), "https", "example.org:8443")
    'https://example.org:8443/'
    >>> page_url(Settings(allowed_hosts=("example.org",)), "http", "evil.test")
    ''
    """
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/"
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if host in settings.allowed_hosts or hostname in settings.allowed_hosts:
        return f"{scheme}://{host}{settings.base_path}"
    return ""


def page_url_of_href(settings: Settings, href: str | None) -> str:
    """page_url for the page's own callbacks, from the address the browser reports (any
    text a client sends: only its scheme and host are read, and checked like a Host).

    >>> page_url_of_href(Settings(), "http://localhost:8050/?period=2024#x")
    'http://localhost:8050/'
    >>> page_url_of_href(Settings(), "https://evil.example/anything")
    ''
    """
    if settings.public_url:
        return page_url(settings, "", "")
    parts = urlsplit(href if isinstance(href, str) else "")
    if parts.scheme not in ("http", "https") or "@" in parts.netloc:
        return ""
    return page_url(settings, parts.scheme, parts.netloc)


