"""The page: header, labelled controls, one section per view. Markup only."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.periods import describe_period
from dashboard.figures.caption import SYNTHETIC_BADGE
from dashboard.ingest.dataset import Dataset
from dashboard.web.ids import (
    EXPORT_LINKS,
    ID,
    Chart,
    action_id,
    graph_id,
    section_id,
    summary_id,
    table_id,
)
from dashboard.web.view_state import ViewState

TAB_LABELS = {"map": "World map", "surges": "Import surges", "dependency": "Dependency",
              "flows": "Bilateral flows", "series": "Time series", "mirror": "Mirror gap"}
SURGE_RULE_LABELS = {
    "prior_year": "Period above the whole prior year",
    "year_earlier": "Same period a year earlier (ratio)",
    "safeguard": "WTO special-safeguard trigger (k x 3-year average)",
    "robust": "Robust monthly outlier (median/MAD, 24 months)",
}


def _control(label: str, component, help_text: str = "") -> html.Div:
    children = [html.Label(label, htmlFor=component.id, className="control-label"), component]
    if help_text:
        children.append(html.Div(help_text, className="control-help"))
    return html.Div(children, className="control")


def _radio(component_id: ID, options: dict[str, str], value: str, inline=False) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=component_id, options=[{"label": v, "value": k} for k, v in options.items()],
        value=value, className="radio inline" if inline else "radio",
        inputClassName="radio-input", labelClassName="radio-label")


def _number(component_id: ID, value: str, low: float, high: float, step: float) -> dcc.Input:
    return dcc.Input(id=component_id, type="number", value=float(value), min=low, max=high,
                     step=step, debounce=True, className="number-input")


COUNTRY_CONTROLS = [ID.PARTNER, ID.FOCUS, ID.PEERS]
PERIOD_CONTROLS = [ID.PERIOD, ID.BASELINE]
UPLOAD_FORMATS = ".csv,.txt,.tsv,.gz,.parquet,.xlsx"


def period_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": describe_period(p), "value": p} for p in reversed(catalogue.periods)]


def country_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": f"{name} ({iso})", "value": iso} for iso, name in catalogue.countries.items()]


def commodity_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": v, "value": k} for k, v in catalogue.commodities.items()]


def controls(catalogue: Catalogue, state: ViewState) -> html.Div:
    countries = country_options(catalogue)
    return html.Div([
        _control("Commodity", dcc.Dropdown(
            id=ID.COMMODITY, clearable=False, value=state.commodity,
            options=commodity_options(catalogue))),
        _control("Flow", _radio(ID.DIRECTION, {"imports": "Imports", "exports": "Exports"},
                                state.direction)),
        _control("Perspective", _radio(ID.PERSPECTIVE, {
            "reporter": "As reported by the mapped country",
            "mirror": "As reported by its partners (mirror)"}, state.perspective),
            "China's exports by destination are the mirror view of its partners' imports."),
        _control("Partner", dcc.Dropdown(
            id=ID.PARTNER, value=state.partner or None, placeholder="All partners",
            options=countries), "Supplier for imports, destination for exports."),
        _control("Measure", _radio(ID.MEASURE, {
            "weight": "Net weight (t)", "value": "Value (USD)",
            "unit_value": "Unit value (USD/kg)"},
            state.measure)),
        _control("Period", dcc.Dropdown(id=ID.PERIOD, clearable=False, value=state.period,
                                        options=period_options(catalogue))),
        _control("Compare with", dcc.Dropdown(
            id=ID.BASELINE, value=state.baseline or None, placeholder="No comparison",
            options=period_options(catalogue))),
        html.Div([
            html.Button(id=ID.PRESET_WHOLE_YEAR, className="preset", n_clicks=0),
            html.Button(id=ID.PRESET_AVERAGE, className="preset", n_clicks=0),
            html.Button(id=ID.PRESET_SAME_PERIOD, className="preset", n_clicks=0),
        ], className="presets", role="group", **{"aria-label": "Comparison presets"}),
        _control("Baseline as", _radio(ID.BASIS, {
            "total": "Its whole total", "average": "Its average per period of the same length"},
            state.basis)),
        _control("Show change as", _radio(ID.CHANGE, {
            "percent": "Percent", "ratio": "Ratio", "absolute": "Difference"}, state.change)),
        _control("Focus country", dcc.Dropdown(
            id=ID.FOCUS, value=state.focus or None, placeholder="Click a country on the map",
            options=countries), "Gauges and time series follow the focus."),
    ], className="controls", role="form", **{"aria-label": "View controls"})


def header_children(data: Dataset) -> list:
    badge = [html.Span(SYNTHETIC_BADGE, className="synthetic-badge")] if data.synthetic else []
    return [html.H1("Rare-earth trade dashboard"), *badge,
            html.P(data.source_line, className="source-line")]


def header(data: Dataset) -> html.Header:
    return html.Header(header_children(data), id=ID.HEADER, className="page-header")


def data_notice_text(data: Dataset) -> str:
    """How many rows were set aside, and why, when the data had problems ("" when none)."""
    if not data.problems:
        return ""
    reasons: dict[str, int] = {}
    for problem in data.problems:
        reasons[problem.reason.value] = reasons.get(problem.reason.value, 0) + 1
    detail = "; ".join(f"{reason}: {count:,}" for reason, count in reasons.items())
    return (f"{len(data.problems):,} problems: {data.stats.get('rows_with_problems', 0):,} rows"
            f" set aside ({detail}). The views use the valid rows only.")


def data_notice(data: Dataset) -> html.Div:
    text = data_notice_text(data)
    return html.Div(text, id=ID.DATA_NOTICE, className="notice", role="status", hidden=not text)


def problem_rows(problems: list, limit: int = 500) -> list[dict]:
    return [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason.value,
             "message": p.message} for p in problems[:limit]]


def upload_panel(max_mb: float) -> html.Div:
    columns = [{"field": "line", "width": 80}, {"field": "column", "width": 130},
               {"field": "value", "width": 130}, {"field": "reason", "width": 150},
               {"field": "message", "flex": 1, "minWidth": 300}]
    return html.Div([
        html.H2("Data", className="panel-title"),
        dcc.Upload(id=ID.UPLOAD, accept=UPLOAD_FORMATS, multiple=False, className="upload",
                   children=html.Div([html.Strong("Upload a customs file"), html.Br(),
                                      html.Span(f"Comtrade Plus, legacy Comtrade or tidy CSV/"
                                                f"Parquet; up to {max_mb:g} MB. Only this"
                                                " browser tab sees it.")])),
        html.Button("Back to the embedded data", id=ID.UPLOAD_RESET, n_clicks=0,
                    className="preset"),
        html.Div(id=ID.UPLOAD_MESSAGE, role="status", className="upload-message"),
        html.Div(dag.AgGrid(id=ID.UPLOAD_PROBLEMS, columnDefs=columns, rowData=[],
                            className="ag-theme-alpine table", style={"height": "240px"},
                            defaultColDef={"sortable": True, "resizable": True}),
                 id=ID.UPLOAD_PROBLEMS_BOX, hidden=True),
    ], className="upload-panel", **{"data-max-bytes": str(int(max_mb * 1e6))})


def chart_block(chart: Chart, graph_config: dict, table_title: str | None = None,
                table_open: bool = False) -> html.Div:
    """A chart, its one-sentence summary and, folded, the numbers behind it."""
    children = [
        html.Div(dcc.Graph(id=graph_id(chart), config=graph_config,
                           className=f"graph graph-{chart.value}"), className="chart-scroll"),
        html.P(id=summary_id(chart), className="summary", **{"aria-live": "polite"}),
        chart_actions(chart),
    ]
    if table_title:
        grid = dag.AgGrid(id=table_id(chart), className="ag-theme-alpine table",
                          columnSize="autoSize",
                          defaultColDef={"sortable": True, "resizable": True, "filter": True},
                          dashGridOptions={"domLayout": "normal", "animateRows": False},
                          style={"height": "380px"})
        children.append(html.Details([html.Summary(table_title), grid], open=table_open,
                                     className="numbers"))
    return html.Div(children, className="chart-block", id=f"block-{chart.value}")


def chart_actions(chart: Chart) -> html.Div:
    """Server-side downloads of this view, and the iframe snippet to embed it."""
    links = [html.A(label, id=action_id(chart, kind), href="", download="",
                    className="action-link") for kind, label in EXPORT_LINKS.items()]
    embed = html.Details([
        html.Summary("Embed", className="action-link"),
        html.P("Paste into your page; add the host script once so the frame sizes itself.",
               className="control-help"),
        html.Pre(id=action_id(chart, "embed"), className="embed-code"),
    ], className="embed")
    return html.Div([html.Span("Download:", className="action-label"), *links, embed],
                    className="chart-actions", role="group",
                    **{"aria-label": f"Download or embed the {chart.value} chart"})


def tab_bar(state: ViewState) -> html.Nav:
    return html.Nav(dcc.RadioItems(
        id=ID.TAB, options=[{"label": v, "value": k} for k, v in TAB_LABELS.items()],
        value=state.tab, className="tabs", inputClassName="tab-input",
        labelClassName="tab-label"), className="tab-bar", **{"aria-label": "Views"})


def _section(tab: str, state: ViewState, children: list) -> html.Section:
    return html.Section(children, id=section_id(tab), hidden=state.tab != tab,
                        className="view-section", **{"aria-label": TAB_LABELS[tab]})


def surge_controls(state: ViewState) -> html.Div:
    return html.Div([
        _control("Surge rule", dcc.Dropdown(
            id=ID.SURGE_RULE, clearable=False, value=state.rule,
            options=[{"label": v, "value": k} for k, v in SURGE_RULE_LABELS.items()])),
        _control("Volume floor (t)", _number(ID.SURGE_FLOOR, state.floor, 0, 1e7, 0.1),
                 "No surge below this volume: 2 kg to 20 kg is not a surge."),
        _control("Ratio threshold (x)", _number(ID.SURGE_THRESHOLD, state.threshold, 1, 1000, 0.1),
                 "Rule 2: flag at this ratio to the same period a year earlier."),
        _control("Safeguard k", _number(ID.SURGE_K, state.k, 1, 100, 0.05),
                 "Rule 3: flag above k x the 3-year average (simplified from WTO AoA Art. 5,"
                 " whose k is 1.05-1.25)."),
        _control("Robust z", _number(ID.SURGE_Z, state.z, 0.5, 100, 0.5),
                 "Rule 4: flag at this robust z-score."),
    ], className="panel-controls")


def page(data: Dataset, catalogue: Catalogue, state: ViewState, graph_config: dict,
         max_upload_mb: float = 50.0) -> html.Div:
    countries = country_options(catalogue)
    sections = [
        _section("map", state, [
            chart_block(Chart.MAP, graph_config, "The numbers behind the map", table_open=True)]),
        _section("surges", state, [
            surge_controls(state),
            html.P(id=ID.SURGE_RULE_TEXT, className="rule-text"),
            # Relative, so it follows the app's base path: /trade/ -> /trade/methods.
            html.P(html.A("How each rule is computed, and what it simplifies (Methods)",
                          href="methods#surge-rules", target="_blank"), className="rule-text"),
            chart_block(Chart.SURGES, graph_config, "Every country, the rule and its numbers",
                        table_open=True),
            chart_block(Chart.SURGE_SERIES, graph_config, "The focus country's series")]),
        _section("dependency", state, [
            chart_block(Chart.GAUGES, graph_config, "Suppliers of the focus country"),
            chart_block(Chart.RANKING, graph_config, "Every importer's dependency")]),
        _section("flows", state, [
            html.Div(_control("Countries on each side", _number(ID.TOP_N, state.top, 2, 30, 1),
                              "The rest is folded into \"other\"."), className="panel-controls"),
            chart_block(Chart.SANKEY, graph_config, "The flows behind the diagram")]),
        _section("series", state, [
            html.Div([
                _control("Compare with (up to 4)", dcc.Dropdown(
                    id=ID.PEERS, multi=True, value=state.peer_list, options=countries)),
                _control("Show", _radio(ID.SERIES_MODE, {
                    "tonnes": "Tonnes", "share": "Share of the country's total"},
                    state.series, inline=True)),
                _control("Frequency", _radio(ID.SERIES_FREQ, {"M": "Monthly", "Q": "Quarterly"},
                                             state.freq, inline=True)),
            ], className="panel-controls"),
            chart_block(Chart.SERIES, graph_config, "The series behind the chart")]),
        _section("mirror", state, [
            chart_block(Chart.MIRROR, graph_config, "Both sides of every flow", table_open=True)]),
    ]
    return html.Div([
        dcc.Location(id=ID.URL, refresh=False),
        dcc.Store(id=ID.DATASET, storage_type="session"),
        header(data),
        data_notice(data),
        html.Div(id=ID.NOTICE, className="notice", role="alert", hidden=True),
        html.Main([
            html.Aside([upload_panel(max_upload_mb), controls(catalogue, state)],
                       className="sidebar"),
            html.Div([
                tab_bar(state),
                html.P(id=ID.COMPARISON_TEXT, className="comparison-text",
                       **{"aria-live": "polite"}),
                *sections,
            ], className="content"),
        ], className="layout"),
    ], className="page")
