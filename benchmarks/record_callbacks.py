"""Record the page's callback requests by driving it in Chromium, for benchmarks/callbacks.py.

    .venv/bin/python benchmarks/record_callbacks.py OUT.json [--data FOLDER | --rows N]
        [--path "/?commodity=..."] [--actions actions.json] [--max-clicks 40]

Serves the app in this process (werkzeug, a free port), opens the page in Debian's Chromium,
waits for the network to go quiet, then performs the actions and keeps the body of every
POST to /_dash-update-component. Without --actions it clicks every tab and every radio
button it finds, so the recording follows whatever the page offers today. An actions file
is a JSON list of steps, each one of:

    {"click": "CSS selector"}     {"fill": ["CSS selector", "text"]}
    {"press": ["CSS selector", "Enter"]}     {"goto": "/?query"}

Since cf39314 the first layout draws the view the page opens on (dashboard/web/
first_view.py): opening a page (the first load, each `goto`) sends no render request, its
GET /_dash-layout builds the view's figures instead, and the render callbacks run only when
the view, the data or the width changes. So every /_dash-layout the page asks for is kept
too, under "layouts" (the view from its Referer, the width from its cookie), for
callbacks.py to replay as what a page load costs the server.

It also prints the first page load as the browser saw it: requests and encoded bytes per
resource type (scripts loaded later, such as plotly.js, included), counting only requests
to the app itself; the layout's share of it (now the figures of the opened view) is named
on its own line.
"""

from __future__ import annotations

import argparse
import json
import logging
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

from benchlib import FIT_COOKIE, LAYOUT, build_app, cache_for, folder_for
from werkzeug.serving import make_server

import dashboard

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
UPDATE = "/_dash-update-component"
EXPLORE = "[role=tab], .tab, input[type=radio]"


class Recorder:
    """Keeps callback bodies (labelled with the step that caused them) and page weight."""

    def __init__(self, base: str):
        self.base, self.step = base, "initial load"
        self.payloads: list[dict] = []
        self.layouts: list[dict] = []
        self.first_layout_bytes = 0
        self.weight: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def on_request(self, request) -> None:
        if request.url.startswith(self.base) and request.url.split("?")[0].endswith(UPDATE):
            body = request.post_data_json
            self.payloads.append({"name": callback_name(body), "step": self.step, "body": body})
        elif request.url.startswith(self.base + LAYOUT):
            self.layouts.append({"step": self.step, **layout_view(request.all_headers())})

    def on_finished(self, request) -> None:
        if self.step == "initial load" and request.url.startswith(self.base):
            sizes = request.sizes()
            entry = self.weight[request.resource_type]
            entry[0] += 1
            entry[1] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            if request.url.startswith(self.base + LAYOUT):
                self.first_layout_bytes += sizes["responseBodySize"]


def callback_name(body: dict) -> str:
    """Readable name of a callback: its first output, and how many more it has."""
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    first = outputs[0] or {}
    ident = first.get("id")
    ident = json.dumps(ident, sort_keys=True) if isinstance(ident, dict) else ident
    more = f" (+{len(outputs) - 1})" if len(outputs) > 1 else ""
    return f"{ident}.{first.get('property')}{more}"


def layout_view(headers: dict[str, str]) -> dict:
    """The view a layout request draws: the page's query from its Referer, the width from
    assets/viewport.js's cookie (None: the layout drew nothing, the callbacks did)."""
    query = urlsplit(headers.get("referer", "")).query
    cookies = dict(part.strip().split("=", 1) for part in headers.get("cookie", "").split(";")
                   if "=" in part)
    return {"search": f"?{query}" if query else "", "fit": cookies.get(FIT_COOKIE)}


def run_steps(page, recorder: Recorder, steps: list[dict]) -> None:
    for step in steps:
        (kind, arg), = step.items()
        recorder.step = f"{kind} {arg}"
        if kind == "click":
            page.locator(arg).first.click()
        elif kind == "fill":
            page.locator(arg[0]).first.fill(arg[1])
        elif kind == "press":
            page.locator(arg[0]).first.press(arg[1])
        elif kind == "goto":
            page.goto(recorder.base + arg)
        page.wait_for_load_state("networkidle")


def explore(page, recorder: Recorder, limit: int) -> None:
    """Click each tab and radio button once, in page order, skipping what is hidden (a tab
    switch hides the controls of the others) or does not react in time."""
    from playwright.sync_api import Error as PlaywrightError

    count = page.locator(EXPLORE).count()
    for index in range(min(count, limit)):
        target = page.locator(EXPLORE).nth(index)
        if not target.is_visible() or not target.is_enabled():
            continue
        label = target.evaluate("e => e.id || e.value || e.textContent")
        recorder.step = f"explore {index}: {label}"
        try:
            target.click(timeout=3000)
        except PlaywrightError:
            continue
        page.wait_for_load_state("networkidle")


def record(app, path: str, steps: list[dict] | None, limit: int) -> tuple[Recorder, float]:
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    recorder = Recorder(f"http://127.0.0.1:{server.port}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.on("request", recorder.on_request)
            page.on("requestfinished", recorder.on_finished)
            start = time.perf_counter()
            page.goto(recorder.base + path)
            page.wait_for_load_state("networkidle")
            load_seconds = time.perf_counter() - start
            run_steps(page, recorder, steps) if steps else explore(page, recorder, limit)
            browser.close()
    finally:
        server.shutdown()
    return recorder, load_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, help="data folder (default: the demo data)")
    parser.add_argument("--rows", type=int, help="use a generated folder of this many rows")
    parser.add_argument("--path", default="/", help="page path and query to open")
    parser.add_argument("--actions", type=Path, help="JSON list of steps (see above)")
    parser.add_argument("--max-clicks", type=int, default=40)
    args = parser.parse_args()
    folder = folder_for(args.data, args.rows)
    app = build_app(folder, cache_for(args.rows, code=Path(dashboard.__file__).parents[1]))
    steps = json.loads(args.actions.read_text()) if args.actions else None
    recorder, load_seconds = record(app, args.path, steps, args.max_clicks)
    payloads, weight = recorder.payloads, dict(recorder.weight)
    args.out.write_text(json.dumps({"recorded": time.strftime("%Y-%m-%d %H:%M"),
                                    "data": str(folder), "path": args.path,
                                    "payloads": payloads, "layouts": recorder.layouts},
                                   indent=1))
    drawn = sum(1 for view in recorder.layouts if view["fit"])
    print(f"{len(payloads)} callback requests from {len({p['name'] for p in payloads})} "
          f"callbacks and {len(recorder.layouts)} page layouts ({drawn} drawing their view) "
          f"written to {args.out}")
    print(f"first page load as Chromium saw it ({load_seconds:.1f} s to network idle; "
          f"encoded bytes incl. headers):")
    for kind, (count, size) in sorted(weight.items(), key=lambda kv: -kv[1][1]):
        print(f"  {kind:<12} {count:>3} requests {size / 1024:>9,.0f} KB")
    total = sum(size for _, size in weight.values())
    print(f"  {'total':<12} {sum(c for c, _ in weight.values()):>3} requests "
          f"{total / 1024:>9,.0f} KB")
    print(f"  of which /_dash-layout (the opened view's figures included): "
          f"{recorder.first_layout_bytes / 1024:,.0f} KB")


if __name__ == "__main__":
    main()
