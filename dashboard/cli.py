"""Command line: `serve` and `validate`. Parses arguments, then delegates."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from dashboard.analytics.periods import yearly_totals
from dashboard.ingest import dataset as dataset_module
from dashboard.ingest.problems import problems_frame
from dashboard.settings import DEFAULT_DATA, Settings

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

    validate = commands.add_parser("validate", help="read files and report every problem")
    validate.add_argument("data", nargs="+", type=Path, help="data files or folders")
    validate.add_argument("--rejects", type=Path, help="write the problems to this CSV file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return run_validate(args.data, args.rejects)
    settings = Settings(
        data_paths=tuple(args.data) or (DEFAULT_DATA,), host=args.host, port=args.port,
        base_path=args.base_path, debug=args.debug, keep_valid_rows=args.keep_valid_rows)
    return run_serve(settings)


def run_validate(paths: list[Path], rejects: Path | None) -> int:
    data = dataset_module.load(paths)
    print(format_summary(data))
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
    lines += _totals_lines(data)
    lines.append(f"problems: {len(data.problems):,}")
    for reason, count in Counter(p.reason.value for p in data.problems).most_common():
        lines.append(f"  {reason}: {count:,}")
    for problem in data.problems[:SHOWN_PROBLEMS]:
        lines.append(f"  {problem}")
    if len(data.problems) > SHOWN_PROBLEMS:
        lines.append(f"  ... and {len(data.problems) - SHOWN_PROBLEMS:,} more (use --rejects)")
    return "\n".join(lines)


def _totals_lines(data: dataset_module.Dataset) -> list[str]:
    countries = data.frame[data.frame["partner_kind"] == "country"]
    if countries.empty:
        return []
    totals = yearly_totals(countries, ["flow"])
    lines = ["net weight by flow and year, country partners only, annual rows not double"
             " counted with monthly ones (tonnes):"]
    for row in totals.itertuples(index=False):
        lines.append(f"  {row.flow} {row.year}: {row.net_weight_kg / 1000:,.1f} t")
    return lines


def run_serve(settings: Settings) -> int:
    data = dataset_module.load(list(settings.data_paths))
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
