"""The data grid under each chart: its columns (units in the headers) and its rows, rounded
once to the source precision so the grid, the chart and the CSV hold the same numbers."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import pandas as pd

# A cell as to_dict("records") gives it (np.float64 -> float, NA -> None): one rule.
from pandas.core.dtypes.cast import maybe_box_native

from dashboard.analytics.compare import MEASURE_NAMES, MEASURE_UNITS
from dashboard.figures.text import round_to_unit, rounded_to_unit, unit_of_header
from dashboard.web.view_state import ViewState


def rounded_table(table: pd.DataFrame, columns: list[dict]) -> pd.DataFrame:
    """The numbers at their source precision, by the unit each grid header names.

    Weights (t) to whole kg, USD to whole dollars, anything else with a unit to 4
    significant digits (figures.text.round_to_unit); other float columns the same way.
    """
    units = _units(columns)
    if not table.columns.is_unique:
        out = table.copy()
        for column in out.columns:
            if pd.api.types.is_float_dtype(out[column]):
                out[column] = round_to_unit(out[column], units.get(column) or _unit_of(column))
        return out
    # One frame built from the columns: a column set at a time cost more than the rounding.
    cells = {column: round_to_unit(values, units.get(column) or _unit_of(column))
             if pd.api.types.is_float_dtype(values) else values
             for column, values in table.items()}
    out = pd.DataFrame(cells, index=table.index)
    out.columns = table.columns
    out.attrs = copy.deepcopy(table.attrs)
    return out


def _unit_of(field: str) -> str:
    """Unit of a column no grid header names, from its name: weight_t, world_usd."""
    return {"t": "t", "kg": "kg", "usd": "USD", "eur": "EUR"}.get(field.rsplit("_", 1)[-1], "")


def grid_rows(table: pd.DataFrame, columns: Sequence[dict] = ()) -> list[dict]:
    """Table rows for the grid: plain JSON values at the CSV's precision, NaN as empty.

    Column by column on arrays, then zipped into rows: the frame-wide
    `astype(object).where(...).to_dict("records")` (`grid_rows_reference`) cost 3-10 ms a
    chart for tables of a few hundred rows. tests/test_fast_paths.py checks both agree.
    """
    units = _units(columns)
    cells: dict[str, list] = {}
    if table.index.name:  # a named index is a column of the grid, first, as reset_index
        cells[table.index.name] = _cells(pd.Series(table.index), "")
    for column in table.columns:
        cells[column] = _cells(table[column], units.get(column) or _unit_of(column))
    names = list(cells)
    return [dict(zip(names, row)) for row in zip(*cells.values())]


def _units(columns: Sequence[dict]) -> dict[str, str]:
    units = {c["field"]: unit_of_header(c["headerName"]) for c in columns}
    units.setdefault("average_value", units.get("value", ""))  # the series' open markers
    return units


def _cells(values: pd.Series, unit: str) -> list:
    """One column's cells: Python numbers, bools and strings; missing as None; floats
    rounded to the unit (`rounded_table`), dates as YYYY-MM-DD."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biu":  # never missing
        return values.to_numpy().tolist()
    if values.dtype == np.float64:  # the common case, on the array
        numbers = rounded_to_unit(values.to_numpy(), unit)
        cells = numbers.tolist()
        for position in np.flatnonzero(np.isnan(numbers)).tolist():
            cells[position] = None
        return cells
    if isinstance(values.dtype, pd.StringDtype):  # str cells, or missing
        return values.to_numpy(dtype=object, na_value=None).tolist()
    if pd.api.types.is_float_dtype(values):
        values = round_to_unit(values, unit)
    elif pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    missing = values.isna().to_numpy()
    if values.dtype.kind == "f":
        cells = values.to_numpy().tolist()
    else:  # what to_dict("records") makes of an object cell: a Python scalar, NA as None
        cells = [maybe_box_native(cell) for cell in values.astype(object).tolist()]
    for position in np.flatnonzero(missing).tolist():
        cells[position] = None
    return cells


def grid_rows_reference(table: pd.DataFrame, columns: Sequence[dict] = ()) -> list[dict]:
    """The definition `grid_rows` follows, on the whole frame with pandas."""
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
