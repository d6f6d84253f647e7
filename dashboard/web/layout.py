"""The page: header, labelled controls, one section per view. Markup only."""

from __future__ import annotations

import weakref

from dash import dcc, html

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.freshness import latest_by_reporter
from dashboard.analytics.surge_rules import SurgeRule
from dashboard.analytics.timeseries import SeriesMode
from dashboard.figures.caption import SYNTHETIC_BADGE, middle_cut
from dashboard.figures.text import plural
from dashboard.ingest.dataset import Dataset
from dashboard.ingest.problems import problem_counts, total_problems
from dashboard.ingest.schema import Freq
from dashboard.web import chart_blocks
from dashboard.web.ids import (
    ID,
    Tab,
    section_id,
    tab_id,
)
from dashboard.web.view_state import ViewState

TAB_LABELS = {Tab.MAP: "World map", Tab.SURGES: "Import surges", Tab.DEPENDENCY: "Dependency",
              Tab.FLOWS: "Bilateral flows", Tab.SERIES: "Time series", Tab.MIRROR: "Mirror gap"}
SURGE_RULE_LABELS = {
    SurgeRule.PRIOR_YEAR: "Period above the whole prior year",
    SurgeRule.YEAR_EARLIER: "Same period a year earlier (ratio)",
    SurgeRule.SAFEGUARD: "WTO special-safeguard trigger (k x 3-year average)",
    SurgeRule.ROBUST: "Robust monthly outlier (median/MAD, 24 months)",
}


def _control(label: str, component, help_text: str = ""):
    """A labelled control; a radio group is a fieldset named by its legend (a <label> can
    name one input, not a group)."""
    help_div = [html.Div(help_text, className="control-help")] if help_text else []
    if isinstance(component, dcc.RadioItems):
        return html.Fieldset([html.Legend(label, className="control-label"), component,
                              *help_div], className="control")
    return html.Div([html.Label(label, htmlFor=component.id, className="control-label"),
                     component, *help_div], className="control")


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
    # A period the data covers in part says so: "2025 (3 of 12 months)".
    return [{"label": catalogue.period_label(p), "value": p} for p in reversed(catalogue.periods)]


MENU_LABEL = 120  # characters of a menu entry: a 20,000-character name froze the dropdown


def country_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": middle_cut(f"{name} ({iso})", MENU_LABEL), "value": iso}
            for iso, name in catalogue.countries.items()]


def commodity_options(catalogue: Catalogue) -> list[dict]:
    return [{"label": middle_cut(v, MENU_LABEL), "value": k}
            for k, v in catalogue.commodities.items()]


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
            html.P(data.source_line, className="source-line"), freshness(data)]


_FRESHNESS: list = []  # [weak reference to a frame, its panel]: one frame at a time


def freshness(data: Dataset) -> html.Details:
    """"Data as of", kept for the frame it was made from: the page is built per request
    (dashboard/web/first_view.py), and this reads the whole frame."""
    if _FRESHNESS and _FRESHNESS[0]() is data.frame:
        return _FRESHNESS[1]
    panel = freshness_panel(data)
    _FRESHNESS[:] = [weakref.ref(data.frame), panel]
    return panel


def freshness_panel(data: Dataset) -> html.Details:
    """"Data as of": the latest month each reporter covers, those that stop early first, so
    a reporter that has not reported since March does not read as a collapse after March."""
    table = latest_by_reporter(data.frame)
    if table.empty:
        return html.Details(hidden=True)
    latest = table["latest_month"].max()
    behind = table[table["months_behind"] > 0]
    summary = (f"Data as of {latest}: every reporter has reported through it." if behind.empty
               else f"Data as of {latest}: {plural(len(behind), 'reporter')}"
                    f" {'stops' if len(behind) == 1 else 'stop'} earlier (their later months"
                    " are missing, not zero).")
    rows = [html.Tr([html.Td(f"{row.reporter_name} ({iso})"), html.Td(row.latest_month),
                     html.Td(plural(int(row.months_behind), "month") + " behind"
                             if row.months_behind else "up to date")])
            for iso, row in table.iterrows()]
    return html.Details([
        html.Summary(summary),
        html.Table([html.Thead(html.Tr([html.Th("Reporter"), html.Th("Latest month"),
                                        html.Th("Status")])), html.Tbody(rows)],
                   className="freshness-table")], className="freshness")


def header(data: Dataset) -> html.Header:
    return html.Header(header_children(data), id=ID.HEADER, className="page-header")


def data_notice_text(data: Dataset) -> str:
    """How many rows were set aside, and why, when the data had problems ("" when none)."""
    if not data.problems:
        return ""
    detail = "; ".join(f"{reason}: {count:,}"
                       for reason, count in problem_counts(data.problems).items())
    return (f"{total_problems(data.problems):,} problems:"
            f" {data.stats.get('rows_with_problems', 0):,} rows"
            f" set aside ({detail}). The views use the valid rows only.")


def data_notice(data: Dataset) -> html.Div:
    text = data_notice_text(data)
    return html.Div(text, id=ID.DATA_NOTICE, className="notice", role="status", hidden=not text)


def problem_rows(problems: list, limit: int = 500) -> list[dict]:
    return [{"line": p.line, "column": p.column, "value": p.value, "reason": p.reason.value,
             "message": p.message} for p in problems[:limit]]


def upload_panel(max_mb: float, grids: bool = False) -> html.Div:
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
        chart_blocks.upload_problems(grids),
    ], className="upload-panel", **{"data-max-bytes": str(int(max_mb * 1e6))})


