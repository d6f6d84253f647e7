"""Where a chart's time goes: `charts.render` in-process, per chart, timed and profiled.

    .venv/bin/python benchmarks/chart_profile.py [--rows N | --data FOLDER] [--repeat 7]
        [--charts surges gauges ...] [--profile 15] [--narrow]

Loads the data as `callbacks.py` does (the benchmark cache), then for each heavy chart and
each view below renders it --repeat times and times what the tab callback does for it:
`charts.render`, the figure's JSON (`ChartView.figure_json`) and the grid rows (no Dash,
no JSON encoding, no render cache: that cache is what `callbacks.py` empties for "cold").
Wall-clock and the process's CPU time (steadier on a shared machine) are both printed.
Values kept per frame (the partition index, a selection's `PeriodIndex`) stay warm after
the first call, as in a serving worker; the first call is printed apart ("first").

With --profile N, each chart's calls also run under cProfile and the N functions with the
most cumulative time (own package and pandas/plotly entry points) are printed.
Prints milliseconds; nothing is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from pathlib import Path

from benchlib import cache_for, folder_for, median_p95

import dashboard

HEAVY = ["surges", "surge-series", "gauges", "ranking", "series", "mirror", "sankey", "map"]
# Views a user reaches from the page (benchmarks/page_actions.json), per chart's tab.
VIEWS = {
    "map": ["", "?period=2024&baseline=2023&change=absolute", "?focus=JPN&measure=value"],
    "surges": ["?tab=surges", "?tab=surges&rule=safeguard", "?tab=surges&rule=robust&focus=JPN",
               "?tab=surges&rule=year_earlier&commodity=280530"],
    "dependency": ["?tab=dependency", "?tab=dependency&focus=DEU"],
    "flows": ["?tab=flows", "?tab=flows&top=12"],
    "series": ["?tab=series", "?tab=series&series=share", "?tab=series&freq=Q&series=share"],
    "mirror": ["?tab=mirror", "?tab=mirror&commodity=280530&period=2024"],
}
TAB_OF = {"map": "map", "surges": "surges", "surge-series": "surges", "gauges": "dependency",
          "ranking": "dependency", "sankey": "flows", "series": "series", "mirror": "mirror"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--charts", nargs="*", default=HEAVY)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--narrow", action="store_true")
    args = parser.parse_args()
    from dashboard.analytics.catalogue import Catalogue
    from dashboard.ingest import dataset
    from dashboard.web import charts
    from dashboard.web.ids import Chart
    from dashboard.web.view_state import default_view, from_query

    folder = folder_for(args.data, args.rows)
    data = dataset.load([folder], cache_dir=cache_for(
        args.rows, code=Path(dashboard.__file__).parents[1]))
    catalogue = Catalogue.of(data.frame)
    defaults = default_view(catalogue)
    print(f"{len(data.frame):,} rows used ({folder.name}); ms per view: first / median / p95 "
          f"of {args.repeat}")

    cpu_ms: list[float] = []

    def once(chart, state) -> float:
        start, cpu = time.perf_counter(), time.process_time()
        view = charts.render(Chart(chart), state, data, catalogue, "http://x/?v", args.narrow)
        view.figure_json()  # what the tab callback sends (no go.Figure is built)
        view.grid_rows()
        cpu_ms.append((time.process_time() - cpu) * 1e3)
        return (time.perf_counter() - start) * 1e3

    for chart in args.charts:
        profiler = cProfile.Profile() if args.profile else None
        timings, cpu_ms = [], []
        for query in VIEWS[TAB_OF[chart]]:
            state, _ = from_query(query, defaults, catalogue)
            first = once(chart, state)
            cpu_ms.pop()  # the first call is printed apart, not in the CPU figures either
            if profiler:
                profiler.enable()
            runs = [once(chart, state) for _ in range(args.repeat)]
            if profiler:
                profiler.disable()
            med, p95 = median_p95(runs)
            timings += runs
            print(f"  {chart:<13} {query or '(default)':<48} {first:7.1f} {med:7.1f} {p95:7.1f}")
        med, p95 = median_p95(timings)
        cpu_med, cpu_p95 = median_p95(cpu_ms)
        print(f"{chart:<15} all views: median {med:.1f} ms, p95 {p95:.1f} ms (CPU: median"
              f" {cpu_med:.1f}, p95 {cpu_p95:.1f})", flush=True)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
                args.profile)
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
