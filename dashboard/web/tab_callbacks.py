"""A tab's charts: built the first time the tab is shown, drawn for each view, their
download links, and their grids (made in the browser: chart_blocks)."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard.web import chart_blocks, charts, view_cache
from dashboard.web.chart_blocks import BUILT, grid_props
from dashboard.web.context import Bundle, Context
from dashboard.web.ids import (
    EXPORT_LINKS,
    ID,
    TAB_VIEWS,
    Tab,
    action_id,
    charts_box_id,
    charts_on,
    graph_id,
    summary_id,
    tab_render_id,
    tab_view_id,
    table_id,
    table_rows_id,
    table_slot_id,
)
from dashboard.web.links import export_links, view_link
from dashboard.web.view_state import ViewState

NARROW = "narrow"  # assets/viewport.js's word for a phone-sized window
Text = str | None


def register(app: Dash, context: Context, tabs: list[Tab], graph_config: dict,
             frame_ancestors: tuple[str, ...]) -> None:
    # The viewport store, copied into each built tab's own store (tab_view_id): a render
    # callback listens to that copy, so it exists, and fires, only where the charts do.
    # Not on mounting: the first layout's store already holds the view it drew.
    app.clientside_callback("function (view, views) { return views.map(function () {"
                            " return view; }); }",
                            Output(TAB_VIEWS, "data"), Input(ID.VIEWPORT, "data"),
                            State(TAB_VIEWS, "data"), prevent_initial_call=True)
    for tab in tabs:
        app.clientside_callback("function (view) { return view; }",
                                Output(tab_render_id(tab), "data"),
                                Input(tab_view_id(tab), "data"), prevent_initial_call=True)
        _register_building(app, context, tab, graph_config, frame_ancestors)
        _register_render(app, context, tab)
        _register_export_links(app, context, tab)
        for chart in charts_on(tab):
            _register_grid(app, table_id(chart))
    _register_grid(app, ID.UPLOAD_PROBLEMS)


def _register_grid(app: Dash, grid_id: str) -> None:
    # assets/grids.js loads the grid library (once), then makes the grid from its props.
    app.clientside_callback(ClientsideFunction(namespace="grids", function_name="make"),
                            Output(table_slot_id(grid_id), "children"),
                            Input(table_rows_id(grid_id), "data"))


def _register_building(app: Dash, context: Context, tab: Tab, graph_config: dict,
                       frame_ancestors: tuple[str, ...]) -> None:
    texts = [Output(component, "children") for component in charts.TAB_TEXT_OUTPUTS.get(tab, [])]

    @app.callback(Output(charts_box_id(tab), "children"), Output(charts_box_id(tab), "className"),
                  *texts, Input(ID.VIEWPORT, "data"), State(ID.URL, "search"),
                  State(ID.DATASET, "data"), State(ID.URL, "href"),
                  State(charts_box_id(tab), "className"), prevent_initial_call=True)
    def build_tab_charts(viewport: Any, search: Text, token: Text, href: Text,
                         built: Text) -> tuple:
        """The tab's charts, drawn, the first time it is shown; never again."""
        if built == BUILT:
            raise PreventUpdate
        bundle, state, _ = context.view(search, token)
        if state.tab != tab:
            raise PreventUpdate
        box, texts = drawn_tab_charts(context, tab, state, bundle, href, viewport,
                                      graph_config, frame_ancestors)
        return box.children, BUILT, *texts


def drawn_tab_charts(context: Context, tab: Tab, state: ViewState, bundle: Bundle, href: Text,
                     viewport: Any, graph_config: dict, frame_ancestors: tuple[str, ...]
                     ) -> tuple[html.Div, list]:
    """A tab's charts box with the view drawn in, for the width `viewport` names, and the
    tab's texts that sit outside the box (charts.TAB_TEXT_OUTPUTS), in their order."""
    box = chart_blocks.tab_charts(tab, graph_config, frame_ancestors, True, viewport)
    values = tab_values(context, tab, state, bundle, href, fit_of(viewport) == NARROW)
    pairs = tab_outputs(tab)
    in_box = len(pairs) - len(charts.TAB_TEXT_OUTPUTS.get(tab, []))
    for (component_id, prop), value in zip(pairs[:in_box], values):
        setattr(box[component_id], prop, value)
    return box, values[in_box:]


