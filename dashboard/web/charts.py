"""Every chart of the page, by name: the one place page, embed and export get a view from.

Each function decodes nothing and computes nothing itself: it picks the rows of the view
state, calls analytics, then a figure builder, and says in one sentence what the chart shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics import (
    bilateral,
    dependency,
    mirror,
    series_index,
    surge_rules,
    surge_text,
    surges,
    timeseries,
)
from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import MEASURE_NAMES, MEASURE_UNITS
from dashboard.analytics.country_table import (
    country_table,
    selected_rows_of_year,
)
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.ranking import selection_ranking
from dashboard.analytics.timeseries import SeriesMode
from dashboard.figures import sentences
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, choropleth_spec
from dashboard.figures.dependency_charts import dependency_gauges_spec, dependency_ranking_spec
from dashboard.figures.mirror_chart import mirror_chart_spec
from dashboard.figures.sankey import sankey_spec
from dashboard.figures.series_chart import timeseries_spec
from dashboard.figures.style import figure_from, plotly_json
from dashboard.figures.surge_charts import country_series_spec, surge_chart_spec
from dashboard.figures.text import change_sentence, ranking_sentence
from dashboard.ingest import commodities
from dashboard.ingest.dataset import Dataset
from dashboard.web.grid import columns_for, grid_columns, grid_rows, rounded_table
from dashboard.web.ids import ID, Chart, Tab
from dashboard.web.view_state import ViewState

DEFAULT_SUPPLIER = "CHN"  # the dependency ranking's supplier when no partner is chosen


@dataclass
class ChartView:
    """One chart as every format shows it: figure, the rows behind it, one sentence.

    The figure is held as its plain spec: the page needs only its JSON (`figure_json`),
    and a `go.Figure` (2-5 ms to build) is made only when an export or a test asks.
    """

    spec: dict  # the figure: {"data": [...], "layout": {...}}, plain values and arrays
    table: pd.DataFrame  # exactly the rows behind the chart, in display units
    summary: str
    columns: list[dict]  # grid column definitions (header names carry the units)

    @cached_property
    def figure(self) -> go.Figure:
        return figure_from(self.spec)

    def figure_json(self) -> dict:
        """What `figure.to_plotly_json()` gives, without building the figure."""
        return plotly_json(self.spec)

    def figure_height(self) -> int | None:
        """The figure's height in px, when the builder fixed one."""
        return self.spec.get("layout", {}).get("height")

    def grid_rows(self) -> list[dict]:
        return grid_rows(self.table, self.columns)


def describe_selection(state: ViewState, catalogue: Catalogue,
                       compares: bool = False) -> dict[str, str]:
    """Words for the parts of a view: commodity, flow, counterpart, perspective, period.

    `compares`: the chart draws the baseline comparison (only the map does); a chart that
    does not must not say "against the whole of 2024".
    """
    commodity = catalogue.commodities.get(state.commodity, state.commodity)
    imports = state.direction == Direction.IMPORTS
    partner = catalogue.countries.get(state.partner, state.partner)
    counterpart = (f"{'from' if imports else 'to'} {partner}" if state.partner
                   else f"{'from' if imports else 'to'} all partners")
    perspective = ("as reported by the importers" if imports else "as reported by the exporters"
                   ) if state.perspective == Perspective.REPORTER else (
        "mirror data: as reported by the partners")
    comparison = state.comparison if compares else None
    period = comparison.describe() if comparison else describe_period(state.period)
    return {"commodity": commodity, "flow": "Imports" if imports else "Exports",
            "counterpart": counterpart, "perspective": perspective, "period": period}


def caption_for(state: ViewState, data: Dataset, catalogue: Catalogue, title: str,
                view_url: str = "", compares: bool = False, narrow: bool = False) -> Caption:
    words = describe_selection(state, catalogue, compares)
    subtitle = (f"{words['flow']} of {words['commodity']} {words['counterpart']}, "
                f"{words['perspective']}; {words['period']}")
    return Caption(title=title, subtitle=subtitle, source_line=data.source_line,
                   data_date=catalogue.latest_month or "", synthetic=data.synthetic,
                   view_url=view_url, narrow=narrow)


