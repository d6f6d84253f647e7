"""First paint of the map in Chromium: navigation start to the drawn map, quiet and slowed.

    .venv/bin/python benchmarks/first_paint.py [--loads 10] [--servers werkzeug gunicorn]
        [--profiles quiet slow] [--variants as-served grid-stub sync-unchanged ...]
        [--data FOLDER | --rows N] [--path /] [--trace] [--json OUT.json]

**First paint of the map**, exactly: `performance.now()` (ms since the navigation started,
the page's time origin) in the first animation frame in which some
`#map .main-svg .choroplethlayer path.choroplethlocation` has a computed fill that is a
colour of the scale: not transparent and not grey (r = g = b; the no-data, gap and focus
traces are grey or transparent). An init script polls once per animation frame, so the
figure is the frame about to paint the coloured map (resolution one frame, ~16 ms); the
page also gets `performance.mark("map-drawn")` at that moment.

Each load is a fresh browser context (no HTTP cache, no cookies) in Debian's Chromium
(headless, through Playwright), CPU throttling explicitly off (rate 1). Profiles:
**quiet** = loopback, no emulation; **slow** = CDP `Network.emulateNetworkConditions`,
4 Mbit/s down, 1 Mbit/s up, 40 ms latency per request. Servers: **werkzeug** = the app from
`dashboard.web.app.create_app` served in a thread of this process (as tests/conftest.py's
`live_server`); **gunicorn** = `gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server`
(2 workers, a temporary cache folder). Data: the demo data unless --data/--rows.

Per server and profile it prints first paint (median, p95, min, max over --loads), the
first Dash callback answered (the first `/_dash-update-component` response's end), the map
callback answered, bytes per load (Resource Timing: `transferSize` = headers + body as sent,
compressed; and the encoded bodies alone; counted once the network is idle, so scripts
loaded late are in), the 5 largest resources, and a waterfall of medians (ms from
navigation start): the HTML, the scripts, DOMContentLoaded, `_dash-layout`,
`_dash-dependencies`, the first callbacks, the map callback, the topojson fetch,
plotly's `react` with the map's figure (start to its promise resolved, which includes the
topojson fetch and the geo drawing),
and main-thread totals from CDP `Performance.getMetrics` right after the first paint.
--trace adds one traced load per series (not timed) with main-thread time by kind of work
and script evaluation/compile per URL. --variants adds what-ifs served by routing the
page's requests (VARIANTS). The load average is printed with every series.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from statistics import median

from benchlib import REPO, build_app, cache_for, folder_for, median_p95
from record_callbacks import CHROMIUM, CHROMIUM_ARGS

import dashboard

GUNICORN = Path(sys.executable).parent / "gunicorn"
PROFILES = {  # CDP Network.emulateNetworkConditions; None = no emulation
    "quiet": None,
    "slow": {"offline": False, "latency": 40, "downloadThroughput": 4_000_000 / 8,
             "uploadThroughput": 1_000_000 / 8},
}
TIMEOUT_MS = 60_000
# What-ifs for the proposals, applied by routing (nothing under assets/ or dashboard/ changes):
# the map's geometry hinted from the HTML, so it loads beside the scripts; the coarser
# geometry (110m) served for the 50m one plotly asks for; the grid off the critical path
# (dash-ag-grid's bundle replaced by a component that draws nothing: what deferring it to
# after the map would give, at most).
# sync-unchanged: the first URL-sync answer keeps only `url.search`, i.e. the controls'
# values and options the layout already holds are not sent again (what the callback would
# do returning no_update for them); every callback then passes through the router.
VARIANTS = ("as-served", "preload-topojson", "topojson-110m", "grid-stub", "sync-unchanged")
SYNC_OUTPUTS = "..url.search...control-"
GRID_STUB = "window.dash_ag_grid = {AgGrid: function () { return null; }};"
PRELOAD_HINT = ('<link rel="preload" href="/assets/topojson/world_50m.json" as="fetch"'
                ' crossorigin="anonymous">')

# Runs before any page script: polls the map once per frame, times Dash's fetches and
# plotly's draws, keeps long tasks.
PAGE_PROBE = """
(() => {
  const fp = window.__firstPaint = {callbacks: [], draws: [], longtasks: []};
  const colourful = (fill) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(fill || '');
    if (!m) return false;
    const [r, g, b, a] = m[1].split(',').map(Number);
    return a !== 0 && !(r === g && g === b);
  };
  const check = () => {
    const paths = document.querySelectorAll(
      '#map .main-svg .choroplethlayer path.choroplethlocation');
    if (paths.length && fp.mapPaths === undefined) fp.mapPaths = performance.now();
    for (const p of paths) {
      if (colourful(p.style.fill || getComputedStyle(p).fill)) {
        fp.mapDrawn = performance.now();
        performance.mark('map-drawn');
        return;
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.includes('/_dash-update-component')) return fetch0.apply(this, arguments);
    const call = {start: performance.now()};
    try { call.output = JSON.parse(init.body).output; } catch (e) { call.output = '?'; }
    fp.callbacks.push(call);
    return fetch0.apply(this, arguments).then(r => {
      call.answered = performance.now(); call.status = r.status; return r; });
  };
  let plotly;
  Object.defineProperty(window, 'Plotly', {configurable: true, enumerable: true,
    get: () => plotly,
    set: (lib) => {
      plotly = lib;
      for (const name of ['react', 'newPlot']) {
        const draw = lib && lib[name];
        if (typeof draw !== 'function') continue;
        lib[name] = function (gd) {
          const figure = arguments[1];
          const entry = {name, start: performance.now(),
                         graph: (gd && gd.closest && gd.closest('.dash-graph') || {}).id,
                         traces: (Array.isArray(figure) ? figure : (figure || {}).data || [])
                           .length};
          fp.draws.push(entry);
          const done = draw.apply(this, arguments);
          Promise.resolve(done).then(() => { entry.end = performance.now(); });
          return done;
        };
      }
    }});
  try {
    new PerformanceObserver(list => { for (const e of list.getEntries())
      fp.longtasks.push([e.startTime, e.duration]); }).observe({type: 'longtask', buffered: true});
  } catch (e) { /* no long task API */ }
})();
"""
COLLECT = """() => ({fp: window.__firstPaint,
  nav: performance.getEntriesByType('navigation')[0].toJSON(),
  res: performance.getEntriesByType('resource').map(e => e.toJSON()),
  paint: performance.getEntriesByType('paint').map(e => e.toJSON())})"""
METRICS = ("ScriptDuration", "TaskDuration", "LayoutDuration", "RecalcStyleDuration")


def apply_variant(page, url: str, variant: str) -> None:
    if variant == "topojson-110m":
        page.route("**/topojson/world_50m.json", lambda route: route.continue_(
            url=route.request.url.replace("world_50m", "world_110m")))
    elif variant == "grid-stub":
        page.route("**/dash_ag_grid.v*.js", lambda route: route.fulfill(
            status=200, content_type="application/javascript", body=GRID_STUB))
    elif variant == "sync-unchanged":
        page.route(lambda address: "/_dash-update-component" in address, keep_only_url_search)
    elif variant == "preload-topojson":  # the HTML then bypasses the network emulation
        def add_hint(route) -> None:
            answer = route.fetch()
            headers = {k: v for k, v in answer.headers.items()
                       if k.lower() not in ("content-encoding", "content-length")}
            route.fulfill(status=answer.status, headers=headers,
                          body=answer.text().replace("</head>", PRELOAD_HINT + "</head>", 1))
        page.route(url, add_hint)


def keep_only_url_search(route) -> None:
    if SYNC_OUTPUTS not in (route.request.post_data or ""):
        route.continue_()
        return
    answer = route.fetch()
    sent = answer.json()
    sent["response"] = {k: v for k, v in sent["response"].items() if k == "url"}
    route.fulfill(status=answer.status, json=sent)


def one_load(browser, url: str, conditions: dict | None, variant: str = "as-served",
             trace: bool = False) -> dict:
    """One navigation in a fresh context; what the page recorded, plus CDP metrics."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.add_init_script(PAGE_PROBE)
        apply_variant(page, url, variant)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        if conditions:
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", conditions)
        if trace:
            browser.start_tracing(page=page, categories=["devtools.timeline",
                                                         "disabled-by-default-devtools.timeline",
                                                         "v8", "v8.execute"])
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        page.wait_for_function("() => window.__firstPaint.mapDrawn !== undefined",
                               timeout=TIMEOUT_MS, polling=100)
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        seen = page.evaluate(COLLECT)
        seen["metrics_ms"] = {k: metrics.get(k, 0) * 1000 for k in METRICS}
        if trace:
            seen["trace"] = trace_summary(json.loads(browser.stop_tracing()), url)
        return seen
    finally:
        context.close()


