"""A chart of a view as a file: the same builders as the page, for routes and the CLI alike.

`/export/<chart>.<fmt>?<the page's query>` and `rare-earth-dashboard export` both end here,
so the same query string always gives the same figure as the page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from dashboard import chart_files
from dashboard.analytics.country_table import selected_rows
from dashboard.figures.style import graph_config
from dashboard.figures.text import unit_of_header
from dashboard.ingest import schema
from dashboard.web import charts
from dashboard.web.charts import describe_selection
from dashboard.web.grid import rounded_table
from dashboard.web.ids import CHART_TAB, Chart
from dashboard.web.links import view_link
from dashboard.web.view_cache import Codec
from dashboard.web.view_state import ViewState, from_query, tab_defaults

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html", "csv": "text/csv"}
ALIASES = {"table": Chart.MAP}  # "the table" is the map's numbers
DATA = "data"  # /export/data.csv: every filtered row, all periods
NARROW_IMAGE_PX = 600  # images narrower than this are drawn narrow, and as tall as they need
IMAGE_PARAMS = {"width": (200, 4000, 1200), "height": (200, 4000, 700), "scale": (0.5, 4, 1)}
SESSION_PARAM = "dataset"  # an upload's token: only in the page's own export links
# CSV names of the columns behind a chart that its grid does not show (the grid's own
# columns keep the grid's headers). Units in brackets; kg columns are written in t.
EXTRA_NAMES = {
    "baseline_source_rows": "Source lines (baseline)", "reported_by_text": "Reported by",
    "reference_source_rows": "Source lines (ref.)", "change_note": "Change note",
    "value_without_weight_usd": "Value without a weight, left out (USD)",
    "world_kg": "World total reported (t)", "world_usd": "World total reported (USD)",
    "country_kind": "Kind of area", "counterpart_kind": "Supplier: kind of area",
    "source_kind": "From: kind of area", "target_kind": "To: kind of area",
    "importer_kind": "Importer: kind of area", "exporter_kind": "Exporter: kind of area",
    "flagged": "Flagged", "period": "Period", "period_start": "Period start",
    "months": "Months", "country": "Country code", "country_name": "Country name",
    "counterpart": "Partner code", "supplier_source_rows": "Source lines (from supplier)",
    "source": "From: code", "target": "To: code", "source_rows": "Source lines",
    "total_t": "Country total (t)", "coverage": "Coverage", "importer": "Importer code",
    "exporter": "Exporter code", "value_gap_pct": "Value gap (%)",
    "adjusted_value_gap_pct": "Value gap, CIF/FOB adjusted (%)",
    "other_side_reports": "Other side reports", "importer_row_count": "Source rows (importer)",
    "exporter_row_count": "Source rows (exporter)",
    "importer_source_rows": "Source lines (importer)",
    "exporter_source_rows": "Source lines (exporter)",
}
# What the page does instead of a bad value; an export does none of it, so it is cut.
_FALLBACK = re.compile(r"(; using .* instead|; the default view is shown| was ignored)\.$")


class ExportError(ValueError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class ExportFile:
    content: bytes
    mimetype: str
    filename: str


def chart_of(name: str, fmt: str) -> Chart | str:
    """The chart a URL names, or ExportError(404/400)."""
    if fmt not in FORMATS:
        raise ExportError(400, f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if name == DATA:
        if fmt != "csv":
            raise ExportError(400, "the full filtered data is exported as CSV only")
        return DATA
    if name in ALIASES:
        return ALIASES[name]
    try:
        return Chart(name)
    except ValueError:
        known = ", ".join([c.value for c in Chart] + [*ALIASES, DATA])
        raise ExportError(404, f"no chart named {name!r}; charts: {known}") from None


def split_query(query: str) -> tuple[str, dict[str, float], str | None]:
    """The view's own parameters, the image size parameters, and an upload token."""
    view, sizes, token = [], {}, None
    for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if key in IMAGE_PARAMS:
            low, high, _ = IMAGE_PARAMS[key]
            try:
                number = float(value)
            except ValueError:
                raise ExportError(400, f"{key}={value!r} is not a number") from None
            if not low <= number <= high:
                raise ExportError(400, f"{key} must be between {low:g} and {high:g}")
            sizes[key] = number
        elif key == SESSION_PARAM:
            token = value
        else:
            view.append((key, value))
    return urlencode(view), sizes, token


