"""A bounded load test of the production setup: gunicorn, 2 workers, on loopback only.

    .venv/bin/python benchmarks/load_test.py [--seconds 60] [--connections 4]
        [--engine auto|wrk|python] [--workers 2]

Starts `gunicorn --workers 2 --bind 127.0.0.1:<free port> dashboard.wsgi:server` with
RARE_EARTH_CACHE_DIR in a temporary folder, then:

1. records real callback requests by opening the page in Debian's Chromium (Playwright)
   and capturing every POST to /_dash-update-component while it switches tabs, changes
   the commodity, period and measure, and uploads a small file;
2. builds a realistic mix from them: Dash callbacks (the recorded bodies, with the view
   query varied over periods, measures and commodities so the render cache is not always
   hit), embeds (/embed/<chart>?...), exports (/export/map.csv?..., other CSVs, a few PNGs)
   and uploads (the recorded upload callback);
3. runs it for --seconds (default 60, at most 600) with wrk and a Lua script when wrk is
   installed, else with a Python thread pool (urllib); it prints which;
4. prints requests/s, p50/p95/p99 latency, the errors (non-2xx/3xx answers and socket
   errors), the answers per kind, and each gunicorn worker's resident memory (RSS; and
   the PSS of the Chromium it starts for image export) in the first and last 10% of the
   run (the first and last minute for runs of 10 minutes), to show whether memory climbs.

Only 127.0.0.1 is ever contacted. Nothing is written outside a temporary folder, which is
removed at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
UPDATE = "/_dash-update-component"
MAX_SECONDS = 600
# Share of each kind of request in the mix (the rest of a kind's weight is spread evenly
# over its requests). Callbacks dominate, as a page view makes a dozen of them.
MIX = {"callback": 0.70, "embed": 0.12, "export-csv": 0.12, "export-png": 0.01,
       "upload": 0.05}
PERIODS = ["2025-Q1", "2024", "2023", "2024-Q4", "2025-03", "2024-06", "2022", "2024-Q2"]
BASELINES = ["2024", "", "2023", "2024-Q1"]
MEASURES = ["weight", "value", "unit_value"]
COMMODITIES = ["28469015", "28469016", "280530", "284690"]
CHARTS = ["map", "surges", "gauges", "ranking", "sankey", "series", "mirror"]


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


# -- gunicorn --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, workers: int, cache_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, RARE_EARTH_CACHE_DIR=str(cache_dir))
    command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind",
               f"127.0.0.1:{port}", "dashboard.wsgi:server"]
    print("starting:", " ".join(command), f"(RARE_EARTH_CACHE_DIR={cache_dir})")
    log = open(cache_dir / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {cache_dir / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 120 s")


def children(pid: int) -> list[int]:
    """Child processes of every thread of `pid` (kaleido starts Chromium from a thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    found, todo = [], children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children(child)
    return found


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages split between the processes sharing them, so
    the ten or so processes of one Chromium can be added up without counting twice."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Once a second: each worker's RSS, and the PSS of its descendants (the Chromium that
    kaleido starts in a worker on its first PNG)."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.samples, self.stop = master, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for worker in children(self.master):
                chromium = sum(pss_mb(p) for p in descendants(worker))
                self.samples.append((now, worker, rss_mb(worker), chromium))
            self.stop.wait(1.0)


# -- recording real callback bodies ---------------------------------------------------------

def upload_file_bytes() -> bytes:
    """A small file in the tidy layout: Korea and Japan import from China, monthly 2024."""
    lines = ["reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd"]
    for month in range(1, 13):
        for reporter, weight in (("KOR", 1200), ("JPN", 3100)):
            lines.append(f"{reporter},CHN,import,280530,2024-{month:02d},{weight},{weight * 40}")
    return ("\n".join(lines) + "\n").encode()


