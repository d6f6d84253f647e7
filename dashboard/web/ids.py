"""Component IDs: one place, grep-able, never retyped by hand."""

from dataclasses import dataclass
from enum import StrEnum

from dash import ALL


class ID(StrEnum):
    URL = "url"
    NOTICE = "url-notice"
    DATA_NOTICE = "data-notice"
    COMMODITY = "control-commodity"
    DIRECTION = "control-direction"
    PERSPECTIVE = "control-perspective"
    PARTNER = "control-partner"
    MEASURE = "control-measure"
    PERIOD = "control-period"
    BASELINE = "control-baseline"
    BASIS = "control-basis"
    CHANGE = "control-change"
    FOCUS = "control-focus"
    TAB = "control-tab"
    SURGE_RULE = "control-surge-rule"
    SURGE_FLOOR = "control-surge-floor"
    SURGE_THRESHOLD = "control-surge-threshold"
    SURGE_K = "control-surge-k"
    SURGE_Z = "control-surge-z"
    TOP_N = "control-top-n"
    PEERS = "control-peers"
    SERIES_MODE = "control-series-mode"
    SERIES_FREQ = "control-series-freq"
    PRESET_WHOLE_YEAR = "preset-whole-year"
    PRESET_AVERAGE = "preset-average"
    PRESET_SAME_PERIOD = "preset-same-period"
    COMPARISON_TEXT = "comparison-text"
    MAP = "map"
    MAP_SUMMARY = "map-summary"
    TABLE = "map-table"
    FOCUS_PANEL = "focus-panel"
    SURGE_RULE_TEXT = "surge-rule-text"
    HEADER = "page-header"
    DATASET = "session-dataset"  # the upload token, in the tab's session storage
    # {"fit": "wide"|"narrow", "search", "token"}: the view the charts show and their
    # width (assets/viewport.js)
    VIEWPORT = "viewport-fit"
    UPLOAD = "upload"
    UPLOAD_RESET = "upload-reset"
    UPLOAD_MESSAGE = "upload-message"
    UPLOAD_PROBLEMS = "upload-problems"
    UPLOAD_PROBLEMS_BOX = "upload-problems-box"
    CONTENT = "content"  # the tab strip and the charts
    CONTROLS_PANEL = "controls-panel"  # the <details> holding upload and view controls


class Tab(StrEnum):
    """The page's tabs; the value names a tab in links (`?tab=flows`)."""

    MAP = "map"
    SURGES = "surges"
    DEPENDENCY = "dependency"
    FLOWS = "flows"  # the Sankey of bilateral flows
    SERIES = "series"
    MIRROR = "mirror"


class Chart(StrEnum):
    """Every chart a user can see, embed or export; the value names it in URLs."""

    MAP = "map"
    SURGES = "surges"
    SURGE_SERIES = "surge-series"
    GAUGES = "gauges"
    RANKING = "ranking"
    SANKEY = "sankey"
    SERIES = "series"
    MIRROR = "mirror"




def graph_id(chart: Chart) -> str:
    return "map" if chart == Chart.MAP else f"chart-{chart.value}"


def summary_id(chart: Chart) -> str:
    return "map-summary" if chart == Chart.MAP else f"summary-{chart.value}"


def table_id(chart: Chart) -> str:
    return "map-table" if chart == Chart.MAP else f"table-{chart.value}"


# A tab's charts are built when the tab is first shown (chart_blocks, tab_callbacks):
TAB_VIEW_TYPE = "tab-view"
TAB_VIEWS = {"type": TAB_VIEW_TYPE, "tab": ALL}


def tab_view_id(tab: Tab) -> dict:
    """A built tab's copy of the viewport store (ID.VIEWPORT), by a pattern id: one
    callback copies the viewport into every built tab's (TAB_VIEWS), whichever exist."""
    return {"type": TAB_VIEW_TYPE, "tab": str(tab)}


def tab_render_id(tab: Tab) -> str:
    """The store a tab's render callbacks listen to: copied from `tab_view_id` in the
    browser, so they exist, and fire, only once the charts do. A plain id, since the
    server's request check (guard.py) compares plain ids."""
    return f"view-{tab}"