def map_view(state: ViewState, data: Dataset, catalogue: Catalogue,
             view_url: str = "", narrow: bool = False) -> ChartView:
    measure = state.measure
    columns = grid_columns(state)
    # Rounded once to the source precision: the map, its grid and its CSV hold one number.
    table = country_table(data.frame, state.selection, state.period, state.comparison)
    if "reported_through" in table:  # some reporter's data ends before the period does
        columns.insert(-2, {"field": "reported_through", "headerName": "Rows end at"})
    table = rounded_table(table, columns)
    words = describe_selection(state, catalogue, compares=True)
    column = state.change if state.comparison else "value"
    spec = MapSpec(column=column, unit=MEASURE_UNITS[measure],
                   measure_name=MEASURE_NAMES[measure], period_text=words["period"],
                   counterpart_text=words["counterpart"], focus=state.focus or "")
    title = (f"{MEASURE_NAMES[measure]}: change, {words['period']}" if state.comparison
             else f"{MEASURE_NAMES[measure]} by country, {words['period']}")
    caption = caption_for(state, data, catalogue, title, view_url, compares=True, narrow=narrow)
    figure_spec = choropleth_spec(table, spec, caption)
    what = f"{words['commodity']} {words['counterpart']}"
    role = "importer" if state.direction == Direction.IMPORTS else "exporter"
    if state.comparison:
        summary = change_sentence(table, words["period"], what, state.change,
                                  MEASURE_UNITS[measure], state.number("floor"))
    else:
        summary = ranking_sentence(table, "value", MEASURE_UNITS[measure], role, what,
                                   words["period"])
    return ChartView(figure_spec, table, summary, columns)



def surge_params(state: ViewState) -> surge_rules.SurgeParams:
    return surge_rules.SurgeParams(
        rule=state.rule, period=state.period, floor_t=state.number("floor"),
        ratio_threshold=state.number("threshold"), k=state.number("k"),
        z_threshold=state.number("z"))


def surge_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    params = surge_params(state)
    table = surges.selection_surges(data.frame, state.selection, params)
    words = describe_selection(state, catalogue)
    caption = caption_for(state, data, catalogue,
                          f"Import surges: {surge_text.rule_words(params)}", view_url,
                          narrow=narrow)
    figure_spec = surge_chart_spec(table, params, caption)
    summary = sentences.surge_sentence(table, words, params)
    score = "z" if params.rule == surge_rules.SurgeRule.ROBUST else "x"
    columns = columns_for(
        {"country_name": "Country", "iso3": "ISO3", "status": "Result",
         "current_t": "Period (t)", "reference_t": "Reference (t)", "ratio": "Ratio (x)",
         "score": f"Score ({score})", "threshold": f"Threshold ({score})", "explanation": "Why",
         "source_rows": "Source lines (period)", "reference_source_rows": "Source lines (ref.)"},
        numeric={"current_t", "reference_t", "ratio", "score", "threshold"},
        wide={"explanation"})
    return ChartView(figure_spec, table, summary, columns)


def surge_series_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    params = surge_params(state)
    focus = state.focus or ""
    name = catalogue.countries.get(focus, "no country focused")
    series = series_index.selection_country_series(data.frame, state.selection, focus)
    caption = caption_for(state, data, catalogue, f"{name}: the whole series", view_url,
                          narrow=narrow)
    figure_spec = country_series_spec(series, name, state.period, caption,
                                        surge_rules.reference_periods(params))
    summary = sentences.series_sentence(series, name, state.period)
    columns = columns_for(
        {"period": "Period", "freq": "Frequency", "weight_t": "Net weight (t)",
         "weight_t_per_month": "Per month (t)", "value_usd": "Value (USD)",
         "row_count": "Source rows", "source_rows": "Source lines"},
        numeric={"weight_t", "weight_t_per_month", "value_usd"}, wide={"source_rows"})
    return ChartView(figure_spec, series, summary, columns)


