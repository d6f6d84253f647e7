"""A tab's charts on the page: each chart, its summary, its downloads and the grid of its
numbers. Markup only.

Built when first needed, so the first page mounts one tab's charts, not eight tabs' (Dash's
renderer spent ~700 ms mounting them all before the map was drawn): the first layout
holds the opened tab's charts (first_view), and tab_callbacks.build_tab_charts builds
another tab's the first time it is shown. The grids are not in any layout Dash receives:
each chart holds a store of its grid's props (`table_rows_id`), and assets/grids.js makes
the grid from it once the grid library has loaded, after the first charts are drawn
(the library is ~600 KB that the first paint does not need; app.defer_grid_library).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from dashboard.web.ids import (
    CHART_BOX_PX,
    CHARTS,
    EXPORT_LINKS,
    ID,
    Chart,
    Tab,
    action_id,
    charts_box_id,
    charts_on,
    graph_id,
    skip_target_id,
    summary_id,
    tab_render_id,
    tab_view_id,
    table_id,
    table_rows_id,
    table_slot_id,
)

BUILT, UNBUILT = "tab-charts built", "tab-charts"  # a tab's charts box, by its class
TABLE_HEIGHT = "380px"
CHART_GRID = {"className": "ag-theme-alpine table", "columnSize": "autoSize",
              "defaultColDef": {"sortable": True, "resizable": True, "filter": True},
              "dashGridOptions": {"domLayout": "normal", "animateRows": False},
              "style": {"height": TABLE_HEIGHT}}


def grid_props(grid_id: str, rows: list[dict], columns: list[dict],
               static: dict | None = None) -> dict:
    """Everything assets/grids.js gives the AgGrid it makes: its id, look, rows and columns."""
    return {"id": grid_id, **(CHART_GRID if static is None else static), "rowData": rows,
            "columnDefs": columns}


def tab_charts(tab: Tab, graph_config: dict, frame_ancestors: tuple[str, ...],
               built: bool, view: Any = None, grids: bool = False) -> html.Div:
    """A tab's charts box: its charts when `built`, else empty until the tab is first shown.
    `view` is what the tab's render store starts with (the viewport the charts are drawn
    for, or None); `grids` puts the AgGrids in too (the whole page tests/test_callback_ids.py checks
    callbacks against)."""
    if not built:
        return html.Div(id=charts_box_id(tab), className=UNBUILT)
    blocks = [chart_block(chart, graph_config, frame_ancestors, grids) for chart in charts_on(tab)]
    return html.Div([dcc.Store(id=tab_view_id(tab), data=view),
                     dcc.Store(id=tab_render_id(tab), data=view), *blocks],
                    id=charts_box_id(tab), className=BUILT)


def chart_block(chart: Chart, graph_config: dict, frame_ancestors: tuple[str, ...] = ("'self'",),
                grids: bool = False) -> html.Div:
    """A chart, its one-sentence summary and, folded, the numbers behind it."""
    spec = CHARTS[chart]
    # The skip link's target sits after the <details>, not inside it: Chromium moved Tab
    # from a tabindex=-1 element inside <details> back to the top of the details.
    return html.Div([chart_graph(chart, graph_config),
                     html.P(id=summary_id(chart), className="summary", **{"aria-live": "polite"}),
                     chart_actions(chart, frame_ancestors),
                     numbers_table(chart, spec.table_title, spec.table_open, grids),
                     html.Span(id=skip_target_id(chart), tabIndex="-1", className="skip-target")],
                    className="chart-block", id=f"block-{chart.value}")


def chart_graph(chart: Chart, graph_config: dict) -> dcc.Graph:
    """Always responsive, in a box of the chart's own height (CHART_BOX_PX): the figure's
    height then never decides the size, so every load draws the same. The box height is a
    CSS variable so the phone layout can pick the second size without a callback."""
    return dcc.Graph(id=graph_id(chart), config=graph_config, responsive=True,
                     className=f"graph graph-{chart.value}", style=graph_style(chart))


def graph_style(chart: Chart, narrow_height: int | None = None) -> dict:
    """The graph's box: CHART_BOX_PX; a figure drawn narrow (for a phone) brings its own
    height, since its caption lines and labels take more room on a phone."""
    wide, phone = CHART_BOX_PX[chart]
    if narrow_height:
        phone = narrow_height
    return {"height": "var(--chart-box)", "--chart-box-wide": f"{wide}px",
            "--chart-box-phone": f"{phone}px"}


def grid_slot(grid_id: str, height: str, grid: dag.AgGrid | None = None) -> list:
    """A grid's place, of the grid's height so nothing moves when it comes, and its store."""
    return [dcc.Store(id=table_rows_id(grid_id)),
            html.Div(grid, id=table_slot_id(grid_id), className="table-slot",
                     style={"minHeight": height})]


def numbers_table(chart: Chart, title: str, open_: bool, grid: bool = False) -> html.Details:
    """The grid, with a link before it to the element after it: a grid of 100 rows is
    100 Tab stops, and keyboard users need a way past it."""
    grid_component = dag.AgGrid(**grid_props(table_id(chart), [], [])) if grid else None
    skip = html.A("Skip past the table", href=f"#{skip_target_id(chart)}", className="skip-link")
    return html.Details([html.Summary(title), skip,
                         *grid_slot(table_id(chart), TABLE_HEIGHT, grid_component)],
                        open=open_, className="numbers")


def frame_text(frame_ancestors: tuple[str, ...]) -> str:
    """Who may show this app in a frame, and how an operator allows another site."""
    allowed = " ".join(frame_ancestors)
    who = ("only pages of this app's own site" if allowed == "'self'"
           else "no site at all" if not allowed else f"pages from {allowed}")
    return (f"Who may frame it: {who} (Content-Security-Policy frame-ancestors). A page on"
            " another site shows an empty, refused frame until the operator allows its"
            " origin: start the server with --frame-ancestors \"'self' https://intranet.example\""
            " or set RARE_EARTH_FRAME_ANCESTORS to the same space-separated list"
            " (settings.frame_ancestors).")


def chart_actions(chart: Chart, frame_ancestors: tuple[str, ...] = ("'self'",)) -> html.Div:
    """Server-side downloads of this view, and the iframe snippet to embed it."""
    links = [html.A(label, id=action_id(chart, kind), href="", download="",
                    className="action-link") for kind, label in EXPORT_LINKS.items()]
    embed = html.Details([
        html.Summary("Embed", className="action-link"),
        html.P("Paste into your page; add the host script once so the frame sizes itself.",
               className="control-help"),
        html.Pre(id=action_id(chart, "embed"), className="embed-code"),
        html.P(frame_text(frame_ancestors), className="control-help frame-help"),
    ], className="embed")
    return html.Div([html.Span("Download:", className="action-label"), *links, embed],
                    className="chart-actions", role="group",
                    **{"aria-label": f"Download or embed the {chart.value} chart"})


UPLOAD_GRID = {"className": "ag-theme-alpine table", "style": {"height": "240px"},
               "defaultColDef": {"sortable": True, "resizable": True}}
UPLOAD_COLUMNS = [{"field": "line", "width": 80}, {"field": "column", "width": 130},
                  {"field": "value", "width": 130}, {"field": "reason", "width": 150},
                  {"field": "message", "flex": 1, "minWidth": 300}]


def upload_problems_props(rows: list[dict]) -> dict:
    """The upload's problem grid, for its store (grid_slot)."""
    return grid_props(ID.UPLOAD_PROBLEMS, rows, UPLOAD_COLUMNS, UPLOAD_GRID)


def upload_problems(grid: bool = False) -> html.Div:
    component = dag.AgGrid(**upload_problems_props([])) if grid else None
    return html.Div(grid_slot(ID.UPLOAD_PROBLEMS, "240px", component),
                    id=ID.UPLOAD_PROBLEMS_BOX, hidden=True)
