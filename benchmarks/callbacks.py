"""Server time and response bytes per callback, replaying recorded requests (no browser).

    .venv/bin/python benchmarks/callbacks.py PAYLOADS.json [--data FOLDER | --rows N]
        [--repeat 20]

PAYLOADS.json comes from benchmarks/record_callbacks.py: the bodies the real page POSTed to
/_dash-update-component. Each distinct body is replayed through `app.server.test_client()`
(Flask routing, the guard, the callback, JSON and gzip included; no network) in two ways:

- cold: the app's render cache (`view_cache`, dashboard/web/view_cache.py) is emptied before
  each call, --repeat times: what a new interaction (a view nobody asked for yet) costs;
- hit: --repeat calls without emptying it: the same view asked again (back button, a second
  visitor), answered from the cache.

Two references are registered on the same app, here only, and measured in the same run:
- the floor: a trivial callback that returns its input;
- a naive map callback: it takes the same URL search and, on every request, filters the
  whole trade frame with boolean masks (flow, commodity, partner, period) and sums by
  country with plain pandas: no partition index, no cache; it returns a choropleth and the
  table rows, about the size of the real map's response. Each recorded map request is
  replayed against it too.

The very first view of the process also builds the partition index (once per frame): that
one-off is reported on its own line, before the cold/hit figures. Times are wall-clock on a
possibly shared machine: medians and p95 (linear interpolation; near the max for few runs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from benchlib import cache_for, folder_for, median_p95
from dash import Input, Output

import dashboard

UPDATE = "/_dash-update-component"
MAP_OUTPUT = "map.figure"  # the map tab's callback: its first output is the map's figure
ECHO = "bench-echo (floor)"
ECHO_BODY = {
    "output": "bench-echo-out.children",
    "outputs": {"id": "bench-echo-out", "property": "children"},
    "inputs": [{"id": "bench-echo-in", "property": "children", "value": "floor"}],
    "changedPropIds": ["bench-echo-in.children"], "state": [],
}
NAIVE = "bench-naive-map (pandas, full frame)"
NAIVE_OUTPUTS = [{"id": "bench-naive-map", "property": "figure"},
                 {"id": "bench-naive-table", "property": "rowData"}]
NAIVE_OUTPUT = "..bench-naive-map.figure...bench-naive-table.rowData.."


def add_echo(app) -> None:
    """The floor: a callback that does nothing but return its input."""
    @app.callback(Output("bench-echo-out", "children"), Input("bench-echo-in", "children"))
    def echo(value):
        return value


def add_naive_map(app, data) -> None:
    """The naive reference for the map: same URL search in, a map out, plain pandas on the
    whole frame every time. The view-state parsing is the app's own (so both compute the
    same view); the defaults and menus are derived once, here, as the app does at start."""
    from dashboard.analytics.catalogue import Catalogue
    from dashboard.analytics.orientation import source_flow
    from dashboard.web.view_state import default_view, from_query

    frame = data.frame
    catalogue = Catalogue.of(frame)
    defaults = default_view(catalogue)

    @app.callback(Output("bench-naive-map", "figure"), Output("bench-naive-table", "rowData"),
                  Input("url", "search"))
    def naive_map(search):
        state, _ = from_query(search or "", defaults, catalogue)
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
            rows = frame[mask & frame["period"].isin(_labels_within(label))]
            grouped = rows.groupby(own)
            weight = grouped["net_weight_kg"].sum()
            value = grouped["value_usd"].sum()
            names = grouped[f"{own}_name"].first()
            measure = {"weight": weight / 1000, "value": value,
                       "unit_value": value / weight.replace(0, np.nan)}[state.measure]
            return measure, names, grouped.size()

        value, names, counts = totals(state.period)
        table = {"value": value, "row_count": counts}
        shown = value
        if state.baseline:
            base, base_names, _ = totals(state.baseline)
            if state.basis == "average":
                base = base * len(_labels_within(state.period, months_only=True)) / len(
                    _labels_within(state.baseline, months_only=True))
            names = names.combine_first(base_names)
            table |= {"baseline": base, "absolute": value.sub(base, fill_value=0),
                      "percent": (value - base) / base.replace(0, np.nan) * 100,
                      "ratio": value / base.replace(0, np.nan)}
            shown = table[state.change]
        table = pd.DataFrame(table).assign(country_name=names).sort_values("value")
        shown = shown.reindex(table.index)
        hover = [f"<b>{name}</b> ({iso})<br>{state.measure}: {v:,.4g}<br>rows: {n}"
                 for iso, name, v, n in zip(table.index, table["country_name"], shown,
                                            table["row_count"].fillna(0).astype(int))]
        figure = go.Figure(go.Choropleth(locations=list(table.index), z=shown.tolist(),
                                         locationmode="ISO-3", text=hover, hoverinfo="text"))
        figure.update_layout(title=f"{state.measure} by country, {state.period}", height=480)
        rows = table.reset_index(names="iso3").round(4)
        return figure.to_plotly_json(), rows.astype(object).where(rows.notna(), None).to_dict(
            "records")


def _labels_within(label: str, months_only: bool = False) -> list[str]:
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


def naive_body(map_body: dict) -> dict:
    """The naive callback's request for the URL search of a recorded map request."""
    search = next(i for i in map_body["inputs"] if i["property"] == "search")
    return {"output": NAIVE_OUTPUT, "outputs": NAIVE_OUTPUTS,
            "inputs": [{"id": "url", "property": "search", "value": search["value"]}],
            "changedPropIds": ["url.search"], "state": []}