def gauges_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    focus = state.focus or ""
    shares = dependency.selection_supplier_shares(data.frame, state.selection, focus,
                                                  state.period)
    metrics = dependency.dependency_metrics(shares)
    if metrics is not None and state.perspective == Perspective.REPORTER:
        metrics = dependency.with_allocation(metrics, dependency.own_world_allocation(
            data.frame, state.direction, state.commodity, focus, state.period))
    hs6 = commodities.hs6_of(state.commodity)
    reference = dependency.reference_figures(data.reference_facts, focus, hs6) if len(
        data.reference_facts) and hs6 else pd.DataFrame()
    name = catalogue.countries.get(focus, "no country focused")
    caption = caption_for(state, data, catalogue, f"{name}: supplier dependency", view_url,
                          narrow=narrow)
    figure_spec = dependency_gauges_spec(metrics, reference, caption)
    summary = sentences.dependency_sentence(metrics, name, reference)
    if state.perspective == Perspective.MIRROR:
        summary += (" Mirror data: only partners that report their exports are counted, so"
                    " shares can overstate dependence.")
    columns = columns_for(
        {"counterpart_name": "Supplier", "counterpart": "Code", "weight_t": "Net weight (t)",
         "value_usd": "Value (USD)", "share": "Share (0-1)", "coverage": "Coverage",
         "source_rows": "Source lines"},
        numeric={"weight_t", "value_usd", "share"}, wide={"source_rows"})
    return ChartView(figure_spec, shares, summary, columns)


def ranking_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    supplier = state.partner or DEFAULT_SUPPLIER
    ranking = selection_ranking(data.frame, state.selection, state.period, supplier)
    supplier_name = catalogue.countries.get(supplier, supplier)
    caption = caption_for(state, data, catalogue,
                          f"Who depends most on {supplier_name}", view_url, narrow=narrow)
    figure_spec = dependency_ranking_spec(ranking, supplier_name, caption)
    summary = sentences.ranking_sentence(ranking, supplier_name, bool(state.partner))
    columns = columns_for(
        {"country_name": "Importer", "iso3": "ISO3", "supplier_share": "Share (0-1)",
         "supplier_t": f"From {supplier_name} (t)", "total_t": "From all (t)",
         "hhi": "HHI (0-1)", "source_rows": "Source lines"},
        numeric={"supplier_share", "supplier_t", "total_t", "hhi"}, wide={"source_rows"})
    return ChartView(figure_spec, ranking, summary, columns)


def sankey_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    direction = state.direction
    flows = bilateral.top_flows(selected_rows_of_year(data.frame, state.selection,
                                                      state.period), state.period,
                                int(state.number("top")), direction)
    caption = caption_for(state, data, catalogue, "Who ships to whom", view_url,
                          narrow=narrow)
    figure_spec = sankey_spec(flows, caption, direction)
    words = describe_selection(state, catalogue) | {"period": describe_period(state.period)}
    summary = sentences.flows_sentence(flows, words)
    columns = columns_for(
        {"source_name": "From", "target_name": "To", "weight_t": "Net weight (t)",
         "value_usd": "Value (USD)", "row_count": "Source rows"},
        numeric={"weight_t", "value_usd"})
    return ChartView(figure_spec, flows, summary, columns)


def series_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    countries = [c for c in [state.focus, *state.peer_list] if c][:5]
    series = series_index.selection_volume_series(data.frame, state.selection, countries,
                                                  freq=state.freq, mode=state.series)
    caption = caption_for(state, data, catalogue, "Volumes over time, with policy events",
                          view_url, narrow=narrow)
    events = timeseries.events_in_range(data.policy_events, *timeseries.series_span(series))
    figure_spec = timeseries_spec(series, events, state.series, caption, focus=state.focus or None)
    summary = sentences.timeseries_sentence(series, state.series)
    columns = columns_for(
        {"country_name": "Country", "period": "Period", "value": (
            "Drawn: share of total (0-1)" if state.series == SeriesMode.SHARE
            else "Drawn: net weight (t)"),
         "weight_t": "Net weight (t)", "row_count": "Source rows"},
        numeric={"value", "weight_t"})
    return ChartView(figure_spec, series, summary, columns)


