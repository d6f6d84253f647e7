"""Shared by the benchmark scripts: generated data folders, statistics, process memory.

Data folders live under .cache/benchmarks/ (git-ignored) and are named after the generator's
source digest, so a changed generator makes new files and an unchanged one is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "benchmarks"
WORKDIR = REPO / ".cache" / "benchmarks"
PYTHON = sys.executable
TRADE_FILE = "comtrade_plus_SYNTHETIC.csv"
ROWS_PER_PART = 3_000_000  # ~780 MB of CSV: under the readers' default 1 GB limit
REFERENCE_FILES = ["reference_facts.csv", "reference_facts.meta.json", "policy_events.csv",
                   "policy_events.meta.json"]


def generator_digest() -> str:
    return hashlib.sha256((HERE / "make_comtrade_plus.py").read_bytes()).hexdigest()[:8]


def data_folder(rows: int, workdir: Path = WORKDIR) -> Path:
    """A folder with `rows` generated Comtrade Plus rows (in parts under the readers' 1 GB
    limit), a sidecar per file and the embedded reference tables, as a user would serve it;
    generated when missing, into a temporary folder renamed at the end."""
    folder = workdir / f"plus_{rows}_{generator_digest()}"
    if folder.exists():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    parts = -(-rows // ROWS_PER_PART)
    subprocess.run([PYTHON, str(HERE / "make_comtrade_plus.py"), str(rows),
                    str(partial / TRADE_FILE), "--parts", str(parts)], check=True)
    for path in partial.glob("*.csv"):
        path.with_name(path.name.removesuffix(".csv") + ".meta.json").write_text(json.dumps({
            "title": f"Benchmark grid, {rows:,} rows (NOT real statistics)",
            "source": "Synthetic benchmark data made by benchmarks/make_comtrade_plus.py",
            "licence": "CC0-1.0 (invented data)", "retrieved": None, "synthetic": True}))
    for name in REFERENCE_FILES:
        shutil.copy2(REPO / "data" / name, partial / name)
    partial.rename(folder)
    return folder


def trade_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob(TRADE_FILE.replace(".csv", "*.csv")))


def median_p95(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile (linear interpolation: with 5 runs, p95 is near the max)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    position = 0.95 * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    p95 = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return statistics.median(ordered), p95


def process_memory_mb(pid: int) -> dict[str, float]:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a running process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_mb": fields.get("VmHWM", 0.0)}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process: less swayed by a busy machine than
    wall-clock time, though not immune (caches, memory bandwidth)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def probe(*args: str, env: dict | None = None) -> dict:
    """Run benchmarks/probe.py in a fresh process; its last stdout line is JSON."""
    done = subprocess.run([PYTHON, str(HERE / "probe.py"), *args], capture_output=True,
                          text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"probe {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_app(folder: Path, cache_dir: Path | None):
    """The dashboard's Dash app on a data folder, loaded through the cache when given."""
    from dashboard.ingest import dataset
    from dashboard.settings import Settings
    from dashboard.web.app import create_app

    data = dataset.load([folder], cache_dir=cache_dir)
    return create_app(Settings(data_paths=(folder,), keep_valid_rows=True), data)


def folder_for(data: Path | None, rows: int | None, workdir: Path = WORKDIR) -> Path:
    """--data FOLDER, else a generated folder of --rows rows, else the embedded demo data."""
    if data:
        return data
    return data_folder(rows, workdir) if rows else REPO / "data"


def cache_for(rows: int | None, workdir: Path = WORKDIR, code: Path | None = None) -> Path:
    """The cache folder run.py fills for a size (so other scripts reuse it); one per code
    tree, since an entry is rebuilt whenever the ingest code differs."""
    other = code is not None and code.resolve() != REPO
    tag = f"_{hashlib.sha256(str(code.resolve()).encode()).hexdigest()[:6]}" if other else ""
    return workdir / (f"cache_{rows}{tag}" if rows else f"cache_other{tag}")


# -- callback requests in the page's shapes ------------------------------------------------
# Since cf39314 the render callbacks listen to the viewport store alone
# ({"fit": "wide"|"narrow", "search": "?...", "token": ...}, assets/viewport.js) and read the
# URL's search, the dataset token and the href as State; the first layout draws the view the
# page opens on, so opening a page sends no render request: /_dash-layout, asked with the
# page's address as Referer and the width in a cookie, builds the view itself.
PAGE_HREF = "http://127.0.0.1:8050/"
FIT_COOKIE = "viewport-fit"  # dashboard/web/first_view.FIT_COOKIE, written by viewport.js
VIEWPORT_STORE = "viewport-fit"  # ID.VIEWPORT: the store the render callbacks listen to
LAYOUT = "/_dash-layout"
TAB_GRAPHS = {"map": "map", "surges": "chart-surges", "dependency": "chart-gauges",
              "flows": "chart-sankey", "series": "chart-series", "mirror": "chart-mirror"}


def is_view_store(component_id: object) -> bool:
    """The viewport store, or a built tab's copy of it (`view-<tab>`: what a tab's render
    callback listens to since its charts are built when the tab is first shown)."""
    return component_id == VIEWPORT_STORE or str(component_id).startswith("view-")