def summarise_load(seen: dict) -> dict:
    """The figures of one load, ms from navigation start unless named otherwise."""
    fp, nav, res = seen["fp"], seen["nav"], seen["res"]

    def path(entry):
        return entry["name"].split("//", 1)[-1].split("/", 1)[-1].split("?")[0]

    def first(test):
        return min((e for e in res if test(path(e))), key=lambda e: e["startTime"], default=None)

    scripts = [e for e in res if e["initiatorType"] == "script"]
    update = sorted((e for e in res if path(e).endswith("_dash-update-component")),
                    key=lambda e: e["startTime"])
    maps = [c for c in fp["callbacks"] if "map.figure" in (c["output"] or "")]
    map_draw = next((d for d in fp["draws"]
                     if d["graph"] == "map" and d["traces"] and "end" in d), None)
    layout, deps = first(lambda p: p.endswith("_dash-layout")), first(
        lambda p: p.endswith("_dash-dependencies"))
    topojson = first(lambda p: "topojson" in p)
    long_tasks = [(round(s), round(d)) for s, d in fp["longtasks"] if s < fp["mapDrawn"]]
    sizes = sorted(((e["transferSize"], path(e), e["responseStart"] - e["requestStart"],
                     e["responseEnd"] - e["responseStart"]) for e in res), reverse=True)
    span = lambda e: (e["startTime"], e["responseEnd"]) if e else (None, None)  # noqa: E731
    return {
        "first_paint": fp["mapDrawn"], "map_paths": fp.get("mapPaths"),
        "fcp": next((p["startTime"] for p in seen["paint"]
                     if p["name"] == "first-contentful-paint"), None),
        "html_end": nav["responseEnd"], "dom_content_loaded": nav["domContentLoadedEventEnd"],
        "scripts_end": max((e["responseEnd"] for e in scripts), default=None),
        "scripts": len(scripts),
        "layout": span(layout), "dependencies": span(deps),
        "first_callback": span(update[0] if update else None),
        "callbacks_before_paint": sum(e["startTime"] < fp["mapDrawn"] for e in update),
        "map_callback": (maps[0]["start"], maps[0].get("answered")) if maps else (None, None),
        "topojson": span(topojson), "topojson_bytes": topojson and topojson["transferSize"],
        "map_draw": (map_draw["start"], map_draw["end"]) if map_draw else (None, None),
        "longtask_ms_before_paint": sum(d for _, d in long_tasks), "long_tasks": long_tasks,
        "topojson_fetches": sum("topojson" in path(e) for e in res),
        "requests": len(res) + 1,
        "transfer_bytes": nav["transferSize"] + sum(e["transferSize"] for e in res),
        "body_bytes": nav["encodedBodySize"] + sum(e["encodedBodySize"] for e in res),
        "largest": sizes[:5], "metrics_ms": seen["metrics_ms"], "trace": seen.get("trace"),
    }


