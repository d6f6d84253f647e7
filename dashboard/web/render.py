"""From a view state to what the page shows: calls analytics and figure builders only.

The same functions serve the page, and later the embed and export routes, so every
format of a view is computed once and the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import MEASURE_NAMES, MEASURE_UNITS, Measure
from dashboard.analytics.country_table import country_table
from dashboard.analytics.periods import describe_period
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, build_map
from dashboard.figures.text import change_sentence, ranking_sentence
from dashboard.ingest.dataset import Dataset
from dashboard.web.view_state import ViewState


@dataclass
class ChartView:
    """One chart as every format shows it: figure, the rows behind it, one sentence."""

    figure: go.Figure
    table: pd.DataFrame  # exactly the rows behind the chart, in display units
    summary: str
    columns: list[dict]  # grid column definitions (header names carry the units)

    def grid_rows(self) -> list[dict]:
        return grid_rows(self.table)


def describe_selection(state: ViewState, catalogue: Catalogue) -> dict[str, str]:
    """Words for the parts of a view: commodity, flow, counterpart, perspective, period."""
    commodity = catalogue.commodities.get(state.commodity, state.commodity)
    imports = state.direction == "imports"
    partner = catalogue.countries.get(state.partner, state.partner)
    counterpart = (f"{'from' if imports else 'to'} {partner}" if state.partner
                   else f"{'from' if imports else 'to'} all partners")
    perspective = ("as reported by the importers" if imports else "as reported by the exporters"
                   ) if state.perspective == "reporter" else (
        "mirror data: as reported by the partners")
    comparison = state.comparison
    period = comparison.describe() if comparison else describe_period(state.period)
    return {"commodity": commodity, "flow": "Imports" if imports else "Exports",
            "counterpart": counterpart, "perspective": perspective, "period": period}


def caption_for(state: ViewState, data: Dataset, catalogue: Catalogue, title: str,
                view_url: str = "") -> Caption:
    words = describe_selection(state, catalogue)
    subtitle = (f"{words['flow']} of {words['commodity']} {words['counterpart']}, "
                f"{words['perspective']}; {words['period']}")
    return Caption(title=title, subtitle=subtitle, source_line=data.source_line,
                   data_date=catalogue.latest_month or "", synthetic=data.synthetic,
                   view_url=view_url)


def map_view(state: ViewState, data: Dataset, catalogue: Catalogue,
             view_url: str = "") -> ChartView:
    measure = Measure(state.measure)
    table = country_table(data.frame, state.selection, state.period, state.comparison)
    words = describe_selection(state, catalogue)
    column = state.change if state.comparison else "value"
    spec = MapSpec(column=column, unit=MEASURE_UNITS[measure],
                   measure_name=MEASURE_NAMES[measure], period_text=words["period"],
                   counterpart_text=words["counterpart"], focus=state.focus or "")
    title = (f"{MEASURE_NAMES[measure]}: change, {words['period']}" if state.comparison
             else f"{MEASURE_NAMES[measure]} by country, {words['period']}")
    figure = build_map(table, spec, caption_for(state, data, catalogue, title, view_url))
    what = f"{words['commodity']} {words['counterpart']}"
    role = "importer" if state.direction == "imports" else "exporter"
    if state.comparison:
        summary = change_sentence(table, words["period"], what)
    else:
        summary = ranking_sentence(table, "value", MEASURE_UNITS[measure], role, what,
                                   words["period"])
    return ChartView(figure, table, summary, grid_columns(state))


def grid_rows(table: pd.DataFrame) -> list[dict]:
    """Table rows for the grid: plain JSON values, floats rounded, NaN as empty."""
    out = table.reset_index() if table.index.name else table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(4)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


NUMBER_COLUMN = {"type": "rightAligned", "valueFormatter": {"function":
                 "params.value == null ? 'no data' : d3.format(',.4~f')(params.value)"}}


def columns_for(headers: dict[str, str], numeric: set[str] = frozenset(),
                wide: set[str] = frozenset()) -> list[dict]:
    """Grid columns in the given order; numeric ones right-aligned, wide ones flexible."""
    columns = []
    for field, name in headers.items():
        column = {"field": field, "headerName": name}
        if field in numeric:
            column |= NUMBER_COLUMN
        if field in wide:
            column |= {"flex": 1, "minWidth": 260}
        columns.append(column)
    return columns


def grid_columns(state: ViewState) -> list[dict]:
    unit = MEASURE_UNITS[Measure(state.measure)]
    name = MEASURE_NAMES[Measure(state.measure)]
    columns = [
        {"field": "country_name", "headerName": "Country", "pinned": "left"},
        {"field": "iso3", "headerName": "ISO3", "width": 90},
        {"field": "value", "headerName": f"{name} ({unit})", **NUMBER_COLUMN},
    ]
    if state.comparison:
        columns += [
            {"field": "baseline", "headerName": f"Baseline ({unit})", **NUMBER_COLUMN},
            {"field": "absolute", "headerName": f"Change ({unit})", **NUMBER_COLUMN},
            {"field": "percent", "headerName": "Change (%)", **NUMBER_COLUMN},
            {"field": "ratio", "headerName": "Ratio (x)", **NUMBER_COLUMN},
        ]
    columns += [
        {"field": "estimated", "headerName": "Estimated weights"},
        {"field": "coverage", "headerName": "Coverage"},
        {"field": "row_count", "headerName": "Source rows", "type": "rightAligned"},
        {"field": "source_rows", "headerName": "Source lines", "flex": 1, "minWidth": 260},
    ]
    return columns
