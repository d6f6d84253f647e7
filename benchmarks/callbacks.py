"""Server time and response bytes per callback, replaying recorded requests (no browser).

    .venv/bin/python benchmarks/callbacks.py PAYLOADS.json [--data FOLDER | --rows N]
        [--repeat 20]

PAYLOADS.json comes from benchmarks/record_callbacks.py: the bodies the real page POSTed to
/_dash-update-component. Each is replayed through `app.server.test_client()` (Flask routing,
the callback, JSON and gzip included; no network), --repeat times after a first call that
is reported on its own, since caches make the first call the slow one. A trivial callback
that returns its input is registered on the same app, here only, to show the floor.
Times are wall-clock on a possibly shared machine: medians and p95.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from collections import defaultdict
from pathlib import Path

from benchlib import build_app, cache_for, folder_for, median_p95
from dash import Input, Output

import dashboard

UPDATE = "/_dash-update-component"
ECHO = "bench-echo (floor)"
ECHO_BODY = {
    "output": "bench-echo-out.children",
    "outputs": {"id": "bench-echo-out", "property": "children"},
    "inputs": [{"id": "bench-echo-in", "property": "children", "value": "floor"}],
    "changedPropIds": ["bench-echo-in.children"], "state": [],
}


def add_echo(app) -> None:
    """The floor: a callback that does nothing but return its input."""
    @app.callback(Output("bench-echo-out", "children"), Input("bench-echo-in", "children"))
    def echo(value):
        return value


def post(client, body: dict) -> dict:
    start = time.perf_counter()
    response = client.post(UPDATE, json=body, headers={"Accept-Encoding": "gzip"})
    seconds = time.perf_counter() - start
    wire = response.get_data()
    gzipped = response.headers.get("Content-Encoding") == "gzip"
    raw = gzip.decompress(wire) if gzipped else wire
    return {"seconds": seconds, "wire": len(wire), "raw": len(raw),
            "status": response.status_code}


def replay(app, payloads: list[dict], repeat: int) -> dict[str, dict[str, list]]:
    """Per callback name: first-call and repeated-call measurements."""
    client = app.server.test_client()
    results: dict[str, dict[str, list]] = defaultdict(lambda: {"first": [], "again": []})
    for payload in [{"name": ECHO, "body": ECHO_BODY}, *payloads]:
        measured = results[payload["name"]]
        measured["first"].append(post(client, payload["body"]))
        measured["again"] += [post(client, payload["body"]) for _ in range(repeat)]
    return results


def report(results: dict[str, dict[str, list]]) -> str:
    """One line per callback and outcome: an update (200) and "no update" (204, e.g. a chart
    on a hidden tab) cost very different amounts and are never averaged together."""
    heading = (f"{'callback':<48} {'reqs':>4} {'first ms':>9} {'median ms':>9} {'p95 ms':>8}"
               f" {'raw KB':>8} {'gzip KB':>8}  status")
    lines = [heading]
    for name, measured in results.items():
        for status in sorted({m["status"] for m in measured["first"] + measured["again"]}):
            first = [m for m in measured["first"] if m["status"] == status]
            again = [m for m in measured["again"] if m["status"] == status] or first
            lines.append(_line(name, status, first, again))
    return "\n".join(lines)


def _line(name: str, status: int, first: list[dict], again: list[dict]) -> str:
    first_ms = median_p95([m["seconds"] for m in first])[0] * 1e3 if first else float("nan")
    median, p95 = median_p95([m["seconds"] for m in again])
    raw = median_p95([m["raw"] for m in again])[0]
    wire = median_p95([m["wire"] for m in again])[0]
    return (f"{name[:48]:<48} {len(first):>4} {first_ms:>9.1f} {median * 1e3:>9.1f} "
            f"{p95 * 1e3:>8.1f} {raw / 1024:>8.1f} {wire / 1024:>8.1f}  {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("payloads", type=Path)
    parser.add_argument("--data", type=Path, help="data folder (default: the demo data)")
    parser.add_argument("--rows", type=int, help="use a generated folder of this many rows")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    recorded = json.loads(args.payloads.read_text())
    folder = folder_for(args.data, args.rows)
    app = build_app(folder, cache_for(args.rows, code=Path(dashboard.__file__).parents[1]))
    add_echo(app)
    print(f"{len(recorded['payloads'])} recorded requests ({recorded.get('recorded', '?')}, "
          f"page {recorded.get('path', '/')}) replayed on {folder}, {args.repeat} repeats each")
    print(report(replay(app, recorded["payloads"], args.repeat)))


if __name__ == "__main__":
    main()