def tab_bar(state: ViewState) -> html.Nav:
    """An ARIA tablist of buttons; the chosen view lives in a hidden input (ID.TAB), which
    the URL and the controls read like any other control."""
    buttons = [html.Button(label, id=tab_id(tab), role="tab", n_clicks=0, type="button",
                           **tab_marks(tab, state.tab), **{"aria-controls": section_id(tab)})
               for tab, label in TAB_LABELS.items()]
    return html.Nav([dcc.Input(id=ID.TAB, type="hidden", value=state.tab),
                     html.Div(buttons, role="tablist", className="tabs",
                              **{"aria-label": "Views"})],
                    className="tab-bar", **{"aria-label": "Views"})


def tab_marks(tab: Tab, chosen: str | None) -> dict:
    """A tab button's selected state, as ARIA and as a class (the same two facts)."""
    selected = tab == (chosen or Tab.MAP)
    return {"className": "tab selected" if selected else "tab",
            "aria-selected": "true" if selected else "false"}


def _section(tab: str, state: ViewState, children: list) -> html.Section:
    return html.Section(children, id=section_id(tab), hidden=state.tab != tab,
                        className="view-section", role="tabpanel",
                        **{"aria-labelledby": tab_id(tab)})


def surge_controls(state: ViewState) -> html.Details:
    return folded_panel("Surge rule settings", [
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
    ])


def folded_panel(title: str, controls: list) -> html.Details:
    """A tab's own controls: folded under their title on a phone, so the chart is on the
    first screen; on a wide screen style.css shows them whatever the state."""
    return html.Details([html.Summary(title, className="panel-summary"),
                         html.Div(controls, className="panel-controls")],
                        className="panel-fold")


def tab_controls(tab: Tab, state: ViewState, countries: list[dict]) -> list:
    """A tab's own controls, above its charts. Always in the page, built or not: the URL
    sync reads every control (callbacks.sync_url_and_controls)."""
    if tab == Tab.SURGES:
        return [surge_controls(state), html.P(id=ID.SURGE_RULE_TEXT, className="rule-text"),
                # Relative, so it follows the app's base path: /trade/ -> /trade/methods.
                html.P(html.A("How each rule is computed, and what it simplifies (Methods)",
                              href="methods#surge-rules", target="_blank"),
                       className="rule-text")]
    if tab == Tab.FLOWS:
        return [html.Div(_control("Countries on each side",
                                  _number(ID.TOP_N, state.top, 2, 30, 1),
                                  "The rest is folded into \"other\"."),
                         className="panel-controls")]
    if tab == Tab.SERIES:
        return [html.Div([
            _control("Compare with (up to 4)", dcc.Dropdown(
                id=ID.PEERS, multi=True, value=state.peer_list, options=countries)),
            _control("Show", _radio(ID.SERIES_MODE, {
                SeriesMode.TONNES: "Tonnes", SeriesMode.SHARE: "Share of the country's total"},
                state.series, inline=True)),
            _control("Frequency", _radio(ID.SERIES_FREQ, {Freq.MONTHLY: "Monthly",
                                                      Freq.QUARTERLY: "Quarterly"},
                                         state.freq, inline=True)),
        ], className="panel-controls")]
    return []


def page(data: Dataset, catalogue: Catalogue, state: ViewState, graph_config: dict,
         max_upload_mb: float = 50.0, frame_ancestors: tuple[str, ...] = ("'self'",),
         viewport: dict | None = None, everything: bool = False) -> html.Div:
    """The page, with the charts of the tab it opens on (chart_blocks.tab_charts).
    `viewport` is the view those charts come drawn for ({"fit": "wide", "search": query,
    "token": None}: first_view), None when the callbacks draw them. `everything` builds
    every tab's charts and grids: the whole page tests/test_callback_ids.py checks
    callbacks against, never shown."""
    countries = country_options(catalogue)
    opened = state.tab
    sections = [_section(tab, state, [
        *tab_controls(tab, state, countries),
        chart_blocks.tab_charts(tab, graph_config, frame_ancestors, everything or tab == opened,
                                viewport, grids=everything)]) for tab in TAB_LABELS]
    return html.Div([
        dcc.Location(id=ID.URL, refresh=False),
        dcc.Store(id=ID.DATASET, storage_type="session"),
        dcc.Store(id=ID.VIEWPORT, data=viewport),
        header(data),
        data_notice(data),
        html.Div(id=ID.NOTICE, className="notice", role="alert", hidden=True),
        html.Main([
            sidebar(catalogue, state, max_upload_mb, everything),
            html.Div([
                tab_bar(state),
                html.P(id=ID.COMPARISON_TEXT, className="comparison-text",
                       **{"aria-live": "polite"}),
                *sections,
            ], className="content", id=ID.CONTENT, tabIndex="-1"),
        ], className="layout"),
        footer(),
    ], className="page")


def sidebar(catalogue: Catalogue, state: ViewState, max_upload_mb: float,
            grids: bool = False) -> html.Aside:
    """Upload and view controls in one <details>: closed, it is a one-line bar above the
    charts on a phone; on a wide screen style.css shows its content whatever its state."""
    return html.Aside(html.Details([
        html.Summary("View controls and data upload", className="sidebar-summary"),
        upload_panel(max_upload_mb, grids), controls(catalogue, state),
        # Also the way out of the panel: Tab from a dcc.Dropdown (focus on its tabindex=-1
        # button) as the last stop inside a <details> wrapped back to the page's first stop.
        html.A("Go to the charts", href=f"#{ID.CONTENT}", className="to-charts"),
    ], id=ID.CONTROLS_PANEL, className="sidebar-panel"), className="sidebar",
        **{"aria-label": "View controls and data upload"})


def footer() -> html.Footer:
    # Relative links, so they follow the app's base path.
    return html.Footer([
        html.A("Methods: how every number is computed", href="methods"),
        html.Span(" · "),
        html.A("Back to the top", href="#" + ID.HEADER),
    ], className="page-footer")
