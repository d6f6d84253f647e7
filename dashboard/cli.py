"""Command line: `serve`, `validate`, `export` and `fetch`. Parses arguments, then delegates."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard import report
from dashboard.ingest import dataset as dataset_module
from dashboard.ingest.problems import problem_counts, problems_frame, total_problems
from dashboard.settings import DEFAULT_DATA, Settings
from dashboard.web.ids import Chart

EXIT_PROBLEMS = 1
SHOWN_PROBLEMS = 20


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rare-earth-dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the dashboard")
    serve.add_argument("data", nargs="*", type=Path, help="data files or folders (default: data/)")
    defaults = Settings()  # one place for every default: the settings dataclass
    serve.add_argument("--host", default=defaults.host)
    serve.add_argument("--port", type=int, default=defaults.port)
    serve.add_argument("--base-path", default=defaults.base_path,
                       help="serve under a sub-path, e.g. /trade/")
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (never in production)")
    serve.add_argument("--keep-valid-rows", action="store_true",
                       help="serve even when some rows have problems, using the valid rows")

    serve.add_argument("--proxy-prefix", choices=["keep", "strip"],
                       default=defaults.proxy_prefix,
                       help="whether the reverse proxy keeps or strips --base-path")
    serve.add_argument("--frame-ancestors", default=" ".join(defaults.frame_ancestors),
                       help="who may embed the app in an iframe (CSP frame-ancestors sources,"
                            " space separated; default: same origin only)")
    serve.add_argument("--cache-dir", type=Path, default=defaults.cache_dir,
                       help="where validated data and uploads are kept")
    serve.add_argument("--max-upload-mb", type=float, default=defaults.max_upload_mb)

    export = commands.add_parser("export", help="write one chart of a view to a file")
    export.add_argument("--chart", required=True,
                        help=f"{', '.join(Chart)}, table, or data (the full filtered rows,"
                             " CSV)")
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
    _add_fetch(commands)
    return parser


def _add_fetch(commands) -> None:
    fetch = commands.add_parser("fetch", help="download real data (see docs/fetch.md)")
    sources = fetch.add_subparsers(dest="source", required=True)
    comtrade = sources.add_parser("comtrade", help="UN Comtrade (key optional)")
    comtrade.add_argument("--key-env", default="COMTRADE_KEY",
                          help="environment variable holding the subscription key; without"
                               " one, the preview endpoint (500 records a call)")
    comtrade.add_argument("--years", default="2019-2025", help="a year or a range, e.g. 2019-2025")
    comtrade.add_argument("--freq", choices=["M", "A"], default="A",
                          help="monthly or annual data")
    comtrade.add_argument("--commodities", default="rare-earths",
                          help="rare-earths, or HS codes separated by commas")
    comtrade.add_argument("--reporters", default="all", help="all, or ISO3 codes: CHN,JPN,KOR")
    comtrade.add_argument("--out", type=Path, default=Path("data/real"))
    comtrade.add_argument("--update", action="store_true",
                          help="only periods newer than the folder holds")
    comtrade.add_argument("--base-url", default=None,
                          help="the API's address (default https://comtradeapi.un.org)")
    comtrade.add_argument("--max-records", type=int, default=None,
                          help="records a call may return (default: the endpoint's limit)")
    comtrade.add_argument("--tariff-lines", nargs="?", const="also", default="none",
                          choices=["none", "also", "only"],
                          help="also (the flag alone) or only: the reporters' national tariff"
                               " lines under the HS6 codes (China's 2846.90.15, ...)")
    comext = sources.add_parser("comext", help="Eurostat Comext DS-045409, EU trade by CN8"
                                               " (no key)")
    comext.add_argument("--years", default="2019-2025", help="a year or a range, e.g. 2019-2025")
    comext.add_argument("--codes", default="rare-earths",
                        help="rare-earths (the CN8 lines under 2805 30, 2846 10, 2846 90,"
                             " 8505 11), or CN8 codes separated by commas")
    comext.add_argument("--out", type=Path, default=Path("data/real"))
    comext.add_argument("--update", action="store_true",
                        help="only months newer than the folder holds")
    comext.add_argument("--base-url", default=None,
                        help="the Comext SDMX 2.1 API's address (default"
                             " https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1)")
    comext.add_argument("--rates-url", default=None,
                        help="the ECB USD/EUR monthly series (default https://data-api.ecb."
                             "europa.eu/service/data/EXR/M.USD.EUR.SP00.A)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return run_validate(args.data, args.rejects)
    if args.command == "export":
        return run_export(args)
    if args.command == "fetch":
        return run_fetch(args)
    settings = Settings(
        data_paths=tuple(args.data) or (DEFAULT_DATA,), host=args.host, port=args.port,
        base_path=args.base_path, debug=args.debug, keep_valid_rows=args.keep_valid_rows,
        proxy_prefix=args.proxy_prefix, frame_ancestors=tuple(args.frame_ancestors.split()),
        cache_dir=args.cache_dir, max_upload_mb=args.max_upload_mb)
    return run_serve(settings)


def run_export(args: argparse.Namespace) -> int:
    """The same file as /export/<chart>.<format>?<query>, for newsroom batch use."""
    from dashboard import chart_files
    from dashboard.web import exports
    from dashboard.web.context import Bundle

    data = dataset_module.load(list(args.data) or [DEFAULT_DATA])
    try:
        chart = exports.chart_of(args.chart, args.format)
        page_url = args.page_url if args.page_url.endswith("/") else args.page_url + "/"
        file = exports.export_chart(Bundle.of(data), chart, args.format, args.query, page_url,
                                    chart_files.topojson_url())
    except exports.ExportError as error:
        print(f"export failed: {error}", file=sys.stderr)
        return 2
    finally:
        chart_files.shutdown()
    args.output.write_bytes(file.content)
    print(f"wrote {args.output} ({len(file.content):,} bytes, {file.mimetype})")
    return 0


EXIT_PARTIAL = 1
EXIT_FETCH_STOPPED = 2


def run_fetch(args: argparse.Namespace, client=None) -> int:
    """Fetch, then say what arrived; a failure is a message and an exit code, never a
    traceback, and the pieces finished before it stay in the folder."""
    from dashboard.fetch import comext, comtrade
    from dashboard.fetch.client import HttpClient

    try:
        request = _comext_request(args) if args.source == "comext" else _comtrade_request(args)
    except ValueError as error:
        print(f"fetch: {error}", file=sys.stderr)
        return EXIT_FETCH_STOPPED
    client = client or HttpClient()
    if isinstance(request, comext.ComextRequest):
        return _fetched(lambda: comext.run(request, client), comext.summary_lines, request)
    if not request.key:
        print(f"no key in ${args.key_env}: using the preview endpoint (at most"
              f" {request.cap:,} records a call)", file=sys.stderr)
    return _fetched(lambda: comtrade.run(request, client), comtrade.summary_lines, request)


def _fetched(fetch, summary, request) -> int:
    """Run a fetch; print its summary, or why it stopped (never a traceback)."""
    out = request.out
    from dashboard.fetch.errors import FetchError

    try:
        report = fetch()
    except FetchError as error:
        print(f"fetch stopped: {error.failure.reason}: {error.failure.message}\n"
              f"  at {error.failure.url}\n  pieces finished before this are kept in"
              f" {out}; run the same command again to resume", file=sys.stderr)
        return EXIT_FETCH_STOPPED
    except KeyboardInterrupt:
        print(f"fetch interrupted: finished pieces are kept in {out}; run the same"
              " command again to resume", file=sys.stderr)
        return EXIT_FETCH_STOPPED
    except OSError as error:
        print(f"fetch stopped: cannot write to {out}: {error}", file=sys.stderr)
        return EXIT_FETCH_STOPPED
    print("\n".join(summary(report, request)))
    return 0 if report.complete else EXIT_PARTIAL


def _years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    if not (first.strip().isdigit() and (not last or last.strip().isdigit())):
        raise ValueError(f"--years {text!r}: give a year or a range such as 2019-2025")
    first_year, last_year = int(first), int(last or first)
    if last_year < first_year:
        raise ValueError(f"--years {text!r}: the range runs backwards")
    return first_year, last_year


def _comext_request(args: argparse.Namespace):
    from dashboard.fetch import comext, ecb_rates
    from dashboard.fetch import comext_query as query

    first_year, last_year = _years(args.years)
    return comext.ComextRequest(
        out=args.out, first_year=first_year, last_year=last_year,
        codes=query.cn8_codes(args.codes), update=args.update,
        base_url=args.base_url or query.DEFAULT_BASE_URL,
        rates_url=args.rates_url or ecb_rates.DEFAULT_URL)


def _comtrade_request(args: argparse.Namespace):
    from dashboard.fetch import comtrade
    from dashboard.fetch import comtrade_query as query

    first_year, last_year = _years(args.years)
    made = comtrade.ComtradeRequest(
        out=args.out, first_year=first_year, last_year=last_year, freq=args.freq,
        commodities=query.commodity_codes(args.commodities),
        reporters=query.reporter_codes(args.reporters),
        key=comtrade.key_from_env(args.key_env), update=args.update,
        base_url=args.base_url or query.DEFAULT_BASE_URL, record_cap=args.max_records,
        tariff_lines=args.tariff_lines)
    made.plans()  # a code list tariff lines cannot use (TOTAL) is refused before any call
    return made


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
    lines += report.missing_rate_lines(data.provenance)
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
