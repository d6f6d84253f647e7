"""Naive references for `callbacks.py`: each view in plain pandas over the whole frame.

Every naive callback takes the same `url.search` as the real one, parses it with the app's
own `from_query` (so both compute the same view), then on every request: boolean masks over
the whole trade frame, `groupby`, `sum`, a plain figure (a plotly dict, no validation) and
table rows. No partition index, no kept arrays, no view cache. Registered on the app here
only (ids `bench-naive-<chart>` and `bench-naive-<chart>-table`), never by the dashboard.

What they leave out, on purpose (the real charts do it; `callbacks.check_naive`
holds on the generated data, where none of it changes a number): the finest-frequency rule
(the generated data is monthly only), orphan group rows, World rows (the gauges' reporter
allocation), source traces, coverage words and explanations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from benchlib import search_of
from dash import Input, Output

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.orientation import source_flow
from dashboard.ingest.schema import REAL_PARTY_KINDS
from dashboard.web.view_state import ViewState, default_view, from_query

CHARTS = {  # the real tab's render callback (its first output) -> the naive chart
    "map.figure": "map", "chart-surges.figure": "surges", "chart-gauges.figure": "dependency",
    "chart-sankey.figure": "sankey", "chart-series.figure": "series",
    "chart-mirror.figure": "mirror"}
SUPPLIER = "CHN"  # the ranking's supplier without a partner (charts.DEFAULT_SUPPLIER)


def naive_name(chart: str) -> str:
    return f"bench-naive-{chart} (pandas, full frame)"


def naive_body(chart: str, real_body: dict) -> dict:
    """The naive callback's request for the URL search of a recorded real request (the real
    render callbacks read it as State, the naive ones as their input)."""
    search = search_of(real_body)
    if search is None:
        raise ValueError(f"no URL search in the request of {real_body.get('output')}")
    return {"output": f"..bench-naive-{chart}.figure...bench-naive-{chart}-table.rowData..",
            "outputs": [{"id": f"bench-naive-{chart}", "property": "figure"},
                        {"id": f"bench-naive-{chart}-table", "property": "rowData"}],
            "inputs": [{"id": "url", "property": "search", "value": search}],
            "changedPropIds": ["url.search"], "state": []}


def labels_within(label: str, months_only: bool = False) -> list[str]:
    """Period labels inside a year, quarter or month label (the label itself included)."""
    year = label[:4]
    if len(label) == 4:
        months = [f"{year}-{m:02d}" for m in range(1, 13)]
        quarters = [f"{year}-Q{q}" for q in range(1, 5)]
    elif "Q" in label:
        first = (int(label[-1]) - 1) * 3 + 1
        months, quarters = [f"{year}-{m:02d}" for m in range(first, first + 3)], []
    else:
        months, quarters = [label], []
    return months if months_only else sorted({label, *months, *quarters})


def rows_of(frame: pd.DataFrame, state: ViewState, partner: bool = True,
            period: str | None = None) -> pd.DataFrame:
    """The view's rows by masks over the whole frame, as country / counterpart columns."""
    own, other = (("reporter", "partner") if state.perspective == "reporter"
                  else ("partner", "reporter"))
    mask = ((frame["flow"] == source_flow(state.direction, state.perspective).value)
            & (frame["commodity_code"] == state.commodity)
            & frame[f"{own}_kind"].isin(REAL_PARTY_KINDS)
            & frame[f"{other}_kind"].isin(REAL_PARTY_KINDS))
    if partner and state.partner:
        mask &= frame[other] == state.partner
    if period:
        mask &= frame["period"].isin(labels_within(period))
    rows = frame.loc[mask, [own, f"{own}_name", other, f"{other}_name", "period",
                            "net_weight_kg", "value_usd"]]
    return rows.set_axis(["country", "country_name", "counterpart", "counterpart_name",
                          "period", "kg", "usd"], axis=1)


def shift_year(label: str, years: int) -> str:
    return f"{int(label[:4]) + years}{label[4:]}"


