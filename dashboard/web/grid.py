"""The data grid under each chart: its columns (units in the headers) and its rows, rounded
once to the source precision so the grid, the chart and the CSV hold the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import pandas as pd

from dashboard.analytics.compare import MEASURE_NAMES, MEASURE_UNITS
from dashboard.figures.text import round_to_unit, unit_of_header
from dashboard.web.view_state import ViewState


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
    unit = MEASURE_UNITS[state.measure]
    name = MEASURE_NAMES[state.measure]
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
