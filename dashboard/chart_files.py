"""A view's figure and rows as files: PNG / SVG, standalone HTML, CSV with provenance.

Pure: figures and frames in, bytes or text out. Never imports dash or flask, so the CLI,
a route or a test can call it alike.

Images come from one long-lived headless Chromium per process (kaleido's sync server,
started lazily on the first render): starting Chrome per image costs seconds. Start it
in each worker after a fork (gunicorn --preload), never before: the server is a thread.
"""

from __future__ import annotations

import base64
import csv
import gzip
import html
import io
import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

TOPOJSON_DIR = Path(__file__).resolve().parents[1] / "assets" / "topojson"
IMAGE_FORMATS = ("png", "svg")
MAX_SIDE_PX = 4000  # layout pixels; bounds the work a request can ask of Chromium
MAX_SCALE = 4
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class ImageExportError(RuntimeError):
    """Chromium could not draw the image (a route answers 503, not a traceback)."""


class ImageExportUnavailable(ImageExportError):
    """No Chromium to render with: install Debian's chromium or set BROWSER_PATH."""


# ---------------------------------------------------------------------------------------
# PNG / SVG through kaleido

_lock = threading.Lock()
_server_running = False


def find_browser() -> str | None:
    """Chromium to render with: $BROWSER_PATH if it names a file, else the first on PATH."""
    configured = os.environ.get("BROWSER_PATH", "")
    if configured and Path(configured).is_file():
        return configured
    return next((found for name in BROWSER_NAMES if (found := shutil.which(name))), None)


def topojson_url(folder: Path = TOPOJSON_DIR) -> str:
    """file:// URL of the geometry folder; plotly.js appends "world_50m.json" to it."""
    return folder.resolve().as_uri() + "/"


def start_image_server(browser_path: str | None = None) -> None:
    """Start the shared Chromium now (e.g. at app start) instead of on the first image."""
    with _lock:
        _start_locked(browser_path)


class _OneLineTaskErrors(logging.Filter):
    """asyncio's "Task exception was never retrieved" as one line, without a traceback.

    When Chromium dies, kaleido leaves tasks that failed; asyncio logs each from the task's
    finalizer, which can run in the middle of any `ast.parse` (garbage collection). On
    CPython 3.11, formatting a traceback there parses source too, and the nested parse makes
    the outer one fail with "AST constructor recursion depth mismatch".
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and "never retrieved" in str(record.msg):
            record.msg = f"{record.msg} ({record.exc_info[1]!r})"
            record.exc_info = None
        return True


_task_error_filter = _OneLineTaskErrors()


def _start_locked(browser_path: str | None) -> None:
    global _server_running
    if _server_running:
        return
    logging.getLogger("asyncio").addFilter(_task_error_filter)  # once: filters are a set
    import kaleido  # imported on first use: CSV and HTML exports never need it
    import plotly.io as pio

    browser = browser_path or find_browser()
    if not browser:
        raise ImageExportUnavailable(
            "No Chromium found for image export: install Debian's `chromium` package "
            "or set BROWSER_PATH to a Chrome/Chromium executable.")
    # Maps: geometry from the committed folder; the CDN default is unreachable offline
    # and plotly would fail with "could not fetch topojson". Set for plotly.io users too.
    pio.defaults.topojson = topojson_url()
    kaleido.start_sync_server(mathjax=False, path=browser, silence_warnings=True)
    _server_running = True


def to_image(fig: go.Figure, fmt: str = "png", width: int = 1200, height: int = 700,
             scale: float = 1) -> bytes:
    """PNG or SVG bytes of a figure, drawn by the shared headless Chromium.

    The output is width*scale by height*scale pixels. Thread-safe: kaleido's server
    answers one request at a time through shared queues, so calls are serialised.
    """
    _check_image_request(fmt, width, height, scale)
    import kaleido

    # Straight to kaleido: plotly.io.to_image would pass its default request headers
    # as "kopts", which the server ignores with a warning on every call.
    figure = fig.to_dict() if isinstance(fig, go.Figure) else go.Figure(fig).to_dict()
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    with _lock:
        _start_locked(None)
        try:
            return kaleido.calc_fig_sync(figure, opts=opts, topojson=topojson_url())
        except Exception as error:
            # After a failure (seen when Chromium died) kaleido's server waits forever for
            # a tab it never got back, so the next call would hang holding this lock.
            # A fresh Chromium on the next call costs ~3 s once; a hang costs the worker.
            _stop_locked()
            raise ImageExportError(f"image export failed: {error!r}") from error


def shutdown() -> None:
    """Stop the shared Chromium; the next image starts it again."""
    with _lock:
        _stop_locked()


def _stop_locked() -> None:
    global _server_running
    if _server_running:
        import kaleido

        kaleido.stop_sync_server(silence_warnings=True)
        _server_running = False


def _check_image_request(fmt: str, width: int, height: int, scale: float) -> None:
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {IMAGE_FORMATS}, not {fmt!r}")
    for name, side in (("width", width), ("height", height)):
        if not isinstance(side, int) or not 50 <= side <= MAX_SIDE_PX:
            raise ValueError(f"{name} must be an integer from 50 to {MAX_SIDE_PX}")
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be above 0 and at most {MAX_SCALE}")


# ---------------------------------------------------------------------------------------
# Standalone HTML

GEO_TRACE_TYPES = frozenset({"choropleth", "scattergeo"})
FORCED_CONFIG = {"showSendToCloud": False, "displaylogo": False, "responsive": True,
                 "displayModeBar": True}
# The page's own partial bundle (choropleth, bar, scatter, sankey, indicator): 1.6 MB
# against 4.8 MB for plotly's full one; every figure the app exports uses only these.
PLOTLY_BUNDLE = Path(__file__).resolve().parents[1] / "assets" / "plotly" / "plotly-partial.min.js"
TOOLBAR_PX = 34  # a strip above the chart for the toolbar, so it covers no caption

# Scripts and geometry travel gzipped and base64-encoded (1.6 MB + 0.84 MB -> 0.71 MB +
# 0.42 MB, so a map file stays under 2 MB) and are unpacked by the browser's own
# DecompressionStream: nothing is fetched, so the file opens from file:// offline.
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ margin: 0; background: white; }}
#chart {{ width: 100%; height: calc(100vh - {bar}px); min-height: {height}px;
          margin-top: {bar}px; }}
#chart .modebar-container {{ top: -{bar}px !important; }}
#loading {{ font: 14px system-ui, sans-serif; padding: 1em; }}
</style>
</head>
<body>
<div id="chart"><p id="loading">Drawing the chart... (this needs a browser from 2023 or
later, with JavaScript on)</p></div>
<script type="application/octet-stream" id="plotly-gz">{bundle}</script>
<script type="application/octet-stream" id="geometry-gz">{geometry}</script>
<script type="application/json" id="figure">{figure}</script>
<script type="application/json" id="config">{config}</script>
<script>
(async () => {{
  async function unpack(id) {{
    const text = document.getElementById(id).textContent.trim();
    if (!text) return "";
    const bytes = Uint8Array.from(atob(text), c => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return await new Response(stream).text();
  }}
  const plotly = document.createElement("script");
  plotly.textContent = await unpack("plotly-gz");
  document.head.appendChild(plotly);
  const geometry = await unpack("geometry-gz");
  if (geometry) window.PlotlyGeoAssets = {{topojson: JSON.parse(geometry)}};
  const figure = JSON.parse(document.getElementById("figure").textContent);
  const config = JSON.parse(document.getElementById("config").textContent);
  const chart = document.getElementById("chart");
  chart.textContent = "";
  await Plotly.newPlot(chart, figure.data, figure.layout, config);
}})();
</script>
</body>
</html>
"""