def record_callbacks(base: str) -> list[dict]:
    """Drive the page in Chromium; every callback body it posts, with what caused it."""
    from playwright.sync_api import sync_playwright

    bodies: list[dict] = []
    step = ["load"]

    def keep(request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith(UPDATE):
            bodies.append({"step": step[0], "body": request.post_data_json})

    def settle(page) -> None:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(150)

    def choose(page, control: str, text: str) -> None:
        page.click(f"#{control}")
        page.fill(".dash-dropdown-content .dash-dropdown-search-container input", text)
        page.locator(".dash-dropdown-content .dash-options-list-option").first.click()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("request", keep)
        page.goto(base + "/")
        settle(page)
        for tab in ("surges", "dependency", "flows", "series", "mirror", "map"):
            step[0] = f"tab {tab}"
            page.check(f"#control-tab input[value='{tab}']")
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
        browser.close()
    return bodies


def is_upload(body: dict) -> bool:
    return any(i.get("id") == "upload" and i.get("property") == "contents" and i.get("value")
               for i in body.get("inputs", []))


def search_of(body: dict) -> str | None:
    return next((i.get("value") for i in body.get("inputs", [])
                 if i.get("id") == "url" and i.get("property") == "search"), None)


def varied(query: str, rng: random.Random) -> str:
    """The same view with another period, baseline, measure or commodity."""
    params = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    params["period"] = rng.choice(PERIODS)
    params["baseline"] = rng.choice(BASELINES)
    params["measure"] = rng.choice(MEASURES)
    params["commodity"] = rng.choice(COMMODITIES)
    return "?" + urlencode(params)


def build_mix(bodies: list[dict], seed: int = 7) -> list[Request]:
    """The requests of the mix: callbacks (recorded, queries varied), embeds, exports,
    uploads. The embedded data has no upload token in these, so they never expire."""
    rng = random.Random(seed)
    headers = {"Content-Type": "application/json"}
    requests: list[Request] = []
    token_free = []
    for entry in bodies:
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
                copy = json.loads(json.dumps(body))
                for item in copy["inputs"]:
                    if item.get("id") == "url" and item.get("property") == "search":
                        item["value"] = varied(search, rng)
                for item in copy.get("state", []):
                    if item.get("id") == "url" and item.get("property") == "href":
                        item["value"] = "http://127.0.0.1/" + varied(search, rng)
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
    if not any(r.kind == "upload" for r in requests):
        raise SystemExit("no upload callback was recorded")
    return requests


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


# -- engines ---------------------------------------------------------------------------------

@dataclass
class Result:
    engine: str
    seconds: float
    requests: int
    latencies_ms: dict[str, float]  # p50, p95, p99
    errors: int  # non-2xx/3xx answers
    socket_errors: int
    per_kind: dict[str, dict[str, int]]  # kind -> {"count": n, "errors": n}


def lua_string(text: str) -> str:
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def wrk_script(requests: list[Request], schedule: list[int], folder: Path) -> Path:
    """A wrk Lua script: the requests pre-formatted per thread, sent in schedule order from
    a per-thread offset; each thread has one connection, so answers follow requests and
    can be counted per kind."""
    def entry(r: Request) -> str:
        body = lua_string(r.body.decode()) if r.body else "nil"
        headers = ", ".join(f"[ {lua_string(k)} ]={lua_string(v)}" for k, v in r.headers.items())
        return (f"{{kind={lua_string(r.kind)}, method={lua_string(r.method)},"
                f" path={lua_string(r.path)}, body={body}, headers={{{headers}}}}}")

    entries = ",\n".join(entry(r) for r in requests)
    order = ", ".join(str(i + 1) for i in schedule)
    script = f"""
local requests = {{
{entries}
}}
local order = {{{order}}}
local threads = {{}}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  formatted = {{}}
  for i, r in ipairs(requests) do
    formatted[i] = wrk.format(r.method, r.path, r.headers, r.body)
  end
  position = (id * 997) % #order
  counts, errors = {{}}, {{}}
end

function request()
  position = position % #order + 1
  current = requests[order[position]].kind
  return formatted[order[position]]
end

function response(status, headers, body)
  counts[current] = (counts[current] or 0) + 1
  if status >= 400 then errors[current] = (errors[current] or 0) + 1 end
end

function done(summary, latency, requests)
  local kinds = {{}}
  for _, thread in ipairs(threads) do
    local c, e = thread:get("counts"), thread:get("errors")
    for kind, n in pairs(c) do
      kinds[kind] = kinds[kind] or {{count = 0, errors = 0}}
      kinds[kind].count = kinds[kind].count + n
    end
    for kind, n in pairs(e) do
      kinds[kind] = kinds[kind] or {{count = 0, errors = 0}}
      kinds[kind].errors = kinds[kind].errors + n
    end
  end
  local parts = {{}}
  for kind, v in pairs(kinds) do
    table.insert(parts, string.format('"%s": {{"count": %d, "errors": %d}}', kind, v.count,
                                      v.errors))
  end
  local e = summary.errors
  io.write(string.format('RESULT {{"requests": %d, "duration_us": %d, "status_errors": %d,'
    .. ' "socket_errors": %d, "p50": %d, "p95": %d, "p99": %d, "kinds": {{%s}}}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ", ")))
end
"""
    path = folder / "mix.lua"
    path.write_text(script)
    return path


def run_wrk(base: str, requests: list[Request], schedule: list[int], seconds: int,
            connections: int, folder: Path) -> Result:
    script = wrk_script(requests, schedule, folder)
    command = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "60s", "-s", str(script), base]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    data = json.loads(line[len("RESULT "):])
    return Result("wrk + Lua script", data["duration_us"] / 1e6, data["requests"],
                  {p: data[p] / 1000 for p in ("p50", "p95", "p99")}, data["status_errors"],
                  data["socket_errors"], data["kinds"])


