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

Since cf39314 the render callbacks listen to the viewport store alone (`{"fit", "search",
"token"}`, assets/viewport.js) and read the URL's search as State, and the first layout
draws the view a page opens on: opening a page (the recording's load and each `goto`) sends
no render request; its `/_dash-layout` builds the view instead. So the file's "layouts"
(the views opened as a page) are replayed as GET /_dash-layout with the page's address as
Referer and the width cookie, cold and hit ("page layout, view drawn": what a page load now
costs the server, the whole layout with the view's figures), beside the layout without a
Referer (nothing drawn: what a page load cost before); and each of those views also gets
the render request the page would send on reaching it from another view (built from the
callback map), so every chart is measured on the same views as before. Recordings made
before cf39314 are brought to today's shapes (`benchlib.migrated`).

References are registered on the same app, here only, and measured in the same run:
- the floor: a trivial callback that returns its input;
- a naive reference per chart (`naive_views.py`): map, surges, dependency, Sankey, series,
  mirror. Each takes the same URL search, parses it with the app's `from_query`, and on
  every request filters the whole trade frame with boolean masks, `groupby`, `sum`, then a
  plain figure and table rows: no partition index, no kept arrays, no cache. Each recorded
  render request of a chart is replayed against its naive reference too, --repeat times.

`--check` first compares, for every recorded view of each chart, the naive table's key
numbers with the real chart's table (`charts.render`, same view state); run it on small data.

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

import naive_views
import numpy as np
import pandas as pd
from benchlib import (
    FIT_COOKIE,
    LAYOUT,
    PAGE_HREF,
    cache_for,
    folder_for,
    median_p95,
    migrated,
    render_body,
    search_of,
)
from dash import Input, Output
from naive_views import CHARTS, add_naive_views, naive_body, naive_name
from record_callbacks import callback_name

import dashboard

UPDATE = "/_dash-update-component"
ECHO = "bench-echo (floor)"
ECHO_BODY = {
    "output": "bench-echo-out.children",
    "outputs": {"id": "bench-echo-out", "property": "children"},
    "inputs": [{"id": "bench-echo-in", "property": "children", "value": "floor"}],
    "changedPropIds": ["bench-echo-in.children"], "state": [],
}
DRAWN = "page layout, view drawn (GET /_dash-layout)"
PLAIN = "page layout, nothing drawn (no Referer)"


def add_echo(app) -> None:
    """The floor: a callback that does nothing but return its input."""
    @app.callback(Output("bench-echo-out", "children"), Input("bench-echo-in", "children"))
    def echo(value):
        return value


def post(client, body: dict) -> dict:
    start = time.perf_counter()
    response = client.post(UPDATE, json=body, headers={"Accept-Encoding": "gzip"})
    return response_figures(response, time.perf_counter() - start)


def get_layout(client, search: str | None, fit: str | None) -> dict:
    """GET /_dash-layout as the page asks for it: its address as Referer and the width
    cookie (None: without them, the layout draws nothing)."""
    client.delete_cookie(FIT_COOKIE)
    headers = {"Accept-Encoding": "gzip"}
    if fit:
        client.set_cookie(FIT_COOKIE, fit)  # the test client drops a Cookie header
    if search is not None:
        headers["Referer"] = PAGE_HREF + search
    start = time.perf_counter()
    response = client.get(LAYOUT, headers=headers)
    return response_figures(response, time.perf_counter() - start)


def response_figures(response, seconds: float) -> dict:
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


def chart_of(body: dict) -> str | None:
    """The naive chart of a real render request ("map", "surges", ...), None for others."""
    output = body.get("output", "").lstrip(".")
    return next((chart for first, chart in CHARTS.items() if output.startswith(first)), None)


def replay(app, payloads: list[dict], repeat: int) -> tuple[dict, dict]:
    """Per callback name: cold and hit measurements; and the process's first map view.

    After each render request of a chart with a naive reference, that reference is called
    --repeat times with the same URL search (kept only when the real call rendered, 200)."""
    client = app.server.test_client()
    results: dict[str, dict[str, list]] = defaultdict(lambda: {"cold": [], "hit": []})
    process_first = None
    for payload in payloads:  # the first map request that renders (200) builds the index
        if chart_of(payload["body"]) == "map":
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
        chart = chart_of(payload["body"])
        if chart:
            naive = [post(client, naive_body(chart, payload["body"])) for _ in range(repeat)]
            if measured["cold"][-1]["status"] == 200:
                results[naive_name(chart)]["cold"] += naive
                results[naive_name(chart)]["hit"] += naive
    return results, process_first


def replay_layouts(app, layouts: list[dict], repeat: int, results: dict) -> None:
    """Each opened view's first layout, cold and hit, as the page asks for it (its address
    as Referer, the width cookie): it builds the view's figures. Beside it, the layout the
    page got before cf39314 (no Referer: nothing drawn, the render callbacks drew)."""
    client = app.server.test_client()
    plain = results[PLAIN]
    plain["cold"] = [get_layout(client, None, None) for _ in range(repeat)]
    plain["hit"] = list(plain["cold"])
    for view in layouts:  # a layout recorded without the width cookie drew nothing
        search, fit = view["search"], view.get("fit")
        measured = results[DRAWN if fit else PLAIN]
        for _ in range(repeat):
            clear_render_cache(app)
            measured["cold"].append(get_layout(client, search, fit))
        measured["hit"] += [get_layout(client, search, fit) for _ in range(repeat)]


def with_layout_views(app, payloads: list[dict], layouts: list[dict]) -> list[dict]:
    """The recorded requests in today's shapes (`benchlib.migrated`), and the render request
    of each view a first layout drew: a page opened on a view sends none since cf39314, but
    the same view reached from another costs that request, so each chart is still measured
    on every view the recording reached."""
    out = [{**p, "body": migrated(app, p["body"])} for p in payloads]
    for view in layouts:
        body = render_body(app, view["search"], view.get("fit", "wide"))
        out.append({"name": callback_name(body), "step": f"{view['step']} (render, built)",
                    "body": body})
    return out


def report(results: dict[str, dict[str, list]]) -> str:
    """One line per callback and outcome: an update (200) and "no update" (204, e.g. a chart
    on a hidden tab) cost very different amounts and are never averaged together. Ratios:
    x floor = cold p95 / the echo's median; naive/real = the chart's naive reference's cold
    median over the real callback's (200) cold median, then the same of the p95s."""
    floor = median_p95([m["seconds"] for m in results[ECHO]["cold"]])[0]
    heading = (f"{'callback':<44} {'st':>3} {'n':>4} {'cold med':>9} {'cold p95':>9}"
               f" {'hit med':>8} {'hit p95':>8} {'raw KB':>7} {'gzip KB':>7} {'p95/floor':>9}"
               f" {'naive/real med, p95':>20}")
    lines = [heading, " " * 57 + "(ms)"]
    for name, measured in results.items():
        for status in sorted({m["status"] for m in measured["cold"]}):
            cold = [m for m in measured["cold"] if m["status"] == status]
            hit = [m for m in measured["hit"] if m["status"] == status] or cold
            cold_med, cold_p95 = median_p95([m["seconds"] for m in cold])
            hit_med, hit_p95 = median_p95([m["seconds"] for m in hit])
            chart = chart_of({"output": name})
            naive = [m["seconds"] for m in results.get(naive_name(chart), {}).get("cold", [])
                     if m["status"] == 200] if chart else []
            ratio = ""
            if status == 200 and naive:
                naive_med, naive_p95 = median_p95(naive)
                ratio = f"{naive_med / cold_med:.1f}x, {naive_p95 / cold_p95:.1f}x"
            lines.append(
                f"{name[:44]:<44} {status:>3} {len(cold):>4} {cold_med * 1e3:>9.1f} "
                f"{cold_p95 * 1e3:>9.1f} {hit_med * 1e3:>8.1f} {hit_p95 * 1e3:>8.1f} "
                f"{median_p95([m['raw'] for m in cold])[0] / 1024:>7.1f} "
                f"{median_p95([m['wire'] for m in cold])[0] / 1024:>7.1f} "
                f"{cold_p95 / floor:>8.0f}x {ratio:>20}")
    return "\n".join(lines)


# The check: per chart, (real chart, naive table, index columns of the real table, key
# columns compared). Index columns name what the real table holds in columns, not its index.
CHECKS = {
    "surges": [("surges", naive_views.surges, [], ["current_t", "reference_t"])],
    "dependency": [("gauges", naive_views.supplier_shares, [], ["weight_t", "share"]),
                   ("ranking", naive_views.ranking, [],
                    ["supplier_t", "total_t", "supplier_share", "hhi"])],
    "sankey": [("sankey", naive_views.sankey, ["source", "target"], ["weight_t"])],
    "series": [("series", naive_views.series, ["country", "period"], ["weight_t", "value"])],
    "mirror": [("mirror", naive_views.mirror, ["importer", "exporter"],
                ["importer_t", "exporter_t"])],
    "map": [("map", naive_views.map_table, [], ["value"])],
}

# Absolute tolerance per chart: the real map's table is rounded to the source precision
# (0.001 t); the other real tables are not rounded.
ROUNDING = {"map": 0.0005 + 1e-9}


def check_naive(data, payloads: list[dict]) -> list[str]:
    """Per recorded view of each chart: the naive table's key numbers against the real
    chart's table (`charts.render`, the same parsed view state): same rows, and every
    number equal within 1e-9 relative or `ROUNDING` absolute."""
    from dashboard.analytics.catalogue import Catalogue
    from dashboard.web import charts
    from dashboard.web.view_state import default_view, from_query

    catalogue = Catalogue.of(data.frame)
    defaults = default_view(catalogue)
    lines = []
    for payload in payloads:
        chart = chart_of(payload["body"])
        search = search_of(payload["body"])
        if chart is None or search is None:
            continue
        state, _ = from_query(search or "", defaults, catalogue)
        for real_chart, naive_table, keys, columns in CHECKS[chart]:
            real = charts.render(real_chart, state, data, catalogue).table
            real = real.set_index(keys) if keys else real
            if chart == "map":  # the naive map leaves out areas (Other Asia, nes: on Taiwan)
                real = real[real["country_kind"] == "country"]
            lines.append(f"{chart:<10} {real_chart:<8} {search or '/':<52} " + compare(
                real, naive_table(data.frame, state), columns, ROUNDING.get(chart, 1e-6)))
    return lines


def compare(real: pd.DataFrame, naive: pd.DataFrame, columns: list[str],
            atol: float = 1e-6) -> str:
    """"ok (rows, largest difference)" or what differs: rows on one side only, numbers
    further apart than 1e-9 relative and `atol` absolute."""
    only_real = real.index.difference(naive.index)
    only_naive = naive.index.difference(real.index)
    if len(only_real) or len(only_naive):
        return (f"DIFFERENT rows: {len(only_real)} real only {list(only_real[:3])}, "
                f"{len(only_naive)} naive only {list(only_naive[:3])}")
    worst = 0.0
    for column in columns:
        a = real[column].astype(float).to_numpy()
        b = naive[column].reindex(real.index).astype(float).to_numpy()
        if not np.allclose(a, b, rtol=1e-9, atol=atol, equal_nan=True):
            bad = ~np.isclose(a, b, rtol=1e-9, atol=atol, equal_nan=True)
            return (f"DIFFERENT {column}: {bad.sum()} of {len(a)}, e.g. "
                    f"{real.index[bad][0]}: real {a[bad][0]}, naive {b[bad][0]}")
        worst = max(worst, float(np.nanmax(np.abs(a - b), initial=0.0)))
    return f"ok ({len(real)} rows, largest difference {worst:.2g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", type=Path)
    parser.add_argument("--data", type=Path, help="data folder (default: the demo data)")
    parser.add_argument("--rows", type=int, help="use a generated folder of this many rows")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    parser.add_argument("--check", action="store_true",
                        help="first check each naive chart's numbers against the real one's")
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
    add_naive_views(app, data)
    layouts = recorded.get("layouts", [])
    payloads = distinct(with_layout_views(app, recorded["payloads"], layouts))
    if args.check:
        print("naive vs real, key numbers per recorded view:")
        print("\n".join(check_naive(data, payloads)), flush=True)
    print(f"{len(recorded['payloads'])} recorded requests ({len(payloads)} distinct; "
          f"{recorded.get('recorded', '?')}; {len(layouts)} first layouts, and a render "
          f"request built for each of their views) replayed on {folder} ({len(data.frame):,} rows "
          f"used), cold x{args.repeat} and hit x{args.repeat} each", flush=True)
    results, process_first = replay(app, payloads, args.repeat)
    if layouts:
        replay_layouts(app, layouts, args.repeat, results)
    if process_first:
        print(f"process's first map view (partition index built): "
              f"{process_first['seconds'] * 1e3:.0f} ms")
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "process_first": process_first,
                                         "rows": args.rows}, indent=1))


if __name__ == "__main__":
    main()
