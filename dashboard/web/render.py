"""From a view state to what the page shows: calls analytics and figure builders only.

The same functions serve the page, and later the embed and export routes, so every
format of a view is computed once and the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import MEASURE_NAMES, MEASURE_UNITS, Measure
from dashboard.analytics.country_table import country_table
from dashboard.analytics.periods import describe_period
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, build_map
from dashboard.figures.text import (
    change_sentence,
    ranking_sentence,
    round_to_unit,
    unit_of_header,
)
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
        return grid_rows(self.table, self.columns)


def describe_selection(state: ViewState, catalogue: Catalogue,
                       compares: bool = False) -> dict[str, str]:
    """Words for the parts of a view: commodity, flow, counterpart, perspective, period.

    `compares`: the chart draws the baseline comparison (only the map does); a chart that
    does not must not say "against the whole of 2024".
    """
    commodity = catalogue.commodities.get(state.commodity, state.commodity)
    imports = state.direction == "imports"
    partner = catalogue.countries.get(state.partner, state.partner)
    counterpart = (f"{'from' if imports else 'to'} {partner}" if state.partner
                   else f"{'from' if imports else 'to'} all partners")
    perspective = ("as reported by the importers" if imports else "as reported by the exporters"
                   ) if state.perspective == "reporter" else (
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
    measure = Measure(state.measure)
    columns = grid_columns(state)
    # Rounded once to the source precision: the map, its grid and its CSV hold one number.
    table = rounded_table(country_table(data.frame, state.selection, state.period,
                                        state.comparison), columns)
    words = describe_selection(state, catalogue, compares=True)
    column = state.change if state.comparison else "value"
    spec = MapSpec(column=column, unit=MEASURE_UNITS[measure],
                   measure_name=MEASURE_NAMES[measure], period_text=words["period"],
                   counterpart_text=words["counterpart"], focus=state.focus or "")
    title = (f"{MEASURE_NAMES[measure]}: change, {words['period']}" if state.comparison
             else f"{MEASURE_NAMES[measure]} by country, {words['period']}")
    figure = build_map(table, spec, caption_for(state, data, catalogue, title, view_url,
                                                compares=True, narrow=narrow))
    what = f"{words['commodity']} {words['counterpart']}"
    role = "importer" if state.direction == "imports" else "exporter"
    if state.comparison:
        summary = change_sentence(table, words["period"], what, state.change,
                                  MEASURE_UNITS[measure], state.number("floor"))
    else:
        summary = ranking_sentence(table, "value", MEASURE_UNITS[measure], role, what,
                                   words["period"])
    return ChartView(figure, table, summary, columns)


def rounded_table(table: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """The numbers at their source precision, by the unit each grid header names.

    Weights (t) to whole kg, USD to whole dollars, anything else with a unit to 4
    significant digits (figures.text.round_to_unit); other float columns the same way.
    """
    units = {c["field"]: unit_of_header(c["headerName"]) for c in columns}
    units.setdefault("average_value", units.get("value", ""))  # the series' open markers
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = round_to_unit(out[column], units.get(column) or _unit_of(column))
    return out


def _unit_of(field: str) -> str:
    """Unit of a column no grid header names, from its name: weight_t, world_usd."""
    return {"t": "t", "kg": "kg", "usd": "USD"}.get(field.rsplit("_", 1)[-1], "")


def grid_rows(table: pd.DataFrame, columns: Sequence[dict] = ()) -> list[dict]:
    """Table rows for the grid: plain JSON values at the CSV's precision, NaN as empty."""
    out = rounded_table(table, list(columns))
    out = out.reset_index() if out.index.name else out
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict("records")


# The grid's cells follow figures.text.format_number (3 significant digits below 100,
# whole numbers with separators above), drawn by d3-format in the browser; d3 writes
# negatives with U+2212, the page's text with "-". tests/test_numbers.py checks they agree.
def grid_number_js(signed: bool = False) -> str:
    """format_number(value, signed) as a dash-ag-grid valueFormatter expression."""
    sign = "+" if signed else ""
    return ("params.value == null ? 'no data' : params.value == 0 ? '0' : (params.value >= 100"
            f" || params.value <= -100 ? d3.format('{sign},.0f')(params.value)"
            f" : d3.format('{sign}.3~r')(params.value)).replace('\u2212', '-')")


NUMBER_COLUMN = {"type": "rightAligned", "valueFormatter": {"function": grid_number_js()}}
CHANGE_COLUMN = {"type": "rightAligned", "valueFormatter": {"function": grid_number_js(True)}}


def columns_for(headers: dict[str, str], numeric: AbstractSet[str] = frozenset(),
                wide: AbstractSet[str] = frozenset(), changes: AbstractSet[str] = frozenset()
                ) -> list[dict]:
    """Grid columns in the given order; numeric ones right-aligned (changes signed), wide
    ones flexible."""
    columns: list[dict] = []
    for field, name in headers.items():
        column: dict[str, object] = {"field": field, "headerName": name}
        if field in numeric or field in changes:
            column |= CHANGE_COLUMN if field in changes else NUMBER_COLUMN
        if field in wide:
            column |= {"flex": 1, "minWidth": 260}
        columns.append(column)
    return columns


def grid_columns(state: ViewState) -> list[dict]:
    unit = MEASURE_UNITS[Measure(state.measure)]
    name = MEASURE_NAMES[Measure(state.measure)]
    columns: list[dict] = [
        {"field": "country_name", "headerName": "Country", "pinned": "left"},
        {"field": "iso3", "headerName": "ISO3", "width": 90},
        {"field": "value", "headerName": f"{name} ({unit})", **NUMBER_COLUMN},
    ]
    if state.comparison:
        columns += [
            {"field": "baseline", "headerName": f"Baseline ({unit})", **NUMBER_COLUMN},
            {"field": "absolute", "headerName": f"Change ({unit})", **CHANGE_COLUMN},
            {"field": "percent", "headerName": "Change (%)", **CHANGE_COLUMN},
            {"field": "ratio", "headerName": "Ratio (x)", **NUMBER_COLUMN},
        ]
    columns += [
        {"field": "estimated", "headerName": "Estimated weights"},
        {"field": "coverage", "headerName": "Coverage"},
        {"field": "row_count", "headerName": "Source rows", "type": "rightAligned"},
        {"field": "source_rows", "headerName": "Source lines", "flex": 1, "minWidth": 260},
    ]
    return columns