def run_python(base: str, requests: list[Request], schedule: list[int], seconds: int,
               connections: int) -> Result:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    per_kind: dict[str, dict[str, int]] = {}
    socket_errors = [0]

    def client(offset: int) -> None:
        position = offset
        while time.monotonic() < stop_at:
            position = (position + 1) % len(schedule)
            request = requests[schedule[position]]
            call = urllib.request.Request(base + request.path, data=request.body or None,
                                          headers=request.headers, method=request.method)
            started = time.perf_counter()
            status = 0
            try:
                with urllib.request.urlopen(call, timeout=60) as answer:
                    answer.read()
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                with lock:
                    socket_errors[0] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                entry = per_kind.setdefault(request.kind, {"count": 0, "errors": 0})
                entry["count"] += 1
                entry["errors"] += status >= 400

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i * 997,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return Result("Python thread pool (urllib)", time.monotonic() - started, len(latencies),
                  {f"p{p}": percentile(p) for p in (50, 95, 99)},
                  sum(v["errors"] for v in per_kind.values()), socket_errors[0], per_kind)


# -- report ----------------------------------------------------------------------------------

def memory_report(samples: list, start: float, end: float) -> list[str]:
    window = max(5.0, min(60.0, (end - start) / 10))
    lines = [f"worker memory in MB (RSS of the worker; in brackets the PSS of its Chromium"
             f" children), mean over the first and last {window:.0f} s:"]
    for worker in sorted({s[1] for s in samples}):
        mine = [s for s in samples if s[1] == worker]
        first = [s for s in mine if s[0] <= start + window]
        last = [s for s in mine if s[0] >= end - window]
        if not first or not last:
            lines.append(f"  worker {worker}: not alive for the whole run")
            continue

        def mean(rows, column):
            return statistics.fmean(r[column] for r in rows)

        lines.append(
            f"  worker {worker}: first {mean(first, 2):7.1f} [{mean(first, 3):6.0f}]   "
            f"last {mean(last, 2):7.1f} [{mean(last, 3):6.0f}]   "
            f"change {mean(last, 2) - mean(first, 2):+6.1f} MB "
            f"(peak {max(r[2] for r in mine):.1f}; Chromium peak {max(r[3] for r in mine):.0f})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60,
                        help=f"how long to load the server (at most {MAX_SECONDS})")
    parser.add_argument("--connections", type=int, default=4,
                        help="concurrent clients (each one keep-alive connection)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engine", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (gunicorn log, uploads, wrk script)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}")
    engine = args.engine
    if engine == "auto":
        engine = "wrk" if shutil.which("wrk") else "python"
    if engine == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk), or use --engine python")

    folder = Path(tempfile.mkdtemp(prefix="rare-earth-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = start_gunicorn(port, args.workers, folder)
    sampler = None
    try:
        bodies = record_callbacks(base)
        requests = build_mix(bodies)
        schedule = weighted_schedule(requests)
        kinds = {k: sum(r.kind == k for r in requests) for k in MIX}
        print(f"recorded {len(bodies)} callback requests in Chromium; the mix holds"
              f" {len(requests)} distinct requests: {kinds}")
        print(f"engine: {'wrk + Lua script' if engine == 'wrk' else 'Python thread pool'};"
              f" {args.connections} connections, {args.seconds} s, {args.workers} workers")
        sampler = MemorySampler(gunicorn.pid)
        sampler.start()
        start = time.monotonic()
        if engine == "wrk":
            result = run_wrk(base, requests, schedule, args.seconds, args.connections, folder)
        else:
            result = run_python(base, requests, schedule, args.seconds, args.connections)
        end = time.monotonic()
        sampler.stop.set()
        sampler.join()
    finally:
        if sampler is not None:
            sampler.stop.set()
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    print(f"\nresults ({result.engine}, {result.seconds:.1f} s):")
    print(f"  requests      {result.requests:,} ({result.requests / result.seconds:,.1f}/s)")
    print("  latency       p50 {p50:,.0f} ms   p95 {p95:,.0f} ms   p99 {p99:,.0f} ms".format(
        **result.latencies_ms))
    print(f"  errors        {result.errors} answers not 2xx/3xx, {result.socket_errors}"
          " socket errors or timeouts")
    for kind, entry in sorted(result.per_kind.items()):
        print(f"    {kind:<11} {entry['count']:>7,} answers, {entry['errors']} errors")
    for line in memory_report(sampler.samples, start, end):
        print(line)
    if args.keep:
        print(f"(gunicorn log, uploads and the wrk script kept in {folder})")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
