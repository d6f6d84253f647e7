"""Command line: `serve` and `validate`. Parses arguments, then delegates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard import report
from dashboard.ingest import dataset as dataset_module
from dashboard.ingest.problems import problem_counts, problems_frame, total_problems
from dashboard.settings import DEFAULT_CACHE, DEFAULT_DATA, Settings

EXIT_PROBLEMS = 1
SHOWN_PROBLEMS = 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rare-earth-dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the dashboard")
    serve.add_argument("data", nargs="*", type=Path, help="data files or folders (default: data/)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--base-path", default="/", help="serve under a sub-path, e.g. /trade/")
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (never in production)")
    serve.add_argument("--keep-valid-rows", action="store_true",
                       help="serve even when some rows have problems, using the valid rows")

    serve.add_argument("--proxy-prefix", choices=["keep", "strip"], default="keep",
                       help="whether the reverse proxy keeps or strips --base-path")
    serve.add_argument("--frame-ancestors", default="'self'",
                       help="who may embed the app in an iframe (CSP frame-ancestors sources,"
                            " space separated; default: same origin only)")
    serve.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                       help="where validated data and uploads are kept")
    serve.add_argument("--max-upload-mb", type=float, default=50.0)

    export = commands.add_parser("export", help="write one chart of a view to a file")
    export.add_argument("--chart", required=True,
                        help="map, surges, surge-series, gauges, ranking, sankey, series,"
                             " mirror, table, or data (the full filtered rows, CSV)")
    export.add_argument("--format", required=True, choices=["png", "svg", "html", "csv"])
    export.add_argument("--query", default="",
                        help="the page's query string, e.g. 'commodity=28469015&period=2025-Q1'"
                             " (also width, height and scale for images)")
    export.add_argument("--page-url", default="http://127.0.0.1:8050/",
                        help="the dashboard's address, printed on the chart as the link back")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.add_argument("data", nargs="*", type=Path, help="data files or folders (default: data/)")

    validate = commands.add_parser("validate", help="read files and report every problem")
    validate.add_argument("data", nargs="+", type=Path, help="data files or folders")
    validate.add_argument("--rejects", type=Path, help="write the problems to this CSV file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return run_validate(args.data, args.rejects)
    if args.command == "export":
        return run_export(args)
    settings = Settings(
        data_paths=tuple(args.data) or (DEFAULT_DATA,), host=args.host, port=args.port,
        base_path=args.base_path, debug=args.debug, keep_valid_rows=args.keep_valid_rows,
        proxy_prefix=args.proxy_prefix, frame_ancestors=tuple(args.frame_ancestors.split()),
        cache_dir=args.cache_dir, max_upload_mb=args.max_upload_mb)
    return run_serve(settings)


def run_export(args: argparse.Namespace) -> int:
    """The same file as /export/<chart>.<format>?<query>, for newsroom batch use."""
    from dashboard import export as export_module
    from dashboard.web import exports
    from dashboard.web.callbacks import Bundle

    data = dataset_module.load(list(args.data) or [DEFAULT_DATA])
    try:
        chart = exports.chart_of(args.chart, args.format)
        page_url = args.page_url if args.page_url.endswith("/") else args.page_url + "/"
        file = exports.export_chart(Bundle.of(data), chart, args.format, args.query, page_url,
                                    export_module.topojson_url())
    except exports.ExportError as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 2
    finally:
        export_module.shutdown()
    args.output.write_bytes(file.content)
    print(f"wrote {args.output} ({len(file.content):,} bytes, {file.mimetype})")
    return 0


def run_validate(paths: list[Path], rejects: Path | None) -> int:
    data = dataset_module.load(paths)
    print(format_summary(data))
    # Findings from the file's own totals: printed, but they never change the exit code.
    print("\n" + "\n".join(report.checks_lines(data.frame)))
    if rejects:
        problems_frame(data.problems).to_csv(rejects, index=False)
        print(f"\nProblems written to {rejects}")
    return EXIT_PROBLEMS if data.problems else 0


def format_summary(data: dataset_module.Dataset) -> str:
    """Readable report: files, row accounting, totals counted once, and the problems."""
    stats = data.stats
    lines = [f"{file}: {layout}" for file, layout in data.layouts.items()]
    lines += [
        f"rows read: {stats.get('rows_read', 0):,}",
        f"  breakdown rows set aside (customs procedure / transport mode / second partner;"
        f" their totals are in C00/0/0 rows): {stats.get('breakdown_rows', 0):,}",
        f"  rows with problems: {stats.get('rows_with_problems', 0):,}",
        f"  duplicate rows: {stats.get('duplicate_rows', 0):,}",
        f"  rows used: {stats.get('rows_used', 0):,}",
    ]
    lines += report.totals_lines(data.frame)
    total = total_problems(data.problems)
    lines.append(f"problems: {total:,}")
    for reason, count in problem_counts(data.problems).items():
        lines.append(f"  {reason}: {count:,}")
    for problem in data.problems[:SHOWN_PROBLEMS]:
        lines.append(f"  {problem}")
    if total > SHOWN_PROBLEMS:
        lines.append(f"  ... and {total - SHOWN_PROBLEMS:,} more (use --rejects)")
    return "\n".join(lines)


def print_progress(rows_read: int, rows_per_second: float) -> None:
    print(f"read and validated {rows_read:,} rows ({rows_per_second:,.0f} rows/s); the result"
          " is cached, so the next start skips this", file=sys.stderr, flush=True)


def run_serve(settings: Settings) -> int:
    data = dataset_module.load(list(settings.data_paths), cache_dir=settings.data_cache_dir,
                               progress=print_progress)
    if data.problems and not settings.keep_valid_rows:
        print(format_summary(data), file=sys.stderr)
        print("\nRefusing to serve data with problems. Fix them, or pass --keep-valid-rows to"
              " serve the valid rows (the page then says how many rows were set aside).",
              file=sys.stderr)
        return EXIT_PROBLEMS
    from dashboard.web.app import create_app  # the web layer loads only when serving

    app = create_app(settings, data)
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
    return 0
