"""The grid's cells read as the one number formatter says (its d3 format, drawn by
dash-ag-grid in real Chromium), plain and signed."""

from __future__ import annotations

import pytest
from dash import Dash, html
from dash_ag_grid import AgGrid
from test_numbers import READ_AS

from dashboard.figures.text import format_number
from dashboard.web.grid import CHANGE_COLUMN, NUMBER_COLUMN

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def grid_texts(browser, live_server):
    """What dash-ag-grid's cells show for READ_AS's values."""
    app = Dash(__name__)
    rows = [{"n": i, "v": value} for i, (value, _) in enumerate(READ_AS)] + [
        {"n": len(READ_AS), "v": None}]
    rows = [row | {"c": row["v"]} for row in rows]  # the same values as a signed change
    app.layout = html.Div(AgGrid(id="numbers", rowData=rows, dashGridOptions={
        "domLayout": "autoHeight"}, columnDefs=[{"field": "n"}, {"field": "v", **NUMBER_COLUMN},
                                               {"field": "c", **CHANGE_COLUMN}]))
    url = live_server(app)
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(url + "/")
        page.wait_for_selector(f".ag-row[row-index='{len(READ_AS)}'] .ag-cell[col-id='v']")
        texts = page.evaluate(
            "() => Object.fromEntries(Array.from(document.querySelectorAll('.ag-row'))"
            ".map(r => [r.getAttribute('row-index'), ['v', 'c'].map(c =>"
            " r.querySelector(`.ag-cell[col-id='${c}']`).textContent)]))")
    finally:
        page.close()
    assert errors == []
    return {int(k): v for k, v in texts.items()}


def test_the_grid_shows_what_the_formatter_says(grid_texts):
    shown = [grid_texts[i][0] for i in range(len(READ_AS))]
    assert shown == [format_number(value) for value, _ in READ_AS]
    signed = [grid_texts[i][1] for i in range(len(READ_AS))]
    assert signed == [format_number(value, signed=True) for value, _ in READ_AS]
    assert "+1,235" in signed and "-69" in signed and "0" in signed
    assert grid_texts[len(READ_AS)] == ["no data", "no data"]