def post(client, body: dict) -> dict:
    start = time.perf_counter()
    response = client.post(UPDATE, json=body, headers={"Accept-Encoding": "gzip"})
    seconds = time.perf_counter() - start
    wire = response.get_data()
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    raw = gzip.decompress(wire) if gzipped else wire
    return {"seconds": seconds, "wire": len(wire), "raw": len(raw),
            "status": response.status_code}


def clear_render_cache(app) -> None:
    """Empty the app's view cache (dashboard/web/view_cache.py; in-process here, no Redis)."""
    store = app.server.extensions["view_cache"].store
    with store._lock:
        store._entries.clear()
        store.bytes = 0


def distinct(payloads: list[dict]) -> list[dict]:
    seen, out = set(), []
    for payload in payloads:
        key = json.dumps(payload["body"], sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(payload)
    return out


def replay(app, payloads: list[dict], repeat: int) -> tuple[dict, dict]:
    """Per callback name: cold and hit measurements; and the process's first map view."""
    client = app.server.test_client()
    results: dict[str, dict[str, list]] = defaultdict(lambda: {"cold": [], "hit": []})
    process_first = None
    for payload in payloads:  # the first map request that renders (200) builds the index
        if payload["body"].get("output", "").startswith(f"..{MAP_OUTPUT}"):
            process_first = post(client, payload["body"])
            if process_first["status"] == 200:
                break
    post(client, ECHO_BODY)  # warm-up: the floor is a steady state
    results[ECHO]["cold"] = [post(client, ECHO_BODY) for _ in range(max(repeat, 50))]
    results[ECHO]["hit"] = results[ECHO]["cold"]
    for payload in payloads:
        measured = results[payload["name"]]
        for _ in range(repeat):
            clear_render_cache(app)
            measured["cold"].append(post(client, payload["body"]))
        measured["hit"] += [post(client, payload["body"]) for _ in range(repeat)]
        if payload["body"].get("output", "").startswith(f"..{MAP_OUTPUT}"):
            naive = [post(client, naive_body(payload["body"])) for _ in range(repeat)]
            if measured["cold"][-1]["status"] == 200:
                results[NAIVE]["cold"] += naive
                results[NAIVE]["hit"] += naive
    return results, process_first


def report(results: dict[str, dict[str, list]]) -> str:
    """One line per callback and outcome: an update (200) and "no update" (204, e.g. a chart
    on a hidden tab) cost very different amounts and are never averaged together. Ratios:
    x floor = cold p95 / the echo's median; naive/real = the naive map's cold median over
    the real map's (200) cold median."""
    floor = median_p95([m["seconds"] for m in results[ECHO]["cold"]])[0]
    naive = [m["seconds"] for m in results.get(NAIVE, {}).get("cold", [])]
    heading = (f"{'callback':<44} {'st':>3} {'n':>4} {'cold med':>9} {'cold p95':>9}"
               f" {'hit med':>8} {'hit p95':>8} {'raw KB':>7} {'gzip KB':>7} {'p95/floor':>9}"
               f" {'naive/real':>10}")
    lines = [heading, " " * 57 + "(ms)"]
    for name, measured in results.items():
        for status in sorted({m["status"] for m in measured["cold"]}):
            cold = [m for m in measured["cold"] if m["status"] == status]
            hit = [m for m in measured["hit"] if m["status"] == status] or cold
            cold_med, cold_p95 = median_p95([m["seconds"] for m in cold])
            hit_med, hit_p95 = median_p95([m["seconds"] for m in hit])
            ratio = ""
            if name.startswith(MAP_OUTPUT) and status == 200 and naive:
                ratio = f"{median_p95(naive)[0] / cold_med:.1f}x"
            lines.append(
                f"{name[:44]:<44} {status:>3} {len(cold):>4} {cold_med * 1e3:>9.1f} "
                f"{cold_p95 * 1e3:>9.1f} {hit_med * 1e3:>8.1f} {hit_p95 * 1e3:>8.1f} "
                f"{median_p95([m['raw'] for m in cold])[0] / 1024:>7.1f} "
                f"{median_p95([m['wire'] for m in cold])[0] / 1024:>7.1f} "
                f"{cold_p95 / floor:>8.0f}x {ratio:>10}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", type=Path)
    parser.add_argument("--data", type=Path, help="data folder (default: the demo data)")
    parser.add_argument("--rows", type=int, help="use a generated folder of this many rows")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args()
    from dashboard.ingest import dataset
    from dashboard.settings import Settings
    from dashboard.web.app import create_app

    recorded = json.loads(args.payloads.read_text())
    folder = folder_for(args.data, args.rows)
    from dashboard.cli import print_progress  # the CLI's line per raw file (cache miss)

    start = time.perf_counter()
    data = dataset.load([folder], cache_dir=cache_for(
        args.rows, code=Path(dashboard.__file__).parents[1]), progress=print_progress)
    print(f"loaded in {time.perf_counter() - start:.1f} s", flush=True)
    app = create_app(Settings(data_paths=(folder,), keep_valid_rows=True), data)
    add_echo(app)
    add_naive_map(app, data)
    payloads = distinct(recorded["payloads"])
    print(f"{len(recorded['payloads'])} recorded requests ({len(payloads)} distinct; "
          f"{recorded.get('recorded', '?')}) replayed on {folder} ({len(data.frame):,} rows "
          f"used), cold x{args.repeat} and hit x{args.repeat} each", flush=True)
    results, process_first = replay(app, payloads, args.repeat)
    if process_first:
        print(f"process's first map view (partition index built): "
              f"{process_first['seconds'] * 1e3:.0f} ms")
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "process_first": process_first,
                                         "rows": args.rows}, indent=1))


if __name__ == "__main__":
    main()