def tab_outputs(tab: Tab) -> list[tuple[str, str]]:
    """(component id, property) of everything a tab's render fills, in `tab_values` order:
    the render callback's outputs, and what a built tab comes with (drawn_tab_charts)."""
    pairs: list[tuple[str, str]] = []
    for chart in charts_on(tab):
        pairs += [(graph_id(chart), "figure"), (graph_id(chart), "style"),
                  (summary_id(chart), "children"), (table_rows_id(chart), "data")]
    return pairs + [(component, "children") for component in charts.TAB_TEXT_OUTPUTS.get(tab, [])]


def tab_values(context: Context, tab: Tab, state: ViewState, bundle: Bundle, href: Text,
               narrow: bool) -> list:
    """What a tab shows for a view, in `tab_outputs` order, through the render cache."""
    # Drawn into each figure (it survives a download); an upload is not in it.
    link = view_link(context.page_url(href), state, uploaded=bundle.uploaded)

    def compute() -> list:
        out = []
        for chart in charts_on(tab):
            view = charts.render(chart, state, bundle.data, bundle.catalogue, link, narrow)
            height = view.figure_height() if narrow else None
            out += [view.figure_json(), chart_blocks.graph_style(chart, height), view.summary,
                    grid_props(table_id(chart), view.grid_rows(), view.columns)]
        return out + charts.tab_texts(tab, state, bundle.catalogue)

    return view_cache.cached(context.cache, view_cache.key("tab", tab, state.to_query(), link,
                                                           bundle.fingerprint, NARROW * narrow),
                             compute)


def _register_render(app: Dash, context: Context, tab: Tab) -> None:
    outputs = [Output(component, prop) for component, prop in tab_outputs(tab)]

    # Triggered by the tab's copy of the viewport store alone, never by the layout's own
    # value: a graph waits to draw while a callback for it is pending, so the view the first
    # layout drew must not be asked for again. assets/viewport.js sets the store when the
    # view, the data or the width changes, and on mounting when the layout drew nothing.
    @app.callback(*outputs, Input(tab_render_id(tab), "data"), State(ID.URL, "search"),
                  State(ID.DATASET, "data"), State(ID.URL, "href"), prevent_initial_call=True)
    def render_tab(viewport: Any, search: Text, token: Text, href: Text) -> list:
        bundle, state, _ = context.view(search, token)
        if state.tab != tab:
            raise PreventUpdate  # hidden tabs are not computed
        return tab_values(context, tab, state, bundle, href, fit_of(viewport) == NARROW)


def fit_of(viewport: Any) -> Text:
    """"wide" or "narrow" from the viewport store ({"fit": ..., "search": ...,
    "token": ...}, see assets/viewport.js), or the word itself."""
    return viewport.get("fit") if isinstance(viewport, dict) else viewport


def _register_export_links(app: Dash, context: Context, tab: Tab) -> None:
    tab_charts = charts_on(tab)
    outputs = [Output(action_id(chart, kind), "href")
               for chart in tab_charts for kind in EXPORT_LINKS]
    outputs += [Output(action_id(chart, "embed"), "children") for chart in tab_charts]

    # On mounting too: a built tab's links come from here.
    @app.callback(*outputs, Input(tab_render_id(tab), "data"), State(ID.URL, "search"),
                  State(ID.DATASET, "data"), State(ID.URL, "href"))
    def point_links_at_this_view(_view: Any, search: Text, token: Text, href: Text
                                 ) -> list[str]:
        bundle, state, _ = context.view(search, token)
        shown = token if bundle.uploaded else None  # an expired token: none
        return export_links(context.public_base, state, shown, context.page_url(href),
                            tab_charts)
