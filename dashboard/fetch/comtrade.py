"""Fetch rare-earth flows from UN Comtrade into a folder the dashboard reads.

Each piece's response is written as the service returned it (`<piece>.json`, read by
`dashboard.ingest.sources_json`) with a sidecar `<piece>.meta.json` (source, licence note,
query, retrieval time, record counts). A piece that returns no records writes no file (an
empty file would be a problem when loading) but is recorded as finished. Finished pieces are
listed in `fetch-state-comtrade.jsonl`; a rerun skips them, `update` asks only for periods
newer than the newest one the folder holds.

Tariff-line data (`tariff_lines` "also" or "only"): the reporters' national lines under the
HS6 codes asked for. The response is kept as returned under `raw/` (not read as data); the
file beside its sidecar holds each national line's totals in the final-data layout
(`comtrade_tariffline`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dashboard.fetch import comtrade_query as query
from dashboard.fetch import comtrade_tariffline as tariffline
from dashboard.fetch.client import HttpClient
from dashboard.fetch.errors import Failure, FetchError, FetchFailure
from dashboard.fetch.state import RunState, write_atomic
from dashboard.ingest.dataset import sidecar_path
from dashboard.ingest.period_labels import parse_period

KEY_HEADER = "Ocp-Apim-Subscription-Key"
LICENCE = ("UN Comtrade terms of use (https://comtradeplus.un.org/): for the user's own"
           " analysis; the data may not be redistributed or resold")
RAW_FOLDER = "raw"  # tariff-line responses as returned; the readers do not look in folders


@dataclass(frozen=True)
class ComtradeRequest:
    """What to fetch, decided once from the command line."""

    out: Path
    first_year: int
    last_year: int
    freq: str = "A"
    commodities: tuple[str, ...] = query.RARE_EARTHS
    reporters: tuple[int, ...] = ()  # () = every reporter
    key: str | None = None
    base_url: str = query.DEFAULT_BASE_URL
    update: bool = False
    record_cap: int | None = None  # None: the endpoint's own limit
    records_per_line: int = query.ESTIMATED_RECORDS_PER_LINE  # the planning estimate
    tariff_lines: str = "none"  # "also" beside final data, "only" instead of it, or "none"
    tariff_records_per_line: int = query.ESTIMATED_TARIFF_RECORDS_PER_LINE

    @property
    def endpoint(self) -> str:
        return query.FINAL if self.key else query.PREVIEW

    @property
    def tariffline_endpoint(self) -> str:
        return query.TARIFFLINE if self.key else query.TARIFFLINE_PREVIEW

    def plans(self) -> list[tuple[str, tuple[str, ...], int]]:
        """(endpoint, commodities, records estimated per line) for each kind of data asked."""
        found = []
        if self.tariff_lines != "only":
            found.append((self.endpoint, self.commodities, self.records_per_line))
        if self.tariff_lines in ("also", "only"):
            found.append((self.tariffline_endpoint, query.tariff_line_codes(self.commodities),
                          self.tariff_records_per_line))
        return found

    @property
    def cap(self) -> int:
        default = query.FINAL_RECORD_CAP if self.key else query.PREVIEW_RECORD_CAP
        return self.record_cap or default


@dataclass
class RunReport:
    """What a run did: pieces fetched and skipped, records, and what it could not get."""

    fetched: int = 0
    skipped: int = 0
    records: int = 0
    files: list[Path] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # pieces that came back full, unsplittable
    arrived: dict[str, set[str]] = field(default_factory=dict)  # reporter ISO -> periods
    notes: list[str] = field(default_factory=list)
    tariff_line_rows: int = 0  # national-line totals written
    set_aside: dict[str, int] = field(default_factory=dict)  # tariff-line records, by reason

    @property
    def complete(self) -> bool:
        return not self.partial


def key_from_env(name: str, environ: dict[str, str] | None = None) -> str | None:
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def run(request: ComtradeRequest, client: HttpClient,
        log: Callable[[str], None] | None = None) -> RunReport:
    """Fetch every piece not finished yet; FetchError stops the run (finished pieces stay)."""
    log = log or client.log
    report = RunReport()
    state = RunState.open(request.out, "comtrade")
    wanted = query.periods(request.first_year, request.last_year, request.freq)
    if request.update:
        wanted = _newer_than_held(wanted, state, request.freq, report)
    reporters = request.reporters
    if not reporters and not request.key:
        reporters = query.current_reporters()
        report.notes.append(
            "no key: preview data, at most 500 records a call, so every reporter is asked"
            f" for separately ({len(reporters)} reporters); a free key (--key-env) fetches"
            " final data in far fewer calls")
    if not wanted:
        return report
    pieces = [piece for endpoint, codes, per_line in request.plans()
              for piece in query.plan(endpoint, request.freq, reporters, wanted, codes,
                                      request.cap, per_line)]
    request.out.mkdir(parents=True, exist_ok=True)
    for number, piece in enumerate(pieces, start=1):
        _fetch_piece(piece, request, client, state, report, log, f"{number}/{len(pieces)}")
    return report


def _newer_than_held(wanted: tuple[str, ...], state: RunState, freq: str,
                     report: RunReport) -> tuple[str, ...]:
    latest = state.latest_period(freq)
    if latest is None:
        report.notes.append("update: the folder holds no fetched rows yet; fetching all")
        return wanted
    newer = tuple(p for p in wanted if p > latest)
    report.notes.append(f"update: the folder holds periods up to {latest};"
                        f" asking for {len(newer)} newer period(s)")
    return newer


def _fetch_piece(piece: query.Piece, request: ComtradeRequest, client: HttpClient,
                 state: RunState, report: RunReport, log: Callable[[str], None],
                 place: str) -> None:
    done = state.finished(piece.piece_id)
    if done and done.get("split"):
        for part in query.split(piece):
            _fetch_piece(part, request, client, state, report, log, place + "+")
        return
    if done and not (request.update and done.get("records", 0) == 0):
        report.skipped += 1
        log(f"[{place}] {piece.piece_id}: done in an earlier run, skipped")
        return
    url = request.base_url.rstrip("/") + piece.path
    headers = {KEY_HEADER: request.key} if request.key else {}
    body, answer = client.get_json(url, piece.params(request.cap), headers)
    records = _records(answer, url)
    parts = query.split(piece) if len(records) >= request.cap else []
    if parts:
        log(f"[{place}] {piece.piece_id}: {len(records):,} records, the call's limit:"
            f" split in two")
        state.record({"piece": piece.piece_id, "split": True, "freq": piece.freq})
        for part in parts:
            _fetch_piece(part, request, client, state, report, log, place + "+")
        return
    if piece.tariff_lines:
        _keep_tariff_lines(piece, request, body, answer, records, state, report)
    else:
        _keep(piece, request, body, answer, records, state, report)
    log(f"[{place}] {piece.piece_id}: {len(records):,} record{'' if len(records) == 1 else 's'}")


def _records(answer: object, url: str) -> list[dict]:
    """The response's records; an error answer without data stops the run."""
    if isinstance(answer, list):
        return answer
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise FetchError(FetchFailure(Failure.SERVICE_ERROR, url, (
            "the answer is not a Comtrade data response (no \"data\" list)")))
    error = str(answer.get("error") or "").strip()
    if error and not answer["data"]:
        raise FetchError(FetchFailure(Failure.SERVICE_ERROR, url, f"Comtrade says: {error}"))
    return answer["data"]