def mirror_view(state: ViewState, data: Dataset, catalogue: Catalogue,
                view_url: str = "", narrow: bool = False) -> ChartView:
    gaps = mirror.mirror_gap(data.frame, state.commodity, state.period,
                             state.direction, counterpart=state.partner or None)
    caption = caption_for(state, data, catalogue, "Mirror gap: what each side reported",
                          view_url, narrow=narrow)
    figure_spec = mirror_chart_spec(gaps, caption)
    summary = sentences.mirror_sentence(gaps)
    columns = columns_for(
        {"importer_name": "Importer", "exporter_name": "Exporter", "status": "Reported by",
         "importer_t": "Importer says (t)", "exporter_t": "Exporter says (t)",
         "gap_t": "Gap (t)", "gap_pct": "Gap (%)", "importer_value_usd": "Importer (USD, CIF)",
         "exporter_value_usd": "Exporter (USD, FOB)", "cif_fob_ratio": "CIF/FOB (x)",
         "note": "Note"},
        numeric={"importer_t", "exporter_t", "importer_value_usd", "exporter_value_usd",
                 "cif_fob_ratio"}, wide={"note"}, changes={"gap_t", "gap_pct"})
    return ChartView(figure_spec, gaps, summary, columns)


RENDERERS: dict[Chart, Callable[[ViewState, Dataset, Catalogue, str, bool], ChartView]] = {
    Chart.MAP: map_view, Chart.SURGES: surge_view, Chart.SURGE_SERIES: surge_series_view,
    Chart.GAUGES: gauges_view, Chart.RANKING: ranking_view, Chart.SANKEY: sankey_view,
    Chart.SERIES: series_view, Chart.MIRROR: mirror_view,
}
TAB_TEXT_OUTPUTS = {Tab.SURGES: [ID.SURGE_RULE_TEXT]}


def render(chart: Chart, state: ViewState, data: Dataset, catalogue: Catalogue,
           view_url: str = "", narrow: bool = False) -> ChartView:
    """The chart as the page shows it; view_url (the link back) is drawn into the figure;
    `narrow` draws it for a phone (short caption lines, legends above the plot)."""
    return RENDERERS[Chart(chart)](state, data, catalogue, view_url, narrow)


def tab_texts(tab: Tab, state: ViewState, catalogue: Catalogue) -> list[str]:
    if tab == Tab.SURGES:
        return [surge_text.rule_description(surge_params(state))]
    return []


def comparison_heading(state: ViewState, catalogue: Catalogue) -> str:
    if state.comparison is None or state.tab != Tab.MAP:
        return ""
    return f"Showing {describe_selection(state, catalogue, compares=True)['period']}."


def clicked_country(value, grid_rows) -> str | None:
    """ISO3 of what a user clicked: a map country, a Sankey node, a ranking bar, a table row.

    Everything here came from the browser, so every shape is checked before use.
    """
    if not isinstance(value, dict):
        return None
    if "rowIndex" in value:  # a grid cell: look the row up in the rows the grid shows
        index = value.get("rowIndex")
        if isinstance(index, int) and isinstance(grid_rows, list) and 0 <= index < len(
                grid_rows) and isinstance(grid_rows[index], dict):
            code = grid_rows[index].get("iso3")
            return code if isinstance(code, str) else None
        return None
    points = value.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    for key in ("location", "customdata"):
        code = points[0].get(key)
        if isinstance(code, list) and code:
            code = code[0]
        if isinstance(code, str):
            return code
    return None