def chart_view_state(bundle, chart: Chart | str, view_query: str):
    """A chart's view, as its export and its embed read it: parameters the link does not
    name come from the chart's own tab (returns the state and its notices)."""
    # "data" (every filtered row) and "table" have no tab of their own: the view's tab.
    tab = CHART_TAB[chart] if isinstance(chart, Chart) else bundle.defaults.tab
    defaults = tab_defaults(bundle.defaults, tab, bundle.catalogue)
    return from_query(view_query, defaults, bundle.catalogue)


def export_chart(bundle, chart: Chart | str, fmt: str, query: str, page_url: str,
                 topojson_url: str) -> ExportFile:
    """Render `chart` of the view in `query` as `fmt`; page_url is where the page lives
    ("" draws no view link)."""
    view_query, sizes, _ = split_query(query)
    state = export_state(bundle, chart, view_query)
    return render_export(bundle, chart, fmt, state, sizes, page_url, topojson_url)


def export_state(bundle, chart: Chart | str, view_query: str) -> ViewState:
    """The canonical view an export draws, or ExportError(400) naming every bad parameter:
    a file must never be a silent default view (the page shows a notice instead)."""
    state, notices = chart_view_state(bundle, chart, view_query)
    if notices:
        raise ExportError(400, refusal(notices))
    return state


def image_size(sizes: dict[str, float], max_megapixels: float) -> tuple[int, int, float]:
    """(width, height, scale) an image is drawn at, or ExportError(400) when its pixels
    (width x height x scale²) are over the budget, which bounds one render's memory."""
    width, height = (int(sizes.get(k, IMAGE_PARAMS[k][2])) for k in ("width", "height"))
    scale = sizes.get("scale", IMAGE_PARAMS["scale"][2])
    megapixels = width * height * scale**2 / 1e6
    if megapixels > max_megapixels:
        raise ExportError(400, f"width={width} x height={height} x scale={scale:g}² is "
                               f"{megapixels:.1f} million pixels, over the limit of "
                               f"{max_megapixels:g} million: lower width, height or scale")
    return width, height, scale


def render_export(bundle, chart: Chart | str, fmt: str, state: ViewState,
                  sizes: dict[str, float], page_url: str, topojson_url: str,
                  max_megapixels: float = float("inf")) -> ExportFile:
    """`chart` of a checked view as `fmt`: the one place every export is drawn."""
    view_url = view_link(page_url, state, uploaded=bundle.uploaded)
    name = f"rare-earth-{chart if isinstance(chart, str) else chart.value}"
    if chart == DATA:
        frame = filtered_rows(state, bundle.data)
        text = chart_files.to_csv(frame, csv_header(state, bundle, view_url, "see columns",
                                               period="every period"))
        return ExportFile(text.encode("utf-8-sig"), FORMATS["csv"], f"{name}.csv")
    # An image as narrow as a phone's page is laid out as the phone's page is (800 px still
    # holds the wide layout, which the overlap tests check at 800x500).
    image = fmt in chart_files.IMAGE_FORMATS
    width, height, scale = image_size(sizes, max_megapixels) if image else (0, 0, 1.0)
    narrow = image and width < NARROW_IMAGE_PX
    view = charts.render(Chart(chart), state, bundle.data, bundle.catalogue,
                         view_url=view_url, narrow=narrow)
    if fmt == "csv":
        table = labelled_table(view.table, view.columns)
        units = "; ".join(name for name in table.columns if unit_of_header(name))
        text = chart_files.to_csv(table, csv_header(state, bundle, view_url, units,
                                               compares=chart == Chart.MAP))
        return ExportFile(text.encode("utf-8-sig"), FORMATS["csv"], f"{name}.csv")
    if fmt == "html":
        config = graph_config(topojson_url)
        text = chart_files.standalone_html(view.figure, _title(view.figure), config)
        return ExportFile(text.encode("utf-8"), FORMATS["html"], f"{name}.html")
    if narrow:  # a phone-width figure's caption takes more lines: never squeeze its plot
        height = max(height, int(view.figure.layout.height or 0))
        image_size({"width": width, "height": height, "scale": scale},
                   max_megapixels)  # the taller image within the pixel budget too
    try:
        drawn = chart_files.to_image(view.figure, fmt, width, height, scale)
    except chart_files.ImageExportError as error:
        raise ExportError(503, f"the image could not be drawn: {error}") from error
    return ExportFile(drawn, FORMATS[fmt], f"{name}.{fmt}")