def _keep(piece: query.Piece, request: ComtradeRequest, body: bytes, answer: object,
          records: list[dict], state: RunState, report: RunReport) -> None:
    """Write the response and its sidecar (atomically), then mark the piece finished."""
    arrived = _arrived(records)
    file = None
    retrieved = datetime.now(UTC)
    if records:
        file = request.out / f"{piece.piece_id}.json"
        sidecar = _sidecar(piece, request, answer, len(records), retrieved)
        _write_with_sidecar(file, body, sidecar, len(records), piece, request, report)
    state.record({"piece": piece.piece_id, "freq": piece.freq, "periods": list(piece.periods),
                  "reporters": list(piece.reporters), "commodities": list(piece.commodities),
                  "records": len(records), "file": file.name if file else None,
                  "arrived": {k: sorted(v) for k, v in arrived.items()},
                  "finished": retrieved.isoformat(timespec="seconds")})
    report.fetched += 1
    report.records += len(records)
    for reporter, found in arrived.items():
        report.arrived.setdefault(reporter, set()).update(found)


def _write_with_sidecar(file: Path, content: bytes, sidecar: dict, received: int,
                        piece: query.Piece, request: ComtradeRequest,
                        report: RunReport) -> None:
    """Write a piece's file and its sidecar (atomically); a call that returned as many
    records as its limit is marked partial, in the sidecar and the report."""
    write_atomic(file, content)
    if received >= request.cap:
        sidecar["partial"] = (f"the call returned {received:,} records, its limit:"
                              " more may exist that this file lacks")
        report.partial.append(piece.piece_id)
    write_atomic(sidecar_path(file), json.dumps(sidecar, indent=2).encode("utf-8"))
    report.files.append(file)


