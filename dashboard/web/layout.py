"""The page: header, labelled controls, map, summary and table. Markup only."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.periods import describe_period
from dashboard.figures.caption import SYNTHETIC_BADGE
from dashboard.ingest.dataset import Dataset
from dashboard.web.ids import ID
from dashboard.web.view_state import ViewState


def _control(label: str, component, help_text: str = "") -> html.Div:
    children = [html.Label(label, htmlFor=component.id, className="control-label"), component]
    if help_text:
        children.append(html.Div(help_text, className="control-help"))
    return html.Div(children, className="control")


def _radio(component_id: ID, options: dict[str, str], value: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=component_id, options=[{"label": v, "value": k} for k, v in options.items()],
        value=value, className="radio", inputClassName="radio-input",
        labelClassName="radio-label")


def _period_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": describe_period(p), "value": p} for p in reversed(catalogue.periods)]


def controls(catalogue: Catalogue, state: ViewState) -> html.Div:
    countries = [{"label": f"{name} ({iso})", "value": iso}
                 for iso, name in catalogue.countries.items()]
    return html.Div([
        _control("Commodity", dcc.Dropdown(
            id=ID.COMMODITY, clearable=False, value=state.commodity,
            options=[{"label": v, "value": k} for k, v in catalogue.commodities.items()])),
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
                                        options=_period_options(catalogue))),
        _control("Compare with", dcc.Dropdown(
            id=ID.BASELINE, value=state.baseline or None, placeholder="No comparison",
            options=_period_options(catalogue))),
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
            options=countries)),
    ], className="controls", role="form", **{"aria-label": "View controls"})


def header(data: Dataset) -> html.Header:
    badge = [html.Span(SYNTHETIC_BADGE, className="synthetic-badge")] if data.synthetic else []
    return html.Header([
        html.H1("Rare-earth trade dashboard"),
        *badge,
        html.P(data.source_line, className="source-line"),
    ], className="page-header")


def data_notice(data: Dataset) -> html.Div:
    """Says how many rows were set aside, and why, when serving with problems."""
    if not data.problems:
        return html.Div(id=ID.DATA_NOTICE, hidden=True)
    reasons: dict[str, int] = {}
    for problem in data.problems:
        reasons[problem.reason.value] = reasons.get(problem.reason.value, 0) + 1
    detail = "; ".join(f"{reason}: {count:,}" for reason, count in reasons.items())
    return html.Div(
        f"{len(data.problems):,} problems: {data.stats.get('rows_with_problems', 0):,} rows"
        f" set aside ({detail}). Run `validate` for the list.",
        id=ID.DATA_NOTICE, className="notice", role="status")


def page(data: Dataset, catalogue: Catalogue, state: ViewState, graph_config: dict) -> html.Div:
    return html.Div([
        dcc.Location(id=ID.URL, refresh=False),
        header(data),
        data_notice(data),
        html.Div(id=ID.NOTICE, className="notice", role="alert", hidden=True),
        html.Main([
            html.Aside(controls(catalogue, state), className="sidebar"),
            html.Section([
                html.P(id=ID.COMPARISON_TEXT, className="comparison-text",
                       **{"aria-live": "polite"}),
                dcc.Graph(id=ID.MAP, config=graph_config, className="map"),
                html.P(id=ID.MAP_SUMMARY, className="summary", **{"aria-live": "polite"}),
                html.H2("The numbers behind the map"),
                dag.AgGrid(id=ID.TABLE, className="ag-theme-alpine table", columnSize="autoSize",
                           defaultColDef={"sortable": True, "resizable": True, "filter": True},
                           dashGridOptions={"domLayout": "normal", "animateRows": False},
                           style={"height": "420px"}),
            ], className="content"),
        ], className="layout"),
    ], className="page")