def standalone_html(fig: go.Figure, title: str, config: Mapping | None = None) -> str:
    """One self-contained, interactive HTML file: plotly.js and map geometry inlined.

    Opens from file:// with no network request. plotly.js looks in
    `window.PlotlyGeoAssets.topojson` before fetching `<topojsonURL>/world_50m.json`, so
    the geometry the figure needs is put there before the chart is drawn. The chart
    fills its window (responsive, autosized) but never gets shorter than the figure's
    own height; the toolbar sits in its own strip above it, off the synthetic badge.
    """
    spec = json.loads(fig.to_json())
    layout = spec.setdefault("layout", {})
    height = int(layout.pop("height", None) or 450)
    layout.pop("width", None)
    layout["autosize"] = True
    names = sorted(required_topojson(fig))
    geometry = ("{" + ",".join(f"{json.dumps(name)}:{_geometry_json(name)}" for name in names)
                + "}") if names else ""
    return _PAGE.format(
        title=html.escape(title), bar=TOOLBAR_PX, height=height,
        bundle=_packed_bundle(), geometry=_packed(geometry) if geometry else "",
        figure=script_safe_json(json.dumps(spec)),
        config=script_safe_json(json.dumps(_offline_config(config or {}))))


@lru_cache(maxsize=1)
def _packed_bundle() -> str:
    return _packed(PLOTLY_BUNDLE.read_text(encoding="utf-8"))


def _packed(text: str) -> str:
    # mtime=0: the same figure gives the same bytes
    return base64.b64encode(gzip.compress(text.encode("utf-8"), 9, mtime=0)).decode("ascii")


