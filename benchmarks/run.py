"""Start-up and page-weight figures at several data sizes, each step in a fresh process.

    .venv/bin/python benchmarks/run.py --rows 100000 1000000 5000000 [--runs 5]

Per size: (1) read + validate the raw file once, seconds and peak RSS; then read it again
and write the cache (a cold start); (2) start-up from the cache to the first page served:
a fresh process loads from the cache, creates the app and listens; the clock runs from
spawning it until GET / is answered (median and p95 over --runs); the worker's memory is
read from /proc after the page; (3) bytes of the first page with gzip: GET / and every
script and stylesheet it references, plus /_dash-layout and /_dash-dependencies, which
the page always fetches next. The layout is asked for as the page asks for it (its address
as Referer, the width cookie of assets/viewport.js): since cf39314 it then builds the
opened view's figures (the default view here), so "then /_dash-layout s" is the server's
share of a page load, the map included, and the layout's bytes carry the map.
Results also go to .cache/benchmarks/results-*.json.
With --payloads (recorded by benchmarks/record_callbacks.py) each start-up run also POSTs
those callback requests once and reads the worker's memory again: memory in use, not idle
(once RSS stops falling: the app releases freed memory after each response is sent); the
recording's page layouts (the views its pages opened on) are fetched too, each drawing
its view.
Requests the app refuses (4xx: a recording older than a change of the page) are counted.

The machine may be shared: figures are medians and p95, the load average is printed, and
the server's CPU seconds to its first page are shown beside wall-clock time.
--startup-only re-measures start-up on an existing cache (e.g. after a page change).
--code DIR measures the `dashboard` package under DIR (e.g. an export of another commit).
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from benchlib import (
    HERE,
    PYTHON,
    WORKDIR,
    cache_for,
    data_folder,
    layout_headers,
    median_p95,
    probe,
    process_cpu_seconds,
    process_memory_mb,
    trade_bytes,
)

FIRST_PAGE_JSON = ["/_dash-layout", "/_dash-dependencies"]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, int, bytes]:
    """Bytes on the wire and uncompressed bytes of one GET, and the body.

    Asks for "gzip, deflate" as Chromium does over plain HTTP: flask-compress sends files
    from assets/ (the plotly.js bundle) as deflate, never gzip.
    """
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate",
                                                   **(headers or {})})
    with urllib.request.urlopen(request, timeout=120) as response:
        wire = response.read()
        encoding = response.headers.get("Content-Encoding")
    body = (gzip.decompress(wire) if encoding == "gzip"
            else zlib.decompress(wire) if encoding == "deflate" else wire)
    return len(wire), len(body), body


def first_page_bytes(base: str) -> dict:
    """GET / and what it references: scripts, stylesheets (and icons), the two Dash JSONs."""
    wire, raw, body = fetch(base + "/")
    page = body.decode("utf-8")
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    links = re.findall(r'<link[^>]*\bhref="([^"]+)"', page)
    parts = {"html": [wire, raw, 1], "scripts": [0, 0, 0], "links": [0, 0, 0],
             "dash_json": [0, 0, 0]}
    start = time.perf_counter()
    for kind, urls in (("scripts", scripts), ("links", links), ("dash_json", FIRST_PAGE_JSON)):
        for url in urls:
            got_wire, got_raw, _ = fetch(base + html.unescape(url), page_headers(base, url))
            parts[kind] = [parts[kind][0] + got_wire, parts[kind][1] + got_raw,
                           parts[kind][2] + 1]
    return {"parts": parts, "seconds_to_fetch_all": time.perf_counter() - start,
            "wire_bytes": sum(p[0] for p in parts.values()),
            "raw_bytes": sum(p[1] for p in parts.values())}


def page_headers(base: str, url: str, search: str = "", fit: str | None = "wide") -> dict:
    """What the page's own fetch of `url` carries: for the layout, the page's address (the
    view) and the width cookie, with which the layout draws the view."""
    return layout_headers(search, fit, base + "/") if url == "/_dash-layout" and fit else {}


def post_callbacks(base: str, payloads: list[dict],
                   layouts: list[dict] = ()) -> tuple[float, int]:
    """POST each recorded callback request once and fetch each recorded page layout (it
    draws its view); seconds for all of them, and how many the app refused with a 4xx (a
    recording older than a change of the page's callbacks)."""
    start, refused = time.perf_counter(), 0
    for view in layouts:
        fetch(base + "/_dash-layout",
              page_headers(base, "/_dash-layout", view["search"], view.get("fit")))
    for payload in payloads:
        request = urllib.request.Request(
            base + "/_dash-update-component", data=json.dumps(payload["body"]).encode(),
            headers={"Content-Type": "application/json", "Accept-Encoding": "gzip"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if not 400 <= error.code < 500:
                raise
            refused += 1
    return time.perf_counter() - start, refused


def settled_memory_mb(pid: int, seconds: float = 3.0) -> dict[str, float]:
    """RSS and peak once RSS stops falling: the app gives memory back after a response is
    sent (dashboard/web/memory.py), so a reading right after the last response can race it."""
    memory = process_memory_mb(pid)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        time.sleep(0.1)
        again = process_memory_mb(pid)
        if again["rss_mb"] >= memory["rss_mb"] - 0.5:
            return again
        memory = again
    return memory


def startup_run(folder: Path, cache_dir: Path, env: dict, with_bytes: bool,
                payloads: list[dict], layouts: list[dict] = ()) -> dict:
    """Spawn a server from the cache; seconds until GET / is answered, memory, page bytes."""
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        child = subprocess.Popen([PYTHON, str(HERE / "probe.py"), "serve", str(folder),
                                  str(cache_dir)], stdout=subprocess.PIPE, stderr=errors,
                                 text=True, env=env)
        try:
            line = child.stdout.readline()
            if not line:
                errors.seek(0)
                raise RuntimeError(f"the server did not start:\n{errors.read()[-3000:]}")
            info = json.loads(line)
            base = f"http://127.0.0.1:{info['port']}"
            fetch(base + "/")
            seconds = time.perf_counter() - start
            cpu_seconds = process_cpu_seconds(child.pid)
            mark = time.perf_counter()
            layout_wire, layout_raw, _ = fetch(base + "/_dash-layout",
                                               page_headers(base, "/_dash-layout"))
            result = {"seconds": seconds, "cpu_seconds": cpu_seconds,
                      "layout_seconds": time.perf_counter() - mark, "layout_wire": layout_wire,
                      "layout_raw": layout_raw, **info, **process_memory_mb(child.pid)}
            if with_bytes:
                result["page"] = first_page_bytes(base)
            if payloads:
                result["callbacks_seconds"], result["callbacks_refused"] = post_callbacks(
                    base, payloads, layouts)
                used = settled_memory_mb(child.pid)
                result.update(used_rss_mb=used["rss_mb"], used_peak_mb=used["peak_mb"])
            return result
        finally:
            child.terminate()
            child.wait(timeout=30)


def measure(rows: int, args: argparse.Namespace, env: dict, payloads: list[dict],
            layouts: list[dict] = ()) -> dict:
    folder = data_folder(rows, args.workdir)
    print(f"\n== {rows:,} rows: {folder}", flush=True)
    cache_dir = cache_for(rows, args.workdir, args.code)
    raw = built = None
    if not (args.startup_only and cache_dir.exists()):
        raw = probe("raw", str(folder), env=env)
        print(f"raw read + validate: {raw['seconds']:.1f} s, peak {raw['peak_mb']:.0f} MB",
              flush=True)
        shutil.rmtree(cache_dir, ignore_errors=True)
        built = probe("build", str(folder), str(cache_dir), env=env)
        print(f"cold start (read + write cache): {built['seconds']:.1f} s", flush=True)
    starts = []
    for run in range(args.runs):
        starts.append(startup_run(folder, cache_dir, env, run == args.runs - 1, payloads,
                                  layouts))
        last = starts[-1]
        used = (f"; after {len(payloads)} callbacks and {len(layouts)} page layouts"
                f" ({last['callbacks_refused']} refused) RSS"
                f" {last['used_rss_mb']:.0f} MB, peak {last['used_peak_mb']:.0f} MB"
                if payloads else "")
        print(f"start-up from cache, run {run + 1}: {last['seconds']:.2f} s, "
              f"RSS {last['rss_mb']:.0f} MB{used}", flush=True)
    return {"rows": rows, "file_mb": trade_bytes(folder) / 2**20, "raw": raw, "build": built,
            "starts": starts}


def summarise(result: dict) -> dict:
    starts = result["starts"]
    seconds = median_p95([s["seconds"] for s in starts])
    phase = {k: median_p95([s["phases"][k] for s in starts])[0]
             for k in ("imports", "load", "create_app")}
    page = starts[-1]["page"]
    raw, built = result["raw"] or {}, result["build"] or {}
    return {
        "rows": result["rows"], "file_mb": result["file_mb"],
        "rows_used": raw.get("rows_used"), "raw_s": raw.get("seconds"),
        "raw_peak_mb": raw.get("peak_mb"), "frame_mb": raw.get("frame_mb"),
        "categorical_mb": raw.get("categorical_frame_mb"),
        "cold_s": built.get("seconds"), "cache_mb": built.get("cache_mb"),
        "start_median_s": seconds[0], "start_p95_s": seconds[1],
        "start_cpu_s": median_p95([s["cpu_seconds"] for s in starts])[0], **phase,
        "layout_s": median_p95([s["layout_seconds"] for s in starts])[0],
        "worker_rss_mb": median_p95([s["rss_mb"] for s in starts])[0],
        "worker_peak_mb": median_p95([s["peak_mb"] for s in starts])[0],
        "page_gzip_kb": page["wire_bytes"] / 1024, "page_raw_kb": page["raw_bytes"] / 1024,
        "layout_gzip_kb": starts[-1]["layout_wire"] / 1024,
        "used_rss_mb": median_p95([s.get("used_rss_mb", 0) for s in starts])[0],
        "used_peak_mb": median_p95([s.get("used_peak_mb", 0) for s in starts])[0],
    }


TABLES = {  # title -> [(key, heading, format)]
    "raw read + validate (fresh process, once) and the cold start that writes the cache": [
        ("rows", "rows", "{:,}"), ("file_mb", "file MB", "{:.0f}"),
        ("rows_used", "rows used", "{:,}"), ("raw_s", "raw read s", "{:.1f}"),
        ("raw_peak_mb", "raw peak MB", "{:,.0f}"), ("frame_mb", "frame MB", "{:.0f}"),
        ("categorical_mb", "as categories MB", "{:.0f}"),
        ("cold_s", "read + write cache s", "{:.1f}"), ("cache_mb", "cache MB", "{:.1f}")],
    "start-up from the cache to GET / answered (fresh process each run)": [
        ("rows", "rows", "{:,}"), ("start_median_s", "median s", "{:.2f}"),
        ("start_p95_s", "p95 s", "{:.2f}"), ("start_cpu_s", "CPU s (median)", "{:.2f}"),
        ("imports", "imports s", "{:.2f}"),
        ("load", "load s", "{:.2f}"), ("create_app", "create_app s", "{:.2f}"),
        ("layout_s", "then /_dash-layout s", "{:.2f}"), ("worker_rss_mb", "RSS MB", "{:.0f}"),
        ("worker_peak_mb", "peak MB", "{:.0f}"),
        ("used_rss_mb", "RSS after callbacks MB", "{:.0f}"),
        ("used_peak_mb", "peak after callbacks MB", "{:.0f}")],
    "first page with gzip (/, its scripts and stylesheets, the two Dash JSONs)": [
        ("rows", "rows", "{:,}"), ("page_gzip_kb", "on the wire KB", "{:,.0f}"),
        ("page_raw_kb", "uncompressed KB", "{:,.0f}"),
        ("layout_gzip_kb", "of which /_dash-layout KB", "{:,.1f}")],
}


def table(title: str, columns: list[tuple[str, str, str]], rows: list[dict]) -> str:
    cells = [[h for _, h, _ in columns]] + [
        ["-" if r[k] is None else f.format(r[k]) for k, _, f in columns] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    lines = ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join([f"\n{title}", *lines])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--runs", type=int, default=5, help="start-up runs per size")
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    parser.add_argument("--code", type=Path, help="measure the dashboard package under DIR")
    parser.add_argument("--payloads", type=Path, help="callback requests to POST after start-up")
    parser.add_argument("--startup-only", action="store_true",
                        help="skip the raw read and cache build when the cache exists")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = f"{args.code.resolve()}:{env.get('PYTHONPATH', '')}"
    load_before = os.getloadavg()
    recorded = json.loads(args.payloads.read_text()) if args.payloads else {}
    payloads, layouts = recorded.get("payloads", []), recorded.get("layouts", [])
    results = [measure(rows, args, env, payloads, layouts) for rows in args.rows]
    summary = [summarise(r) for r in results]
    print(f"\n{os.cpu_count()} cores; load average {load_before[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work on the machine skews these figures)")
    for title, columns in TABLES.items():
        print(table(title, columns, summary))
    out = args.workdir / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"summary": summary, "results": results,
                               "load_average": [load_before, os.getloadavg()]}, indent=1))
    print(f"details: {out}")


if __name__ == "__main__":
    main()