def _items(body: dict) -> list[dict]:
    """The inputs and state of a request (a pattern-matching input is a list: skipped)."""
    return [i for i in body.get("inputs", []) + body.get("state", []) if isinstance(i, dict)]


def search_of(body: dict) -> str | None:
    """The URL search a callback request is for: `url.search` among its inputs or its state,
    else the viewport store's; None for a request that does not depend on the view."""
    items = _items(body)
    search = next((i.get("value") for i in items
                   if i.get("id") == "url" and i.get("property") == "search"), None)
    if search is None:
        store = next((i.get("value") for i in items if is_view_store(i.get("id"))), None)
        search = store.get("search") if isinstance(store, dict) else None
    return search


def with_search(body: dict, search: str, page: str = PAGE_HREF) -> dict:
    """A copy of a callback request for another view: the URL's search, the href and the
    viewport store's search all say `search`, as the page would send them."""
    copy = json.loads(json.dumps(body))
    for item in _items(copy):
        if item.get("id") == "url" and item.get("property") == "search":
            item["value"] = search
        elif item.get("id") == "url" and item.get("property") == "href":
            item["value"] = page + search
        elif is_view_store(item.get("id")) and isinstance(item.get("value"), dict):
            item["value"] = {**item["value"], "search": search}
    return copy


def tab_of(search: str) -> str:
    """The tab a URL search opens ("map" when it names none)."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(search.lstrip("?"), keep_blank_values=True)).get("tab") or "map"


def render_body(app, search: str, fit: str = "wide", token: str | None = None,
                page: str = PAGE_HREF) -> dict:
    """The request the page sends to draw the view `search` (its tab's render callback),
    built from the app's callback map, the viewport store as assets/viewport.js sets it
    when the view changes."""
    graph = f"{TAB_GRAPHS[tab_of(search)]}.figure"
    output = next((name for name in app.callback_map
                   if graph in name.strip(".").split("...")
                   and any(is_view_store(d["id"]) for d in app.callback_map[name]["inputs"])),
                  None)
    if output is None:
        raise LookupError(f"no callback draws {graph} on a change of the viewport store: the "
                          "page's callbacks changed shape again (see benchlib's header)")
    view = {"fit": fit, "search": search, "token": token}
    return body_for(app, output, {
        ("url", "search"): search, ("url", "href"): page + search,
        ("session-dataset", "data"): token, (VIEWPORT_STORE, "data"): view,
        (f"view-{tab_of(search)}", "data"): view})


def body_for(app, output: str, values: dict[tuple[str, str], object],
             changed: list[str] | None = None) -> dict:
    """The request of the callback `output` with every input and state it declares today,
    values by (component id, property); `changed` defaults to every input."""
    spec = app.callback_map[output]

    def items(part: str) -> list[dict]:
        return [{"id": str(d["id"]), "property": d["property"],
                 "value": values.get((str(d["id"]), d["property"]))} for d in spec[part]]

    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    inputs = items("inputs")
    names = [f"{i['id']}.{i['property']}" for i in inputs]
    return {"output": output, "inputs": inputs, "state": items("state"),
            "outputs": [{"id": str(o.component_id), "property": o.component_property}
                        for o in declared],
            "changedPropIds": [n for n in names if n in (changed or names)] or names}


def migrated(app, body: dict) -> dict:
    """A request recorded before its callback's inputs changed, in today's shape: the same
    values by (component id, property), the viewport store from the old width word and the
    URL's search (the shape before cf39314). A request already in today's shape, of a
    callback the app no longer has, or with pattern-matching ids comes back as it was."""
    output = _today(app, body.get("output"))
    spec = app.callback_map.get(output)
    sent = body.get("inputs", []) + body.get("state", [])
    if spec is None or not all(isinstance(i, dict) and isinstance(i.get("id"), str)
                               for i in sent):
        return body
    declared = [(str(d["id"]), d["property"]) for d in spec["inputs"] + spec["state"]]
    if output == body.get("output") and declared == [(i["id"], i.get("property")) for i in sent]:
        return body
    values = {(i["id"], i.get("property")): i.get("value") for i in sent}
    store = values.get((VIEWPORT_STORE, "data"))
    view = store if isinstance(store, dict) else {
        "fit": store or "wide", "search": values.get(("url", "search")) or "",
        "token": values.get(("session-dataset", "data"))}
    for key in declared:
        if is_view_store(key[0]) and not isinstance(values.get(key), dict):
            values[key] = view
    return body_for(app, output, values, body.get("changedPropIds"))


def _today(app, output: str | None) -> str | None:
    """A recorded callback's output as the app names it today: a render callback whose
    outputs were renamed (the map's grid rows) is found by its first output, the figure."""
    if output is None or output in app.callback_map:
        return output
    first = output.strip(".").split("...")[0]
    return next((name for name in app.callback_map
                 if first in name.strip(".").split("...")
                 and any(is_view_store(d["id"]) for d in app.callback_map[name]["inputs"])),
                output)


def layout_headers(search: str, fit: str = "wide", page: str = PAGE_HREF) -> dict[str, str]:
    """What the page's fetch of /_dash-layout carries: its own address (the view) as Referer
    and the width cookie. With both, the layout request builds the view's figures."""
    return {"Referer": page + search, "Cookie": f"{FIT_COOKIE}={fit}"}
