"""Callbacks: decode input into a view state, delegate, return. No pandas here."""

from __future__ import annotations

from dataclasses import dataclass, fields

from dash import Dash, Input, Output, State, ctx, no_update

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.periods import describe_period, freq_of
from dashboard.ingest.dataset import Dataset
from dashboard.web import render
from dashboard.web.ids import ID
from dashboard.web.view_state import ViewState, from_query

CONTROL_FOR_FIELD = {
    "commodity": ID.COMMODITY, "direction": ID.DIRECTION, "perspective": ID.PERSPECTIVE,
    "partner": ID.PARTNER, "measure": ID.MEASURE, "period": ID.PERIOD,
    "baseline": ID.BASELINE, "basis": ID.BASIS, "change": ID.CHANGE, "focus": ID.FOCUS,
}
FIELDS = [f.name for f in fields(ViewState)]


@dataclass(frozen=True)
class Context:
    data: Dataset
    catalogue: Catalogue
    defaults: ViewState

    def view(self, search: str | None) -> tuple[ViewState, list[str]]:
        return from_query(search or "", self.defaults, self.catalogue)


def state_from_controls(values: list) -> ViewState:
    return ViewState(**{name: value or "" for name, value in zip(FIELDS, values)})


def register(app: Dash, context: Context) -> None:
    controls = [Input(CONTROL_FOR_FIELD[name], "value") for name in FIELDS]
    control_outputs = [Output(CONTROL_FOR_FIELD[name], "value") for name in FIELDS]

    @app.callback(Output(ID.URL, "search"), *control_outputs, Output(ID.NOTICE, "children"),
                  Output(ID.NOTICE, "hidden"), Input(ID.URL, "search"), *controls)
    def sync_url_and_controls(search, *values):
        """The URL drives the controls on load and on back/forward; controls drive the URL."""
        if ctx.triggered_id in (None, ID.URL):
            state, notices = context.view(search)
            shown = [getattr(state, name) or None for name in FIELDS]
            return no_update, *shown, " ".join(notices), not notices
        state, _ = context.view(state_from_controls(values).to_query())
        return state.to_query(), *([no_update] * len(FIELDS)), no_update, no_update

    @app.callback(Output(ID.MAP, "figure"), Output(ID.MAP_SUMMARY, "children"),
                  Output(ID.COMPARISON_TEXT, "children"), Output(ID.TABLE, "rowData"),
                  Output(ID.TABLE, "columnDefs"), Input(ID.URL, "search"))
    def render_map(search):
        state, _ = context.view(search)
        view = render.map_view(state, context.data, context.catalogue)
        heading = f"Showing {view.comparison_text}." if state.comparison else ""
        return (view.figure, view.summary, heading, render.grid_rows(view.table),
                render.grid_columns(state))

    @app.callback(Output(ID.PRESET_WHOLE_YEAR, "children"), Output(ID.PRESET_AVERAGE, "children"),
                  Output(ID.PRESET_SAME_PERIOD, "children"), Input(ID.PERIOD, "value"))
    def label_presets(period):
        return preset_labels(period or context.defaults.period)

    @app.callback(Output(ID.BASELINE, "value", allow_duplicate=True),
                  Output(ID.BASIS, "value", allow_duplicate=True),
                  Input(ID.PRESET_WHOLE_YEAR, "n_clicks"), Input(ID.PRESET_AVERAGE, "n_clicks"),
                  Input(ID.PRESET_SAME_PERIOD, "n_clicks"), State(ID.PERIOD, "value"),
                  prevent_initial_call=True)
    def apply_preset(_whole, _average, _same, period):
        return preset_baseline(ctx.triggered_id, period)

    @app.callback(Output(ID.FOCUS, "value", allow_duplicate=True), Input(ID.MAP, "clickData"),
                  prevent_initial_call=True)
    def focus_clicked_country(click):
        point = (click or {}).get("points", [{}])[0]
        return point.get("location") or no_update


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