def _keep_tariff_lines(piece: query.Piece, request: ComtradeRequest, body: bytes,
                       answer: object, records: list[dict], state: RunState,
                       report: RunReport) -> None:
    """Keep the response as returned under raw/, write its national-line totals and their
    sidecar, then mark the piece finished."""
    converted = tariffline.convert(body) if records else tariffline.Converted()
    retrieved = datetime.now(UTC)
    file = None
    if records:
        raw = request.out / RAW_FOLDER / f"{piece.piece_id}.json"
        raw.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(raw, body)
    if converted.records:
        file = request.out / f"{piece.piece_id}.json"
        sidecar = _sidecar(piece, request, answer, len(records), retrieved)
        sidecar |= _tariff_line_account(piece, converted)
        _write_with_sidecar(file, converted.body(), sidecar, len(records), piece, request,
                            report)
    state.record({"piece": piece.piece_id, "freq": piece.freq, "periods": list(piece.periods),
                  "reporters": list(piece.reporters), "commodities": list(piece.commodities),
                  "records": len(records), "rows": len(converted.records),
                  "file": file.name if file else None,
                  "rows_not_written": converted.set_aside,
                  "arrived": {k: sorted(v) for k, v in converted.arrived.items()},
                  "finished": retrieved.isoformat(timespec="seconds")})
    report.fetched += 1
    report.records += len(records)
    report.tariff_line_rows += len(converted.records)
    for reason, count in converted.set_aside.items():
        report.set_aside[reason] = report.set_aside.get(reason, 0) + count
    for reporter, found in converted.arrived.items():
        report.arrived.setdefault(reporter, set()).update(found)


def _tariff_line_account(piece: query.Piece, converted: tariffline.Converted) -> dict:
    return {
        "rows": len(converted.records),
        "raw_response": f"{RAW_FOLDER}/{piece.piece_id}.json",
        "conversion": ("tariff-line records summed into one total per period, reporter,"
                       " flow, partner and national line (customs C00, transport 0, second"
                       " partner 0); a published total is used where there is one"),
        "records_summed": converted.summed,
        "records_beside_a_published_total": converted.beside_total,
        "rows_not_written": converted.set_aside,
    }


def _arrived(records: list[dict]) -> dict[str, set[str]]:
    """Reporter (ISO, else code) -> the periods its records cover."""
    found: dict[str, set[str]] = {}
    for record in records:
        reporter = str(record.get("reporterISO") or record.get("reporterCode") or "?")
        found.setdefault(reporter, set()).add(str(record.get("period") or "?"))
    return found


def _sidecar(piece: query.Piece, request: ComtradeRequest, answer: object, count: int,
             retrieved: datetime) -> dict:
    kind = _KIND[piece.endpoint]
    stated = answer.get("count") if isinstance(answer, dict) else None
    under = "national lines under HS" if piece.tariff_lines else "HS"
    return {
        "title": (f"UN Comtrade {kind}: {under} {', '.join(piece.commodities)},"
                  f" {', '.join(piece.periods)}"),
        "source": f"UN Comtrade, {kind}, comtradeapi.un.org{piece.path}",
        "endpoint": piece.path,
        "licence": LICENCE,
        "retrieved": retrieved.date().isoformat(),
        "retrieved_at": retrieved.isoformat(timespec="seconds"),
        "synthetic": False,
        "query": {"url": request.base_url.rstrip("/") + piece.path,
                  "params": piece.params(request.cap)},
        "records": count,
        "records_stated_by_service": stated,
    }


_KIND = {
    query.FINAL: "final data",
    query.PREVIEW: "final data preview (no key, at most 500 records a call)",
    query.TARIFFLINE: "tariff-line data",
    query.TARIFFLINE_PREVIEW: "tariff-line data preview (no key, at most 500 records a call)",
}


def summary_lines(report: RunReport, request: ComtradeRequest) -> list[str]:
    """What a person reads at the end: counts, arrivals per reporter, what is missing."""
    lines = list(report.notes)
    lines.append(f"fetched {report.fetched} piece(s), {report.records:,} records,"
                 f" {len(report.files)} file(s) in {request.out};"
                 f" {report.skipped} piece(s) done earlier were skipped")
    if request.tariff_lines != "none":
        lines.append(f"tariff lines: {report.tariff_line_rows:,} national-line total(s)"
                     f" written; responses as returned in {request.out / RAW_FOLDER}")
        lines += [f"  not written: {count:,} record(s), {reason}"
                  for reason, count in sorted(report.set_aside.items())]
    for reporter in sorted(report.arrived):
        months = ", ".join(_period_label(p) for p in sorted(report.arrived[reporter]))
        lines.append(f"  {reporter}: {months}")
    if report.partial:
        lines.append(f"partial: {len(report.partial)} piece(s) hit the {request.cap:,}-record"
                     " limit and could not be split further; their rows are kept but some"
                     " are missing" + ("" if request.key else " (a key lifts the limit)"))
        lines += [f"  {piece}" for piece in report.partial]
    return lines


def _period_label(period: str) -> str:
    """Comtrade's "202503" as the canonical "2025-03" (ingest's rule); as sent if not one."""
    parsed = parse_period(period)
    return parsed[0] if parsed else period
