"""A chart of a view as a file: the same builders as the page, for routes and the CLI alike.

`/export/<chart>.<fmt>?<the page's query>` and `rare-earth-dashboard export` both end here,
so the same query string always gives the same figure as the page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from dashboard import export
from dashboard.analytics.country_table import selected_rows
from dashboard.figures.style import graph_config
from dashboard.ingest import schema
from dashboard.web import charts
from dashboard.web.ids import Chart
from dashboard.web.render import describe_selection
from dashboard.web.view_state import ViewState

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "html": "text/html", "csv": "text/csv"}
ALIASES = {"table": Chart.MAP}  # "the table" is the map's numbers
DATA = "data"  # /export/data.csv: every filtered row, all periods
IMAGE_PARAMS = {"width": (200, 4000, 1200), "height": (200, 4000, 700), "scale": (0.5, 4, 1)}
SESSION_PARAM = "dataset"  # an upload's token: only in the page's own export links


class ExportError(ValueError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class ExportFile:
    content: bytes
    mimetype: str
    filename: str
    notices: list[str]


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


def export_chart(bundle, chart: Chart | str, fmt: str, query: str, page_url: str,
                 topojson_url: str) -> ExportFile:
    """Render `chart` of the view in `query` as `fmt`; page_url is where the page lives."""
    from dashboard.web.view_state import from_query

    view_query, sizes, _ = split_query(query)
    state, notices = from_query(view_query, bundle.defaults, bundle.catalogue)
    view_url = f"{page_url}{state.to_query()}"
    name = f"rare-earth-{chart if isinstance(chart, str) else chart.value}"
    if chart == DATA:
        frame = filtered_rows(state, bundle.data)
        text = export.to_csv(frame, csv_header(state, bundle, view_url, "see columns"))
        return ExportFile(text.encode("utf-8-sig"), FORMATS["csv"], f"{name}.csv", notices)
    view = charts.render(chart, state, bundle.data, bundle.catalogue, view_url=view_url)
    if fmt == "csv":
        table = labelled_table(view.table, view.columns)
        units = "; ".join(c["headerName"] for c in view.columns if "(" in c["headerName"])
        text = export.to_csv(table, csv_header(state, bundle, view_url, units))
        return ExportFile(text.encode("utf-8-sig"), FORMATS["csv"], f"{name}.csv", notices)
    if fmt == "html":
        config = graph_config(topojson_url)
        text = export.standalone_html(view.figure, _title(view.figure), config)
        return ExportFile(text.encode("utf-8"), FORMATS["html"], f"{name}.html", notices)
    width, height = (int(sizes.get(k, IMAGE_PARAMS[k][2])) for k in ("width", "height"))
    try:
        image = export.to_image(view.figure, fmt, width, height, sizes.get("scale", 1))
    except export.ImageExportError as error:
        raise ExportError(503, f"the image could not be drawn: {error}") from error
    return ExportFile(image, FORMATS[fmt], f"{name}.{fmt}", notices)


def filtered_rows(state: ViewState, data) -> pd.DataFrame:
    """Every row of the selection, all periods, as read (with file and line)."""
    rows = selected_rows(data.frame, state.selection)
    keep = [c for c in schema.COLUMNS if c in rows.columns] + [
        c for c in ("country", "country_name", "counterpart", "counterpart_name") if c in rows]
    return rows[keep].sort_values(["period_start", "country"]).reset_index(drop=True)


def labelled_table(table: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """The chart's rows with the grid's headers (they carry the units)."""
    out = table.reset_index() if table.index.name else table.copy()
    names = {"baseline_source_rows": "Source lines (baseline)",
             "reported_by_text": "Reported by", "reference_source_rows": "Source lines (ref.)"}
    names |= {c["field"]: c["headerName"] for c in columns}
    return out.rename(columns=names)


def csv_header(state: ViewState, bundle, view_url: str, units: str) -> dict[str, str]:
    words = describe_selection(state, bundle.catalogue)
    filters = (f"{words['flow']} of {words['commodity']} {words['counterpart']}, "
               f"{words['perspective']}; {words['period']}")
    source = bundle.data.source_line.removeprefix("Source: ")
    return export.make_header(source=source, units=units, filters=filters,
                              view_url=view_url, synthetic=bundle.data.synthetic)


def etag(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _title(figure) -> str:
    title = figure.layout.title.text or "Rare-earth trade"
    return title.split("<br>")[0].replace("<b>", "").replace("</b>", "")