def trace_summary(trace: dict, url: str) -> dict:
    """Main-thread ms of the page's renderer by kind of work, and per script URL the
    evaluation (compile + top-level run) and compile ms. Nested events are counted under
    their own names too, so kinds overlap (a FunctionCall holds Layouts)."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    mains = {(e["pid"], e["tid"]) for e in events
             if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    by_thread = defaultdict(list)
    for e in events:
        if (e.get("pid"), e.get("tid")) in mains and e.get("ph") == "X":
            by_thread[(e["pid"], e["tid"])].append(e)
    origin = url.split("/", 3)[:3]
    main = max(by_thread.values(), key=lambda es: sum(
        1 for e in es if "/".join(origin) in json.dumps(e.get("args", {}))), default=[])
    kinds, scripts = defaultdict(float), defaultdict(lambda: [0.0, 0.0])
    for e in main:
        ms = e.get("dur", 0) / 1000
        kinds[e["name"]] += ms
        data = e.get("args", {}).get("data", {})
        if e["name"] in ("EvaluateScript", "v8.compile", "v8.compileModule"):
            script = (data.get("url") or e.get("args", {}).get("fileName") or "?").split("/")[-1]
            scripts[script.split("?")[0]][0 if e["name"] == "EvaluateScript" else 1] += ms
    top = dict(sorted(kinds.items(), key=lambda kv: -kv[1])[:14])
    return {"kinds_ms": top, "scripts_ms": dict(sorted(scripts.items(),
                                                       key=lambda kv: -sum(kv[1]))[:10])}


class WerkzeugServer:
    """The app in a thread of this process, as tests/conftest.py's live_server."""

    def __init__(self, folder: Path, cache_dir: Path | None):
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = build_app(folder, cache_dir)
        self.server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self.server.shutdown()


