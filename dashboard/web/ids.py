"""Component IDs: one place, grep-able, never retyped by hand."""

from enum import StrEnum


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
    VIEWPORT = "viewport-fit"  # "narrow" on a phone, else "wide": how figures are drawn
    UPLOAD = "upload"
    UPLOAD_RESET = "upload-reset"
    UPLOAD_MESSAGE = "upload-message"
    UPLOAD_PROBLEMS = "upload-problems"
    UPLOAD_PROBLEMS_BOX = "upload-problems-box"
    CONTENT = "content"  # the tab strip and the charts
    CONTROLS_PANEL = "controls-panel"  # the <details> holding upload and view controls


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


# The tab each chart lives on (a tab renders only when it is shown).
CHART_TAB = {
    Chart.MAP: "map", Chart.SURGES: "surges", Chart.SURGE_SERIES: "surges",
    Chart.GAUGES: "dependency", Chart.RANKING: "dependency", Chart.SANKEY: "flows",
    Chart.SERIES: "series", Chart.MIRROR: "mirror",
}


def graph_id(chart: Chart) -> str:
    return "map" if chart == Chart.MAP else f"chart-{chart.value}"


def summary_id(chart: Chart) -> str:
    return "map-summary" if chart == Chart.MAP else f"summary-{chart.value}"


def table_id(chart: Chart) -> str:
    return "map-table" if chart == Chart.MAP else f"table-{chart.value}"


def section_id(tab: str) -> str:
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
CHART_BOX_PX: dict[Chart, tuple[int, int]] = {
    Chart.MAP: (690, 430),
    Chart.SURGES: (680, PHONE_FIRST_BOX_PX),
    Chart.SURGE_SERIES: (460, PHONE_FIRST_BOX_PX),
    Chart.GAUGES: (560, PHONE_FIRST_BOX_PX),
    Chart.RANKING: (820, PHONE_FIRST_BOX_PX),
    Chart.SANKEY: (600, PHONE_FIRST_BOX_PX),
    Chart.SERIES: (560, PHONE_FIRST_BOX_PX),
    Chart.MIRROR: (600, PHONE_FIRST_BOX_PX),
}


def tab_id(tab: str) -> str:
    """The tab in the tab strip that shows a view's section."""
    return f"tab-{tab}"


def skip_target_id(chart: Chart) -> str:
    """Where a table's skip link lands: the element just after the table."""
    return f"after-{table_id(chart)}"