def size_key(fmt: str, sizes: dict[str, float]) -> str:
    """The image size as drawn ("1200x700@1"), "" for formats without one: in cache keys,
    so width=1200 and width=1200.0 are one entry."""
    if fmt not in chart_files.IMAGE_FORMATS:
        return ""
    width, height = (int(sizes.get(k, IMAGE_PARAMS[k][2])) for k in ("width", "height"))
    return f"{width}x{height}@{sizes.get('scale', IMAGE_PARAMS['scale'][2]):g}"


# An export file in a cache: its bytes as they are, its type and name in the header.
FILE_CODEC = Codec(
    lambda file: ({"mimetype": file.mimetype, "filename": file.filename}, file.content),
    lambda header, body: ExportFile(body, str(header["mimetype"]), str(header["filename"])))


def filtered_rows(state: ViewState, data) -> pd.DataFrame:
    """Every row of the selection, all periods, as read (with file and line)."""
    rows = selected_rows(data.frame, state.selection)
    keep = [c for c in schema.COLUMNS if c in rows.columns] + [
        c for c in ("country", "country_name", "counterpart", "counterpart_name") if c in rows]
    return rows[keep].sort_values(["period_start", "country"]).reset_index(drop=True)


def refusal(notices: list[str]) -> str:
    """The view's notices as one refusal: each names its parameter; nothing is replaced.

    >>> refusal(["measure='litres' is not one of weight, value; using 'weight' instead.",
    ...          "Unknown link parameter 'colour' was ignored."])
    "Bad parameter: measure='litres' is not one of weight, value. Unknown link parameter 'colour'."
    """
    return "Bad parameter: " + " ".join(_FALLBACK.sub(".", notice) for notice in notices)


def labelled_table(table: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """The chart's rows as the grid shows them: its headers (with units), its precision.

    The grid's columns come first, in its order, under its names; the other columns behind
    the chart follow under EXTRA_NAMES. Weights to whole kg (t, 3 decimals), USD to whole
    dollars (written as integers), shares and ratios to 4 significant digits.
    """
    out = rounded_table(table, columns)
    out = out.reset_index() if out.index.name else out
    if "world_kg" in out:
        out["world_kg"] = (out["world_kg"] / 1000).round(3)
    shown = [c["field"] for c in columns if c["field"] in out]
    order = shown + [name for name in out.columns if name not in shown]
    names = {name: EXTRA_NAMES.get(name, name.replace("_", " ").capitalize()) for name in order}
    names |= {c["field"]: c["headerName"] for c in columns}
    value_unit = unit_of_header(names.get("value", ""))
    names["average_value"] = f"Drawn at the average per period ({value_unit or 'as drawn'})"
    out = out[order].rename(columns=names)
    for name in out.columns:
        if unit_of_header(name) == "USD" and pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name].astype("Int64")
    return out


def csv_header(state: ViewState, bundle, view_url: str, units: str, compares: bool = False,
               period: str = "") -> dict[str, str]:
    """The provenance lines; the filters say only what the chart uses (no baseline unless
    it draws the comparison; "every period" for the full data)."""
    words = describe_selection(state, bundle.catalogue, compares)
    filters = (f"{words['flow']} of {words['commodity']} {words['counterpart']}, "
               f"{words['perspective']}; {period or words['period']}")
    source = bundle.data.source_line.removeprefix("Source: ")
    return chart_files.make_header(source=source, units=units, filters=filters,
                              view_url=view_url, synthetic=bundle.data.synthetic)


def etag(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _title(figure) -> str:
    title = figure.layout.title.text or "Rare-earth trade"
    return title.split("<br>")[0].replace("<b>", "").replace("</b>", "")