def script_safe_json(text: str) -> str:
    """JSON inside a <script> element: no "</script>" or "<!--" can end or open anything
    ("<", ">" and "&" escaped inside strings, and the two line separators old parsers
    took for line ends)."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def required_topojson(fig: go.Figure) -> set[str]:
    """Names of the geometry files the figure's maps load, e.g. {"world_50m"}."""
    layout = fig.layout.to_plotly_json()
    names = set()
    for trace in fig.data:
        if trace.type in GEO_TRACE_TYPES:
            geo = layout.get(trace.geo or "geo") or {}
            names.add(f"{geo.get('scope') or 'world'}_{int(geo.get('resolution') or 110)}m")
    return names


def _offline_config(config: Mapping) -> dict:
    # The geometry is inlined, so a server-relative topojsonURL means nothing in a file.
    # plotly writes the config into a <script> with plain json.dumps (no escaping), so
    # no string in it may contain "<" or ">" (they could close the script tag).
    cleaned = {key: value for key, value in config.items() if key != "topojsonURL"}
    return _strip_angle_brackets({**cleaned, **FORCED_CONFIG})


def _strip_angle_brackets(value):
    if isinstance(value, str):
        return value.replace("<", "").replace(">", "")
    if isinstance(value, Mapping):
        return {key: _strip_angle_brackets(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_angle_brackets(item) for item in value]
    return value


@lru_cache(maxsize=4)
def _geometry_json(name: str) -> str:
    """Geometry file as JSON text that cannot end its <script> (all "<" escaped)."""
    path = TOPOJSON_DIR / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"no local map geometry {name!r} in {TOPOJSON_DIR}: the map "
                         "would be blank offline (only world scope is committed)")
    text = path.read_text(encoding="utf-8")
    json.loads(text)  # fail here, not as a blank map in someone's browser
    # "<" only occurs inside JSON strings, where \u003c means the same character.
    return (text.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---------------------------------------------------------------------------------------
# CSV of the rows shown, with a provenance header

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]+")
_SEPARATOR = re.compile(r"([,;])")  # comma, and semicolon for locales that split on it


def neutralise_cell(value):
    """Text a spreadsheet would run as a formula gets a leading "'"; all else is unchanged.

    Only text is neutralised: a number (-3.5) is written as a number and stays one, so a
    reader can still add up the column. Text that looks like a number ("-3.5" as str) is
    neutralised, because the file cannot tell it apart from "-3+cmd|..." by dtype.

    >>> [neutralise_cell(v) for v in ("=1+1", "-2", "Japan", -2.5, None)]
    ["'=1+1", "'-2", 'Japan', -2.5, None]
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def make_header(*, source: str, units: str, filters: str, view_url: str, synthetic: bool,
                generated: datetime | None = None) -> dict[str, str]:
    """The provenance header every CSV export carries, in a fixed order."""
    when = (generated or datetime.now(UTC)).isoformat(timespec="seconds")
    return {"source": source, "units": units, "filters": filters, "view_url": view_url,
            "generated": when, "synthetic": "yes" if synthetic else "no"}


def to_csv(frame: pd.DataFrame, header: Mapping[str, str]) -> str:
    """`# key: value` lines, then exactly the frame's rows as CSV, every text cell safe.

    A named index (e.g. iso3) becomes the first column; a plain 0..n-1 index is dropped.
    Text cells are quoted as well as neutralised, so a spreadsheet splitting on ";"
    cannot cut one open; numbers are left bare so they stay numbers.
    Read it back with `pandas.read_csv(io.StringIO(text), comment="#")`.
    """
    out = io.StringIO()
    for key, value in header.items():
        out.write(f"# {_header_text(key)}: {_header_text(value)}\n")
    _safe_frame(frame).to_csv(out, index=False, quoting=csv.QUOTE_NONNUMERIC,
                              lineterminator="\n")
    return out.getvalue()


def sidecar_json(header: Mapping[str, str]) -> str:
    """The same header as JSON, to ship beside a CSV (or inside a zip) for machines."""
    return json.dumps(dict(header), indent=2, ensure_ascii=False) + "\n"


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    has_names = any(name is not None for name in frame.index.names)
    safe = frame.reset_index() if has_names else frame.copy()
    safe.columns = [neutralise_cell(str(column)) for column in safe.columns]
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            safe.isetitem(position, column.astype(object).map(neutralise_cell))
    return safe


def _header_text(value) -> str:
    """One comment line's worth of text, with no fragment a spreadsheet would run.

    The line starts with "#", but a spreadsheet still splits it at commas (or ";"), so
    each piece after a separator is neutralised too; line breaks become spaces so the
    line stays one comment line for pandas.
    """
    text = _CONTROL_CHARS.sub(" ", str(value))
    pieces = _SEPARATOR.split(text)
    return "".join(piece if piece in ",;" else _neutralise_piece(piece) for piece in pieces)


def _neutralise_piece(piece: str) -> str:
    # Leading blanks and quotes are what a spreadsheet may skip before the formula.
    lead = len(piece) - len(piece.lstrip(' "'))
    if piece[lead:].startswith(FORMULA_TRIGGERS):
        return piece[:lead] + "'" + piece[lead:]
    return piece