class GunicornServer:
    """gunicorn with deploy/gunicorn.conf.py, 2 workers, stopped by its pid."""

    def __init__(self, folder: Path, cache_dir: Path | None):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.tmp = tempfile.TemporaryDirectory(prefix="first-paint-")
        env = {**os.environ, "RARE_EARTH_BIND": f"127.0.0.1:{port}", "RARE_EARTH_WORKERS": "2",
               "RARE_EARTH_DATA": str(folder), "RARE_EARTH_KEEP_VALID_ROWS": "1",
               "RARE_EARTH_CACHE_DIR": self.tmp.name}
        self.log = open(Path(self.tmp.name) / "gunicorn.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
             "dashboard.wsgi:server"], cwd=REPO, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((Path(self.tmp.name) / "gunicorn.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.25)  # polling a starting process
        raise RuntimeError("gunicorn did not start in 300 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
        self.tmp.cleanup()


def ms(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def med(loads: list[dict], key: str, index: int | None = None) -> float | None:
    values = [load[key] if index is None else load[key][index] for load in loads]
    values = [v for v in values if v is not None]
    return median(values) if values else None


def report(name: str, loads: list[dict], load_average: tuple[float, float],
           budget_ms: float) -> None:
    paint = [load["first_paint"] for load in loads]
    mid, p95 = median_p95(paint)
    verdict = "meets" if p95 <= budget_ms else "misses"
    print(f"\n== {name}: {len(loads)} loads, load average {load_average[0]:.2f} before, "
          f"{load_average[1]:.2f} after")
    print(f"first paint of the map, ms: median {mid:,.0f}, p95 {p95:,.0f}, min {min(paint):,.0f}"
          f", max {max(paint):,.0f}  ({verdict} the {budget_ms:,.0f} ms budget at p95; "
          f"median {'meets' if mid <= budget_ms else 'misses'} it)")
    print(f"first Dash callback answered: median {ms(med(loads, 'first_callback', 1))} ms; "
          f"the map callback: {ms(med(loads, 'map_callback', 1))} ms "
          f"(callbacks sent before the paint: {med(loads, 'callbacks_before_paint'):.0f})")
    print(f"bytes per load (at network idle): {med(loads, 'transfer_bytes') / 1024:,.0f} KB "
          f"transferred incl. headers, {med(loads, 'body_bytes') / 1024:,.0f} KB of encoded "
          f"bodies, {med(loads, 'requests'):.0f} requests (median)")
    print("5 largest, last load (transferred KB, server wait ms, download ms):")
    for size, path, wait, download in loads[-1]["largest"]:
        print(f"  {path:<80} {size / 1024:>6,.0f} {wait:>6,.0f} {download:>6,.0f}")
    rows = [("HTML received", None, med(loads, "html_end")),
            (f"last of {loads[-1]['scripts']} scripts received", None, med(loads, "scripts_end")),
            ("DOMContentLoaded done", None, med(loads, "dom_content_loaded")),
            ("first contentful paint", None, med(loads, "fcp")),
            ("_dash-layout", med(loads, "layout", 0), med(loads, "layout", 1)),
            ("_dash-dependencies", med(loads, "dependencies", 0), med(loads, "dependencies", 1)),
            ("first callback", med(loads, "first_callback", 0), med(loads, "first_callback", 1)),
            ("map callback", med(loads, "map_callback", 0), med(loads, "map_callback", 1)),
            ("topojson", med(loads, "topojson", 0), med(loads, "topojson", 1)),
            ("plotly react, map figure", med(loads, "map_draw", 0), med(loads, "map_draw", 1)),
            ("map paths present (any fill)", None, med(loads, "map_paths")),
            ("map drawn (coloured)", None, mid)]
    print("waterfall, medians (ms from navigation start):  start -> end (duration)")
    for label, start, end in rows:
        took = f" ({end - start:,.0f})" if start is not None and end is not None else ""
        print(f"  {label:<30} {ms(start):>7} -> {ms(end):>7}{took}")
    metric = {k: median(load["metrics_ms"][k] for load in loads) for k in METRICS}
    print("main thread up to the paint (CDP, medians): " + ", ".join(
        f"{k.removesuffix('Duration').lower()} {v:,.0f} ms" for k, v in metric.items())
        + f"; long tasks {med(loads, 'longtask_ms_before_paint'):,.0f} ms")
    print("long tasks before the paint, last load (start+ms): " + ", ".join(
        f"{s}+{d}" for s, d in loads[-1]["long_tasks"])
        + f"; topojson fetches per load: {med(loads, 'topojson_fetches'):.0f}")


def run_series(server, args, profile: str, variant: str) -> dict:
    from playwright.sync_api import sync_playwright

    url, conditions = server.base + args.path, PROFILES[profile]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS)
        try:
            one_load(browser, url, conditions, variant)  # warms the server, not counted
            before = os.getloadavg()[0]
            loads = [summarise_load(one_load(browser, url, conditions, variant))
                     for _ in range(args.loads)]
            after = os.getloadavg()[0]
            loads_traced = None
            if args.trace:
                loads_traced = summarise_load(one_load(browser, url, conditions, variant, True))
        finally:
            browser.close()
    name = f"{type(server).__name__.removesuffix('Server').lower()}, {profile}, {variant}"
    report(name, loads, (before, after), 1500 if profile == "quiet" else 3000)
    if args.trace:
        report_trace(loads_traced)
    return {"series": name, "load_average": [before, after], "loads": loads,
            "traced": loads_traced}


def report_trace(load: dict) -> None:
    trace = load["trace"]
    print(f"traced load (not counted; tracing slows it): first paint {load['first_paint']:,.0f}"
          " ms; main thread ms by event (events nest, so kinds overlap): " + ", ".join(
              f"{k} {v:,.0f}" for k, v in trace["kinds_ms"].items()))
    print("  per script, evaluate / compile ms: " + "; ".join(
        f"{name} {e:,.0f}/{c:,.0f}" for name, (e, c) in trace["scripts_ms"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--servers", nargs="+", default=["werkzeug", "gunicorn"],
                        choices=["werkzeug", "gunicorn"])
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=list(PROFILES))
    parser.add_argument("--data", type=Path, help="data folder (default: the demo data)")
    parser.add_argument("--rows", type=int, help="use a generated folder of this many rows")
    parser.add_argument("--path", default="/", help="page path and query to open")
    parser.add_argument("--variants", nargs="+", default=["as-served"], choices=VARIANTS,
                        help="what-ifs by routing (see VARIANTS)")
    parser.add_argument("--trace", action="store_true", help="one extra traced load per series")
    parser.add_argument("--json", type=Path, help="write every load's figures here")
    args = parser.parse_args()
    folder = folder_for(args.data, args.rows)
    cache_dir = cache_for(args.rows, code=Path(dashboard.__file__).parents[1]) if args.rows \
        else None
    print(f"{os.cpu_count()} cores; data {folder}; Chromium {CHROMIUM}")
    results = []
    for kind in args.servers:
        server = (WerkzeugServer if kind == "werkzeug" else GunicornServer)(folder, cache_dir)
        try:
            results += [run_series(server, args, profile, variant)
                        for variant in args.variants for profile in args.profiles]
        finally:
            server.stop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"details: {args.json}")


if __name__ == "__main__":
    main()