def surges(frame: pd.DataFrame, state: ViewState,
           rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per country: current_t, reference_t (t), ratio, status; the rule's reference."""
    rows = rows_of(frame, state) if rows is None else rows
    kg = rows.groupby(["country", "period"])["kg"].sum().unstack("period")
    current = kg.reindex(columns=labels_within(state.period, True)).sum(axis=1, min_count=1)
    if state.rule == "robust":
        first = pd.Period(labels_within(state.period, True)[0], freq="M")
        window = kg.reindex(columns=[str(first - n) for n in range(24, 0, -1)])
        reference_kg = window.median(axis=1) * len(labels_within(state.period, True))
        periods = 1
    else:
        labels = {"prior_year": [str(int(state.period[:4]) - 1)],
                  "year_earlier": [shift_year(state.period, -1)],
                  "safeguard": [shift_year(state.period, -n) for n in (3, 2, 1)]}[state.rule]
        parts = [kg.reindex(columns=labels_within(label, True)).sum(axis=1, min_count=1)
                 for label in labels]
        reference_kg, periods = pd.concat(parts, axis=1).sum(axis=1, skipna=False), len(labels)
    table = pd.DataFrame({"current_t": current.fillna(0) / 1000,
                          "reference_t": reference_kg / periods / 1000})
    table = table[current.notna() | reference_kg.notna()]
    table["ratio"] = table["current_t"] / table["reference_t"].where(table["reference_t"] > 0)
    limit = {"prior_year": 1.0, "year_earlier": state.number("threshold"),
             "safeguard": state.number("k")}.get(state.rule, np.inf)
    table["status"] = np.select(
        [table["current_t"] < state.number("floor"), table["ratio"].isna(),
         table["ratio"] > limit], ["below floor", "no reference", "surge"], "below threshold")
    names = rows.drop_duplicates("country").set_index("country")["country_name"]
    return table.assign(country_name=names).sort_values("ratio", ascending=False)


def focus_months(rows: pd.DataFrame, state: ViewState) -> pd.Series:
    """The focus country's tonnes per month over every period (the surges tab's series)."""
    return rows[rows["country"] == (state.focus or "")].groupby("period")["kg"].sum() / 1000


def supplier_shares(frame: pd.DataFrame, state: ViewState,
                    rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The focus country's tonnes and share per supplier in the period (all partners)."""
    if rows is None:
        rows = rows_of(frame, state, partner=False, period=state.period)
    mine = rows[rows["country"] == (state.focus or "")]
    table = mine.groupby("counterpart").agg(
        counterpart_name=("counterpart_name", "first"), weight_t=("kg", "sum"),
        value_usd=("usd", "sum"))
    table["weight_t"] /= 1000
    table["share"] = table["weight_t"] / table["weight_t"].sum()
    return table.sort_values("weight_t", ascending=False)


def ranking(frame: pd.DataFrame, state: ViewState,
            rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every importer's share of tonnes from one supplier in the period, highest first."""
    if rows is None:
        rows = rows_of(frame, state, partner=False, period=state.period)
    total = rows.groupby("country")["kg"].sum()
    pairs = rows.groupby(["country", "counterpart"])["kg"].sum()
    supplier = rows[rows["counterpart"] == (state.partner or SUPPLIER)]
    table = pd.DataFrame({"total_t": total / 1000})
    table["supplier_t"] = supplier.groupby("country")["kg"].sum().reindex(
        table.index).fillna(0.0) / 1000
    table["supplier_share"] = table["supplier_t"] / table["total_t"]
    table["hhi"] = (pairs / total).pow(2).groupby(level="country").sum()
    table = table[table["total_t"] > 0]
    return table.sort_values(["supplier_share", "supplier_t"], ascending=False)


def sankey(frame: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """Top N suppliers x top N receivers, the rest folded, tonnes per link."""
    rows = rows_of(frame, state, period=state.period)
    supplier, receiver = (("counterpart", "country") if state.direction == "imports"
                          else ("country", "counterpart"))
    links = pd.DataFrame({"source": rows[supplier].astype(str),
                          "target": rows[receiver].astype(str), "kg": rows["kg"]})
    top = int(state.number("top"))
    for side, other in (("source", "_OTHER_SRC"), ("target", "_OTHER_DST")):
        tonnes = links.groupby(side)["kg"].sum().reset_index()
        kept = tonnes.sort_values(["kg", side], ascending=[False, True])[side].head(top)
        links[side] = links[side].where(links[side].isin(kept), other)
    flows = links.groupby(["source", "target"])["kg"].sum() / 1000
    return flows.rename("weight_t").sort_values(ascending=False).to_frame()


def series(frame: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """Tonnes (or share) per focus/peer country and month (or quarter), every period."""
    countries = [c for c in [state.focus, *state.peer_list] if c][:5]
    everything = rows_of(frame, state, partner=False)  # one pass; the partner's rows of it
    kg = _by_period(everything[everything["counterpart"] == state.partner]
                    if state.partner else everything, state.freq)
    table = (kg[kg.index.get_level_values("country").isin(countries)] / 1000).to_frame(
        "weight_t")
    table["value"] = table["weight_t"]
    if state.series == "share":
        if state.partner:  # of the country's tonnes from all partners
            total = _by_period(everything, state.freq) / 1000
            table["value"] = table["weight_t"] / total.reindex(table.index)
        else:  # of every country's tonnes in the period
            total = kg.groupby(level="period").sum() / 1000
            table["value"] = table["weight_t"] / total.reindex(
                table.index.get_level_values("period")).to_numpy()
    return table


def _by_period(rows: pd.DataFrame, freq: str) -> pd.Series:
    if freq == "Q":
        month = rows["period"].str.slice(5, 7).astype(int)
        rows = rows.assign(period=rows["period"].str.slice(0, 4) + "-Q"
                           + ((month - 1) // 3 + 1).astype(str))
    return rows.groupby(["country", "period"])["kg"].sum()


def mirror(frame: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """Per (importer, exporter): what each side reported in the period (t, USD)."""
    mask = ((frame["commodity_code"] == state.commodity)
            & frame["period"].isin(labels_within(state.period))
            & frame["reporter_kind"].isin(["country", "area_nes"])
            & frame["partner_kind"].isin(["country", "area_nes"]))
    sides = []
    for flow, importer, exporter in (("import", "reporter", "partner"),
                                     ("export", "partner", "reporter")):
        rows = frame[mask & (frame["flow"] == flow)]
        side = "importer" if flow == "import" else "exporter"
        sides.append(rows.groupby([importer, exporter])[["net_weight_kg", "value_usd"]].sum()
                     .rename_axis(["importer", "exporter"])
                     .set_axis([f"{side}_t", f"{side}_value_usd"], axis=1))
    table = sides[0].join(sides[1], how="outer")
    table[["importer_t", "exporter_t"]] /= 1000
    if state.partner:  # the view's counterpart: the exporter of imports, the importer of exports
        level = "exporter" if state.direction == "imports" else "importer"
        table = table[table.index.get_level_values(level) == state.partner]
    table["gap_t"] = table["importer_t"] - table["exporter_t"]
    return table.sort_values("gap_t", key=abs, ascending=False)
def map_table(frame: pd.DataFrame, state: ViewState) -> pd.DataFrame:
    """The map's per-country values (and changes against the baseline)."""
    own, other = (("reporter", "partner") if state.perspective == "reporter"
                  else ("partner", "reporter"))
    mask = ((frame["flow"] == source_flow(state.direction, state.perspective).value)
            & (frame["commodity_code"] == state.commodity)
            & (frame[f"{own}_kind"] == "country"))
    if state.partner:
        mask &= frame[other] == state.partner
    else:
        mask &= ~frame[f"{other}_kind"].isin(["world", "group"])

    def totals(label: str):
        grouped = frame[mask & frame["period"].isin(labels_within(label))].groupby(own)
        weight, value = grouped["net_weight_kg"].sum(), grouped["value_usd"].sum()
        measure = {"weight": weight / 1000, "value": value,
                   "unit_value": value / weight.replace(0, np.nan)}[state.measure]
        return measure, grouped[f"{own}_name"].first(), grouped.size()

    value, names, counts = totals(state.period)
    table = {"value": value, "row_count": counts}
    if state.baseline:
        base, base_names, _ = totals(state.baseline)
        if state.basis == "average":
            base = base * len(labels_within(state.period, months_only=True)) / len(
                labels_within(state.baseline, months_only=True))
        names = names.combine_first(base_names)
        table |= {"baseline": base, "absolute": value.sub(base, fill_value=0),
                  "percent": (value - base) / base.replace(0, np.nan) * 100,
                  "ratio": value / base.replace(0, np.nan)}
    table = pd.DataFrame(table).assign(country_name=names).sort_values("value")
    return table.assign(shown=table[state.change] if state.baseline else table["value"])


def map_figure(table: pd.DataFrame, state: ViewState) -> dict:
    hover = [f"<b>{name}</b> ({iso})<br>{state.measure}: {v:,.4g}<br>rows: {n}"
             for iso, name, v, n in zip(table.index, table["country_name"], table["shown"],
                                        table["row_count"].fillna(0).astype(int))]
    figure = go.Figure(go.Choropleth(locations=list(table.index), z=table["shown"].tolist(),
                                     locationmode="ISO-3", text=hover, hoverinfo="text"))
    figure.update_layout(title=f"{state.measure} by country, {state.period}", height=480)
    return figure.to_plotly_json()


def _bar(x, y, name: str = "", **more) -> dict:
    return {"type": "bar", "x": list(x), "y": [None if pd.isna(v) else float(v) for v in y],
            "name": name, **more}


def surges_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    rows = rows_of(frame, state)  # one pass for the bars and the focus country's series
    table, months = surges(frame, state, rows), focus_months(rows, state)
    hover = [f"{name}: {c:,.1f} t vs {r:,.1f} t ({s})" for name, c, r, s in zip(
        table["country_name"], table["current_t"], table["reference_t"], table["status"])]
    return {"data": [_bar(table.index, table["ratio"], "ratio", hovertext=hover),
                     {"type": "scatter", "x": list(months.index), "y": months.tolist(),
                      "xaxis": "x2", "yaxis": "y2", "name": state.focus}],
            "layout": {"title": {"text": f"Surges, {state.rule}, {state.period}"},
                       "xaxis2": {"anchor": "y2"}, "yaxis2": {"domain": [0, 0.4]},
                       "yaxis": {"domain": [0.55, 1]}}}, pd.concat(
        [table, months.rename("weight_t").to_frame().assign(country_name=state.focus)])


def dependency_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    rows = rows_of(frame, state, partner=False, period=state.period)  # one pass for both
    shares, ranked = supplier_shares(frame, state, rows), ranking(frame, state, rows)
    gauges = [{"type": "indicator", "mode": "gauge+number", "value": float(v), "title": t,
               "domain": {"x": [i / 3, (i + 1) / 3], "y": [0.6, 1]}}
              for i, (t, v) in enumerate([("top supplier", shares["share"].max()),
                                          ("top 3", shares["share"].nlargest(3).sum()),
                                          ("HHI", (shares["share"] ** 2).sum())])
              if pd.notna(v)]
    return {"data": [*gauges, _bar(ranked.index, ranked["supplier_share"], "share",
                                   yaxis="y", hovertext=[f"{t:,.1f} t" for t in
                                                         ranked["supplier_t"]])],
            "layout": {"yaxis": {"domain": [0, 0.5]}}}, pd.concat([shares, ranked])


def sankey_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    flows = sankey(frame, state).reset_index()
    nodes = list(dict.fromkeys([*flows["source"], *flows["target"]]))
    at = {code: i for i, code in enumerate(nodes)}
    return {"data": [{"type": "sankey", "node": {"label": nodes}, "link": {
        "source": [at[c] for c in flows["source"]], "target": [at[c] for c in flows["target"]],
        "value": flows["weight_t"].tolist()}}],
            "layout": {"title": {"text": f"Flows, {state.period}"}}}, flows


def series_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    table = series(frame, state)
    traces = [{"type": "scatter", "mode": "lines", "name": country,
               "x": list(part.index.get_level_values("period")), "y": part["value"].tolist()}
              for country, part in table.groupby(level="country")]
    return {"data": traces, "layout": {"title": {"text": f"Volumes, {state.series}"}}}, table


def mirror_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    table = mirror(frame, state)
    pairs = [f"{i} <- {e}" for i, e in table.index]
    return {"data": [_bar(pairs, table["importer_t"], "importer says"),
                     _bar(pairs, table["exporter_t"], "exporter says")],
            "layout": {"barmode": "group", "title": {"text": f"Mirror, {state.period}"}}}, table


def _map_out(frame: pd.DataFrame, state: ViewState) -> tuple[dict, pd.DataFrame]:
    table = map_table(frame, state)
    return map_figure(table, state), table.drop(columns="shown")


OUTPUTS = {"map": _map_out, "surges": surges_out, "dependency": dependency_out,
           "sankey": sankey_out, "series": series_out, "mirror": mirror_out}


def add_naive_views(app, data) -> None:
    """Register every naive callback on `app`. The defaults and menus are derived once,
    here, as the app does at start; everything else is computed on every request."""
    frame = data.frame
    catalogue = Catalogue.of(frame)
    defaults = default_view(catalogue)
    for chart, build in OUTPUTS.items():
        @app.callback(Output(f"bench-naive-{chart}", "figure"),
                      Output(f"bench-naive-{chart}-table", "rowData"), Input("url", "search"))
        def naive(search, build=build):
            state, _ = from_query(search or "", defaults, catalogue)
            figure, table = build(frame, state)
            rows = table.reset_index().round(4)
            return figure, rows.astype(object).where(rows.notna(), None).to_dict("records")
