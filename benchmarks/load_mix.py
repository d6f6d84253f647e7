"""The request mix of the load test: real callback bodies recorded in Chromium, varied.

Used by benchmarks/load_test.py. `record_callbacks` drives the page in Debian's Chromium
(Playwright) and keeps every POST to /_dash-update-component while it switches tabs,
changes the commodity, period and measure, and uploads a small file; `build_mix` turns
them into callbacks (view queries varied so the render cache is not always hit), embeds,
CSV and PNG exports and uploads; `weighted_schedule` orders them in proportion to MIX.

A page load now costs the server the view it opens on: since cf39314 the first layout
(GET /_dash-layout, which the page asks with its own address as Referer and the width in a
cookie) builds the view's figures, and opening a page sends no render callback. So the
recorded layout request is replayed with those two headers, for the recorded view and 3
varied ones (as callbacks are varied, so the render cache is not always hit): 4 of the
"page" kind's requests build a view, the others are the scripts and the dependencies.
The render callbacks (since cf39314 they listen to the viewport store
`{"fit", "search", "token"}` and read the URL's search and href as State) are varied in all
three places at once (`benchlib.with_search`).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from benchlib import LAYOUT, search_of, with_search

CHROMIUM = "/usr/bin/chromium"
UPDATE = "/_dash-update-component"
# Share of each kind of request in the mix (the rest of a kind's weight is spread evenly
# over its requests). Callbacks dominate, as a page view makes a dozen of them.
MIX = {"callback": 0.60, "page": 0.10, "embed": 0.12, "export-csv": 0.12,
       "export-png": 0.01, "upload": 0.05}
# What a page load fetches from the app besides callbacks (browsers keep the fingerprinted
# scripts, so a returning visitor sends fewer): the page, its scripts, layout, dependencies.
PAGE_PREFIXES = ("/_dash-component-suites/", "/_dash-layout", "/_dash-dependencies",
                 "/assets/")
PERIODS = ["2025-Q1", "2024", "2023", "2024-Q4", "2025-03", "2024-06", "2022", "2024-Q2"]
BASELINES = ["2024", "", "2023", "2024-Q1"]
MEASURES = ["weight", "value", "unit_value"]
COMMODITIES = ["28469015", "28469016", "280530", "284690"]
CHARTS = ["map", "surges", "gauges", "ranking", "sankey", "series", "mirror"]
PAGE = "http://127.0.0.1/"  # the page's address in replayed requests (its href, Referer)


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def upload_file_bytes() -> bytes:
    """A small file in the tidy layout: Korea and Japan import from China, monthly 2024."""
    lines = ["reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd"]
    for month in range(1, 13):
        for reporter, weight in (("KOR", 1200), ("JPN", 3100)):
            lines.append(f"{reporter},CHN,import,280530,2024-{month:02d},{weight},{weight * 40}")
    return ("\n".join(lines) + "\n").encode()


def record_callbacks(base: str) -> list[dict]:
    """Drive the page in Chromium; every callback body it posts, with what caused it, and
    every other request of the page's first load ({"step": "page", "path": ...})."""
    from playwright.sync_api import sync_playwright

    bodies: list[dict] = []
    step = ["load"]

    def keep(request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(UPDATE):
            bodies.append({"step": step[0], "body": request.post_data_json})
        path = request.url[len(base):]
        if request.method == "GET" and step[0] == "load" and (
                path == "/" or path.startswith(PAGE_PREFIXES)):
            headers = request.all_headers() if path.startswith(LAYOUT) else {}
            bodies.append({"step": "page", "path": path,
                           "referer": headers.get("referer"), "cookie": headers.get("cookie")})

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("request", keep)
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        try:
            drive(page, base, step)
        except Exception:  # what the page showed, to tell a changed layout from a crash
            print("recording failed; the page's console:", *console[-10:], sep="\n  ")
            print("the page's text:", page.inner_text("body")[:600])
            raise
        browser.close()
    return bodies


def settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(150)


def choose(page, control: str, text: str) -> None:
    page.click(f"#{control}")
    page.fill(".dash-dropdown-content .dash-dropdown-search-container input", text)
    page.locator(".dash-dropdown-content .dash-options-list-option").first.click()


def drive(page, base: str, step: list[str]) -> None:
    """The recorded session: every tab, a commodity, a period, a measure, an upload."""
    for attempt in range(1, 4):
        page.goto(base + "/")
        settle(page)
        if page.locator("#tab-surges").count():
            break
        # Seen with fresh workers: Dash answers the page's scripts with 404 while another
        # thread of the worker does its first-request setup (benchmarks/dash_setup_race.py).
        print(f"the page did not render on load {attempt} (text: "
              f"{page.inner_text('body')[:40]!r}); loading it again", flush=True)
    for tab in ("surges", "dependency", "flows", "series", "mirror", "map"):
        step[0] = f"tab {tab}"
        page.click(f"#tab-{tab}")
        settle(page)
    for control, text in (("control-commodity", "Terbium oxide"),
                          ("control-period", "2023")):
        step[0] = f"{control} {text}"
        choose(page, control, text)
        settle(page)
    step[0] = "measure value"
    page.check("#control-measure input[value='value']")
    settle(page)
    step[0] = "upload"
    page.set_input_files("#upload input[type=file]", files=[{
        "name": "load_test.csv", "mimeType": "text/csv", "buffer": upload_file_bytes()}])
    deadline = time.monotonic() + 30
    while "rows used" not in page.inner_text("#upload-message"):
        if time.monotonic() > deadline:
            raise SystemExit("the upload was not accepted while recording")
        page.wait_for_timeout(100)
    settle(page)


def is_upload(body: dict) -> bool:
    return any(i.get("id") == "upload" and i.get("property") == "contents" and i.get("value")
               for i in body.get("inputs", []))


def varied(query: str, rng: random.Random) -> str:
    """The same view with another period, baseline, measure or commodity."""
    params = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    params["period"] = rng.choice(PERIODS)
    # A baseline equal to the period is refused by exports (a 400, rightly): never sent.
    params["baseline"] = rng.choice([b for b in BASELINES if b != params["period"]])
    params["measure"] = rng.choice(MEASURES)
    params["commodity"] = rng.choice(COMMODITIES)
    return "?" + urlencode(params)


def build_mix(bodies: list[dict], seed: int = 7) -> list[Request]:
    """The requests of the mix: the page's own (recorded), callbacks (recorded, queries
    varied), embeds, exports, uploads. The embedded data has no upload token in these, so
    they never expire."""
    rng = random.Random(seed)
    headers = {"Content-Type": "application/json"}
    requests: list[Request] = []
    token_free = []
    pages = {e["path"]: e for e in bodies if e["step"] == "page"}
    for path, entry in pages.items():
        if path.startswith(LAYOUT):
            requests += layout_requests(path, entry, rng)
        else:
            requests.append(Request("page", "GET", path))
    for entry in bodies:
        if entry["step"] == "page":
            continue
        body = entry["body"]
        if is_upload(body):
            requests.append(Request("upload", "POST", UPDATE, json.dumps(body).encode(),
                                    headers))
            continue
        uses_token = any(i.get("id") == "session-dataset" and i.get("value")
                         for i in body.get("inputs", []) + body.get("state", []))
        if not uses_token:
            token_free.append(body)
    for body in token_free:
        requests.append(Request("callback", "POST", UPDATE, json.dumps(body).encode(),
                                headers))
        search = search_of(body)
        if search is not None:  # the same callback on other views: 3 variants each
            for _ in range(3):
                copy = with_search(body, varied(search, rng), PAGE)
                requests.append(Request("callback", "POST", UPDATE,
                                        json.dumps(copy).encode(), headers))
    base_query = "?tab=map&period=2025-Q1&baseline=2024"
    for _ in range(40):
        query = varied(base_query, rng)[1:]
        chart = rng.choice(CHARTS)
        requests.append(Request("embed", "GET", f"/embed/{chart}?{query}"))
        name = "map" if rng.random() < 0.6 else rng.choice([*CHARTS, "data"])
        requests.append(Request("export-csv", "GET", f"/export/{name}.csv?{query}"))
    for _ in range(4):
        query = varied(base_query, rng)[1:]
        requests.append(Request("export-png", "GET",
                                f"/export/map.png?width=800&height=500&{query}"))
    for kind in ("upload", "page"):
        if not any(r.kind == kind for r in requests):
            raise SystemExit(f"no {kind} request was recorded")
    return requests


def layout_requests(path: str, entry: dict, rng: random.Random) -> list[Request]:
    """The page's layout request with the headers the browser sent (its address as Referer,
    the width cookie: with both it builds the view), and the same for 3 other views."""
    referer, cookie = entry.get("referer"), entry.get("cookie")
    if not referer:
        return [Request("page", "GET", path)]
    search = "?" + referer.partition("?")[2] if "?" in referer else ""
    views = [search] + [varied(search, rng) for _ in range(3)]
    return [Request("page", "GET", path, headers={
        "Referer": PAGE + view, **({"Cookie": cookie} if cookie else {})}) for view in views]


def weighted_schedule(requests: list[Request], size: int = 2000,
                      seed: int = 11) -> list[int]:
    """Indexes of requests in proportion to MIX, shuffled: the order a client sends them."""
    rng = random.Random(seed)
    by_kind: dict[str, list[int]] = {}
    for index, request in enumerate(requests):
        by_kind.setdefault(request.kind, []).append(index)
    schedule = []
    for kind, share in MIX.items():
        indexes = by_kind.get(kind, [])
        schedule += [rng.choice(indexes) for _ in range(round(size * share))] if indexes else []
    rng.shuffle(schedule)
    return schedule
