"""Callbacks: decode input into a view state, delegate, return. No pandas here."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.analytics.period_rows import describe_period
from dashboard.ingest.period_labels import freq_of, is_label
from dashboard.web import charts, layout, tab_callbacks
from dashboard.web.chart_blocks import upload_problems_props
from dashboard.web.context import Bundle, Context
from dashboard.web.ids import (
    ID,
    Chart,
    Tab,
    graph_id,
    section_id,
    tab_id,
    table_id,
    table_rows_id,
)
from dashboard.web.layout import TAB_LABELS
from dashboard.web.links import upload_link_notice
from dashboard.web.uploads import UploadRefused
from dashboard.web.view_state import (
    FIELDS,
    control_value,
    controls_query,
    switched_tab,
)

CONTROL_FOR_FIELD = {
    "commodity": ID.COMMODITY, "direction": ID.DIRECTION, "perspective": ID.PERSPECTIVE,
    "partner": ID.PARTNER, "measure": ID.MEASURE, "period": ID.PERIOD,
    "baseline": ID.BASELINE, "basis": ID.BASIS, "change": ID.CHANGE, "focus": ID.FOCUS,
    "tab": ID.TAB, "rule": ID.SURGE_RULE, "floor": ID.SURGE_FLOOR,
    "threshold": ID.SURGE_THRESHOLD, "k": ID.SURGE_K, "z": ID.SURGE_Z, "top": ID.TOP_N,
    "peers": ID.PEERS, "series": ID.SERIES_MODE, "freq": ID.SERIES_FREQ,
}
# What the browser sends: text or nothing (a URL part, a store, a control).
Text = str | None
Clicks = int | None


def register(app: Dash, context: Context, graph_config: dict,
             frame_ancestors: tuple[str, ...]) -> None:
    # In the browser, no round trip: which view the charts are to show, and at what width.
    # The first layout fills the store with the view it drew (first_view); a store already
    # holding the view is left as is, so nothing is drawn twice.
    app.clientside_callback(ClientsideFunction(namespace="viewport", function_name="fit"),
                            Output(ID.VIEWPORT, "data"), Input(ID.URL, "search"),
                            Input(ID.DATASET, "data"), State(ID.VIEWPORT, "data"))
    _register_url_sync(app, context)
    _register_dataset(app, context)
    _register_sections(app)
    _register_headings(app, context)
    tab_callbacks.register(app, context, list(TAB_LABELS), graph_config, frame_ancestors)
    _register_focus_and_presets(app, context)


OPTION_CONTROLS = [ID.COMMODITY, *layout.PERIOD_CONTROLS, *layout.COUNTRY_CONTROLS]


def _register_url_sync(app: Dash, context: Context) -> None:
    controls = [Input(CONTROL_FOR_FIELD[name], "value") for name in FIELDS]
    control_outputs = [Output(CONTROL_FOR_FIELD[name], "value") for name in FIELDS]
    # A dropdown drops a value missing from its options: the options travel with the values.
    option_outputs = [Output(c, "options", allow_duplicate=True) for c in OPTION_CONTROLS]

    @app.callback(Output(ID.URL, "search"), *control_outputs, Output(ID.NOTICE, "children"),
                  Output(ID.NOTICE, "hidden"), *option_outputs, Input(ID.URL, "search"),
                  *controls, Input(ID.DATASET, "data"), State(ID.VIEWPORT, "data"),
                  prevent_initial_call="initial_duplicate")
    def sync_url_and_controls(search: Text, *values_token_viewport: Any) -> tuple:
        """The URL drives the controls on load and on back/forward; controls drive the URL."""
        *values, token, viewport = values_token_viewport
        # A new dataset (an upload, or back to the embedded data) re-reads the URL too: the
        # menus and their values must arrive together, or a dropdown drops a value that is
        # not yet in its options (the commodity menu went empty after an upload).
        if ctx.triggered_id in (None, ID.URL, ID.DATASET):
            bundle, state, notices = context.view(search, token)
            shown = [control_value(name, getattr(state, name)) for name in FIELDS]
            if first_layout_holds(viewport, token, values, shown):
                # Sending the same values and menus again cost ~0.5 s of the page's
                # re-rendering before the map was drawn.
                return (no_update, *[no_update] * len(FIELDS), " ".join(notices), not notices,
                        *([no_update] * len(OPTION_CONTROLS)))
            return no_update, *shown, " ".join(notices), not notices, *options_for(bundle)
        chosen = dict(zip(FIELDS, values))
        if chosen["commodity"] is None or chosen["period"] is None:
            raise PreventUpdate  # a dropdown emptied while its options change, not a choice
        bundle, state, _ = context.view(controls_query(values), token)
        shown = [no_update] * len(FIELDS)
        if ctx.triggered_id == ID.TAB:  # a view nobody chose opens on the new tab's default
            switched = switched_tab(state, context.view(search, token)[1].tab, bundle.catalogue)
            if switched != state:  # outputs of this callback do not trigger it again
                state = switched
                shown = [control_value(name, getattr(state, name)) for name in FIELDS]
        return (state.to_query(), *shown, no_update, no_update,
                *([no_update] * len(OPTION_CONTROLS)))


def first_layout_holds(viewport: Any, token: Text, values: list, shown: list) -> bool:
    """The controls are still as the first layout made them for this view, on the embedded
    data: its marker {"first": True, ...} is in the viewport store until the view or the data
    first changes (assets/viewport.js writes the store without it)."""
    first = isinstance(viewport, dict) and viewport.get("first") is True
    return first and token is None and list(values) == list(shown)


def options_for(bundle: Bundle) -> list[list[dict]]:
    """Menus of the commodity, period and country controls, in OPTION_CONTROLS order."""
    catalogue = bundle.catalogue
    periods = layout.period_options(catalogue)
    countries = layout.country_options(catalogue)
    return [layout.commodity_options(catalogue), *[periods] * len(layout.PERIOD_CONTROLS),
            *[countries] * len(layout.COUNTRY_CONTROLS)]


def _register_dataset(app: Dash, context: Context) -> None:
    @app.callback(Output(ID.DATASET, "data"), Output(ID.URL, "search", allow_duplicate=True),
                  Output(ID.UPLOAD_MESSAGE, "children"),
                  Output(table_rows_id(ID.UPLOAD_PROBLEMS), "data"),
                  Output(ID.UPLOAD_PROBLEMS_BOX, "hidden"),
                  Input(ID.UPLOAD, "contents"), Input(ID.UPLOAD_RESET, "n_clicks"),
                  State(ID.UPLOAD, "filename"), prevent_initial_call=True)
    def use_uploaded_file(contents: Text, _reset: Clicks, filename: Text) -> tuple:
        """Validate an upload with the same readers; the page then runs on it."""
        if ctx.triggered_id == ID.UPLOAD_RESET or context.uploads is None:
            query = context.embedded.defaults.to_query()
            return None, query, "Showing the embedded data.", None, True
        if contents is None:  # the upload box was cleared: nothing to read
            raise PreventUpdate
        try:
            result = context.uploads.save(filename or "upload.csv", contents)
        except UploadRefused as error:
            return no_update, no_update, f"Not loaded: {error}.", None, True
        rows = layout.problem_rows(result.problems)
        grid = upload_problems_props(rows) if rows else None
        if result.token is None:
            return no_update, no_update, result.message, grid, not rows
        query = context.bundle(result.token).defaults.to_query()
        return result.token, query, result.message, grid, not rows

    # The menus come with their values from sync_url_and_controls (one response, no race).
    @app.callback(Output(ID.HEADER, "children"),
                  Output(ID.DATA_NOTICE, "children"), Output(ID.DATA_NOTICE, "hidden"),
                  Input(ID.DATASET, "data"))
    def describe_dataset(token: Text) -> tuple:
        bundle = context.bundle(token)
        notice = " ".join(text for text in (layout.data_notice_text(bundle.data),
                                            upload_link_notice(bundle)) if text)
        return layout.header_children(bundle.data), notice, not notice


def _register_headings(app: Dash, context: Context) -> None:
    @app.callback(Output(ID.COMPARISON_TEXT, "children"), Input(ID.URL, "search"),
                  Input(ID.DATASET, "data"))
    def say_which_comparison(search: Text, token: Text) -> str:
        bundle, state, _ = context.view(search, token)
        return charts.comparison_heading(state, bundle.catalogue)


def _register_sections(app: Dash) -> None:
    @app.callback(*[Output(section_id(tab), "hidden") for tab in TAB_LABELS],
                  *[Output(tab_id(tab), "className") for tab in TAB_LABELS],
                  *[Output(tab_id(tab), "aria-selected") for tab in TAB_LABELS],
                  Input(ID.TAB, "value"))
    def show_section(tab: Text) -> tuple:
        marks = [layout.tab_marks(name, tab) for name in TAB_LABELS]
        return (*[name != (tab or Tab.MAP) for name in TAB_LABELS],
                *[m["className"] for m in marks], *[m["aria-selected"] for m in marks])

    @app.callback(Output(ID.TAB, "value", allow_duplicate=True),
                  *[Input(tab_id(tab), "n_clicks") for tab in TAB_LABELS],
                  prevent_initial_call=True)
    def choose_tab(*_clicks: Clicks) -> Any:
        clicked = {tab_id(tab): tab for tab in TAB_LABELS}.get(ctx.triggered_id)
        return clicked if clicked else no_update


def _register_focus_and_presets(app: Dash, context: Context) -> None:
    @app.callback(Output(ID.PRESET_WHOLE_YEAR, "children"), Output(ID.PRESET_AVERAGE, "children"),
                  Output(ID.PRESET_SAME_PERIOD, "children"), Input(ID.PERIOD, "value"))
    def label_presets(period: Text) -> tuple[str, str, str]:
        return preset_labels(usable_period(period, context.embedded.defaults.period))

    @app.callback(Output(ID.BASELINE, "value", allow_duplicate=True),
                  Output(ID.BASIS, "value", allow_duplicate=True),
                  Input(ID.PRESET_WHOLE_YEAR, "n_clicks"), Input(ID.PRESET_AVERAGE, "n_clicks"),
                  Input(ID.PRESET_SAME_PERIOD, "n_clicks"), State(ID.PERIOD, "value"),
                  prevent_initial_call=True)
    def apply_preset(_whole: Clicks, _average: Clicks, _same: Clicks, period: Text
                     ) -> tuple[str, str]:
        return preset_baseline(ctx.triggered_id,
                               usable_period(period, context.embedded.defaults.period))

    # Optional: a tab's charts are in the page once it has been shown, its grid once the
    # grid library has loaded (chart_blocks).
    @app.callback(Output(ID.FOCUS, "value", allow_duplicate=True),
                  Input(graph_id(Chart.MAP), "clickData", allow_optional=True),
                  Input(graph_id(Chart.SANKEY), "clickData", allow_optional=True),
                  Input(graph_id(Chart.RANKING), "clickData", allow_optional=True),
                  Input(table_id(Chart.SURGES), "cellClicked", allow_optional=True),
                  State(table_id(Chart.SURGES), "virtualRowData", allow_optional=True),
                  State(ID.DATASET, "data"), prevent_initial_call=True)
    def focus_clicked_country(map_click: dict | None, sankey_click: dict | None,
                              ranking_click: dict | None, cell: dict | None,
                              rows: list[dict] | None, token: Text) -> Any:
        code = context.bundle(token).catalogue.party_on_shape(
            charts.clicked_country(ctx.triggered[0]["value"], rows))
        return code if code is not None else no_update


def usable_period(period: object, default: str) -> str:
    """A canonical period label from a control, else the default (never trust the client)."""
    return period if isinstance(period, str) and is_label(period) else default


def preset_labels(period: str) -> tuple[str, str, str]:
    """Button labels for the three framings, e.g. "vs whole 2024", "vs 2024 average quarter"."""
    year = str(int(period[:4]) - 1)
    unit = {"A": "year", "Q": "quarter", "M": "month"}[freq_of(period)]
    same = f"{year}{period[4:]}"
    return (f"vs whole {year}", f"vs {year} average {unit}", f"vs {describe_period(same)}")


def preset_baseline(button: str, period: str) -> tuple[str, str]:
    year = str(int(period[:4]) - 1)
    if button == ID.PRESET_WHOLE_YEAR:
        return year, "total"
    if button == ID.PRESET_AVERAGE:
        return year, "average"
    return f"{year}{period[4:]}", "total"