def charts_box_id(tab: Tab) -> str:
    return f"charts-{tab}"


def table_slot_id(chart: Chart | str) -> str:
    """Where assets/grids.js puts a grid (the grid keeps `table_id`)."""
    return f"slot-{table_id(chart) if isinstance(chart, Chart) else chart}"


def table_rows_id(chart: Chart | str) -> str:
    """The store holding a grid's props, rows and columns included (grid_props)."""
    return f"rows-{table_id(chart) if isinstance(chart, Chart) else chart}"


def section_id(tab: Tab) -> str:
    return f"section-{tab}"


EXPORT_LINKS = {"png": "PNG", "svg": "SVG", "html": "HTML", "csv": "CSV (rows shown)",
                "data": "CSV (all filtered rows)"}


def action_id(chart: Chart, kind: str) -> str:
    """Download link or embed snippet of a chart: "export-map-png", "embed-code-map"."""
    return f"embed-code-{chart.value}" if kind == "embed" else f"export-{chart.value}-{kind}"


# The box each chart draws in, in CSS px: (wide screens, phones up to 820 px). Every graph
# is responsive (fills its box), so the figure's own height never decides the size: left
# to Dash's "auto", the map drew at 480 px on some loads and at the box's 620 on others.
# The map's box is sized so the world (natural-earth, 142 degrees of latitude) spans the
# box's width under the title and colour bar. On a phone the other charts are drawn narrow
# and bring their own height (layout.graph_style); their phone box is only where the first
# figure lands, and is tall on purpose: plotly scales the margins down when they do not fit
# the height of the first draw, and keeps them so after the box grows.
PHONE_FIRST_BOX_PX = 900


@dataclass(frozen=True)
class ChartSpec:
    """Where a chart lives on the page: its tab (a tab renders only when shown), its box
    (wide, phone; CSS px) and the title of the grid of its numbers under it."""

    tab: Tab
    box_px: tuple[int, int]
    table_title: str
    table_open: bool = False  # the grid shows without a click


# Every chart, once: the page, the routes, the CLI and the tests derive from this table;
# its renderer is dashboard/web/charts.py's RENDERERS[chart].
CHARTS: dict[Chart, ChartSpec] = {
    Chart.MAP: ChartSpec(Tab.MAP, (690, 430), "The numbers behind the map", table_open=True),
    Chart.SURGES: ChartSpec(Tab.SURGES, (680, PHONE_FIRST_BOX_PX),
                            "Every country, the rule and its numbers", table_open=True),
    Chart.SURGE_SERIES: ChartSpec(Tab.SURGES, (460, PHONE_FIRST_BOX_PX),
                                  "The focus country's series"),
    Chart.GAUGES: ChartSpec(Tab.DEPENDENCY, (560, PHONE_FIRST_BOX_PX),
                            "Suppliers of the focus country"),
    Chart.RANKING: ChartSpec(Tab.DEPENDENCY, (820, PHONE_FIRST_BOX_PX),
                             "Every importer's dependency"),
    Chart.SANKEY: ChartSpec(Tab.FLOWS, (600, PHONE_FIRST_BOX_PX), "The flows behind the diagram"),
    Chart.SERIES: ChartSpec(Tab.SERIES, (560, PHONE_FIRST_BOX_PX), "The series behind the chart"),
    Chart.MIRROR: ChartSpec(Tab.MIRROR, (600, PHONE_FIRST_BOX_PX), "Both sides of every flow",
                            table_open=True),
}
CHART_TAB = {chart: spec.tab for chart, spec in CHARTS.items()}
CHART_BOX_PX = {chart: spec.box_px for chart, spec in CHARTS.items()}


def charts_on(tab: Tab) -> list[Chart]:
    """The charts a tab shows, in page order."""
    return [chart for chart, spec in CHARTS.items() if spec.tab == tab]


def tab_id(tab: Tab) -> str:
    """The tab in the tab strip that shows a view's section."""
    return f"tab-{tab}"


def skip_target_id(chart: Chart) -> str:
    """Where a table's skip link lands: the element just after the table."""
    return f"after-{table_id(chart)}"
