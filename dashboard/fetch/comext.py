"""Fetch EU member states' rare-earth trade by CN8 from Eurostat Comext (DS-045409) into a
folder the dashboard reads, with euros converted to US dollars at the ECB's monthly rate.

Each piece (up to 8 CN8 lines, one year's months, every EU reporter and partner) is written
as the dashboard's tidy CSV (`<piece>.csv`, read by the "tidy" layout) with a sidecar
`<piece>.meta.json`: source, licence, query, retrieval time, observation and row counts, the
kg and EUR totals, the rate used for each month and its source, the months without a rate
(`exchange_rate.months_without_rate`: their USD values are empty; `validate` names them) and
the rows not written, by reason. Each row carries its EUR value and rate beside the USD.
Finished pieces are listed in `fetch-state-comext.jsonl`; a rerun skips them, except pieces
written without a rate for a month the ECB has published since. `update` asks only for
months newer than the newest one the folder holds, and again for the pieces written without
a rate that the ECB has published since. A piece fetched again that comes back empty
removes its earlier file (the service no longer holds those rows).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dashboard.fetch import comext_query as query
from dashboard.fetch import comext_rows, ecb_rates
from dashboard.fetch.client import HttpClient
from dashboard.fetch.errors import Failure, FetchError, FetchFailure
from dashboard.fetch.state import RunState, write_atomic
from dashboard.ingest.dataset import sidecar_path

ACCEPT = "text/csv, application/vnd.sdmx.data+csv;version=1.0.0;q=0.9"
LICENCE = ("Eurostat: (c) European Union, reuse authorised with acknowledgement of the source"
           " (Commission Decision 2011/833/EU); ECB exchange rates: reuse with the source"
           " acknowledged")
SOURCE = ("Eurostat Comext DS-045409 (EU trade by CN8), EUR converted to USD at the ECB's"
          " monthly average USD/EUR rate (EXR M.USD.EUR.SP00.A)")
INTRA_EU_NOTE = ("each row's eu_trade column says intra-EU or extra-EU (EU27_2020 for every"
                 " month, as in Comext's aggregates: the UK is extra-EU throughout); this is"
                 " the count of rows whose partner is a member state")


@dataclass(frozen=True)
class ComextRequest:
    """What to fetch, decided once from the command line."""

    out: Path
    first_year: int
    last_year: int
    codes: tuple[str, ...] = query.RARE_EARTHS
    base_url: str = query.DEFAULT_BASE_URL
    rates_url: str = ecb_rates.DEFAULT_URL
    update: bool = False
    codes_per_call: int = query.CODES_PER_CALL


@dataclass
class RunReport:
    fetched: int = 0
    skipped: int = 0
    observations: int = 0
    rows: int = 0
    files: list[Path] = field(default_factory=list)
    set_aside: dict[str, int] = field(default_factory=dict)
    months_without_rate: set[str] = field(default_factory=set)
    arrived: dict[str, set[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.months_without_rate


def run(request: ComextRequest, client: HttpClient,
        log: Callable[[str], None] | None = None) -> RunReport:
    """Fetch the rates, then every piece not finished yet; FetchError stops the run."""
    log = log or client.log
    report = RunReport()
    state = RunState.open(request.out, "comext")
    months = query.months_of(request.first_year, request.last_year)
    waiting: list[query.Piece] = []
    if request.update:
        months = _newer_than_held(months, state, report)
        waiting = _waiting_for_rate(state, report)
    asked = sorted({*months, *(m for piece in waiting for m in piece.months)})
    if not asked:
        return report
    try:
        rates = ecb_rates.fetch(client, request.rates_url, asked[0], asked[-1])
    except FetchError as error:
        raise _no_key_needed(error) from None
    if rates.note:
        report.notes.append(rates.note)
    # A piece fetched again for its rate also brings its months' newer rows: the newer
    # months' own pieces under it are not asked for (their rows would be written twice).
    again = [p for p in waiting if _rate_arrived_since(state.entries[p.piece_id], rates)]
    pieces = waiting + [p for p in query.plan(months, request.codes, request.codes_per_call)
                        if not any(_covers(bigger, p) for bigger in again)]
    request.out.mkdir(parents=True, exist_ok=True)
    for number, piece in enumerate(pieces, start=1):
        place = f"[{number}/{len(pieces)}] {piece.piece_id}"
        done = state.finished(piece.piece_id)
        if done and not _rate_arrived_since(done, rates):
            report.skipped += 1
            log(f"{place}: done in an earlier run, skipped")
            continue
        _fetch_piece(piece, request, client, rates, state, report)
        log(f"{place}: {state.entries[piece.piece_id]['rows']:,} rows")
    return report


def _newer_than_held(months: tuple[str, ...], state: RunState,
                     report: RunReport) -> tuple[str, ...]:
    latest = state.latest_period("M")
    if latest is None:
        report.notes.append("update: the folder holds no fetched rows yet; fetching all")
        return months
    newer = tuple(m for m in months if m > latest)
    report.notes.append(f"update: the folder holds months up to {latest};"
                        f" asking for {len(newer)} newer month(s)")
    return newer


def _waiting_for_rate(state: RunState, report: RunReport) -> list[query.Piece]:
    """Pieces an earlier run wrote without a rate for some month, as they were asked for:
    an update fetches them again once the rate exists (the run's loop decides)."""
    waiting = []
    for piece_id, entry in sorted(state.entries.items()):
        if not entry.get("months_without_rate") or not entry.get("months"):
            continue
        piece = query.Piece(tuple(entry["codes"]), entry["months"][0], entry["months"][-1])
        if piece.piece_id == piece_id:  # an entry of another layout is left as it is
            waiting.append(piece)
    if waiting:
        report.notes.append(f"update: {len(waiting)} piece(s) were written without a rate"
                            " for some month; fetched again where the rate now exists")
    return waiting


def _covers(bigger: query.Piece, piece: query.Piece) -> bool:
    return set(piece.codes) <= set(bigger.codes) and set(piece.months) <= set(bigger.months)


def _rate_arrived_since(done: dict, rates: ecb_rates.Rates) -> bool:
    """A piece written without a rate for some month is fetched again once the rate exists."""
    return any(rates.rate(month) is not None for month in done.get("months_without_rate", []))


def _no_key_needed(error: FetchError) -> FetchError:
    """The client's 401/403 words speak of a Comtrade key; these services take none."""
    failure = error.failure
    if failure.reason is not Failure.BAD_KEY:
        return error
    said = failure.message.split(". Check the key")[0]
    return FetchError(FetchFailure(failure.reason, failure.url, (
        f"{said}. Eurostat and the ECB need no key: a proxy or the service's access rules"
        " refused the request")))


def _fetch_piece(piece: query.Piece, request: ComextRequest, client: HttpClient,
                 rates: ecb_rates.Rates, state: RunState, report: RunReport) -> None:
    url = request.base_url.rstrip("/") + piece.path()
    try:
        body, _ = client.get_read(url, piece.params(), comext_rows.check_body,
                                  {"Accept": ACCEPT})
    except FetchError as error:
        if not _no_results(error):
            raise _no_key_needed(error) from None
        body = b""
        report.notes.append(f"{piece.piece_id}: no observations ({error.failure.message})")
    converted = comext_rows.convert(body, rates.rate)
    retrieved = datetime.now(UTC)
    file = None
    if not converted.rows:
        _remove_earlier_file(piece, request, state, report)
    else:
        file = request.out / f"{piece.piece_id}.csv"
        write_atomic(file, comext_rows.to_csv(converted.rows))
        sidecar = _sidecar(piece, request, rates, converted, retrieved)
        write_atomic(sidecar_path(file), json.dumps(sidecar, indent=2).encode("utf-8"))
        report.files.append(file)
    state.record({"piece": piece.piece_id, "freq": "M", "months": list(piece.months),
                  "codes": list(piece.codes), "observations": converted.observations,
                  "rows": len(converted.rows), "file": file.name if file else None,
                  "arrived": {k: sorted(v) for k, v in converted.arrived.items()},
                  "months_without_rate": sorted(converted.months_without_rate),
                  "finished": retrieved.isoformat(timespec="seconds")})
    report.fetched += 1
    report.observations += converted.observations
    report.rows += len(converted.rows)
    report.months_without_rate |= converted.months_without_rate
    for reason, count in converted.set_aside.items():
        report.set_aside[reason] = report.set_aside.get(reason, 0) + count
    for reporter, found in converted.arrived.items():
        report.arrived.setdefault(reporter, set()).update(found)


def _remove_earlier_file(piece: query.Piece, request: ComextRequest, state: RunState,
                         report: RunReport) -> None:
    """A piece that held rows and now comes back empty: its old file would go on being
    served as the service's figures, so it goes, and the run says so."""
    earlier = (state.finished(piece.piece_id) or {}).get("file")
    if not earlier:
        return
    old = request.out / earlier
    for path in (old, sidecar_path(old)):
        path.unlink(missing_ok=True)
    report.notes.append(f"{piece.piece_id}: fetched again and empty now; its earlier file"
                        f" {earlier} was removed")


def _no_results(error: FetchError) -> bool:
    """Eurostat answers a query that matches nothing with a 404."""
    return (error.failure.reason is Failure.SERVICE_ERROR
            and error.failure.message.startswith("HTTP 404"))


def _sidecar(piece: query.Piece, request: ComextRequest, rates: ecb_rates.Rates,
             converted: comext_rows.Converted, retrieved: datetime) -> dict:
    without = sorted(converted.months_without_rate)
    source = SOURCE + (f"; USD left empty for {', '.join(without)}: no ECB rate for those"
                       " months" if without else "")
    return {
        "title": (f"Eurostat Comext: EU trade in CN8 {', '.join(piece.codes)},"
                  f" {piece.first_month} to {piece.last_month}"),
        "source": source,
        "licence": LICENCE,
        "retrieved": retrieved.date().isoformat(),
        "retrieved_at": retrieved.isoformat(timespec="seconds"),
        "synthetic": False,
        "query": {"url": request.base_url.rstrip("/") + piece.path(),
                  "params": piece.params()},
        "observations": converted.observations,
        "rows": len(converted.rows),
        "rows_not_written": converted.set_aside,
        "net_weight_kg_total": comext_rows.plain(converted.weight_kg_total),
        "value_eur_total": comext_rows.plain(converted.value_eur_total),
        "units": "net_weight_kg = QUANTITY_IN_100KG x 100; value_eur = VALUE_IN_EUROS;"
                 " usd_per_eur = the month's rate (US dollars per euro), blank without one;"
                 " value_usd = value_eur x usd_per_eur, rounded to the cent",
        "exchange_rate": {
            "source": ecb_rates.SOURCE, "url": rates.url or request.rates_url,
            "usd_per_eur_by_month": dict(sorted(converted.rates_used.items())),
            "months_without_rate": without,
            "why_no_rate": rates.note or ("the ECB's answer holds no rate for these months;"
                                          " their USD values are left empty, weight kept"
                                          if without else ""),
        },
        "intra_eu_rows": converted.intra_eu_rows,
        "intra_eu_note": INTRA_EU_NOTE,
    }


def summary_lines(report: RunReport, request: ComextRequest) -> list[str]:
    """What a person reads at the end: counts, months per reporter, what is missing."""
    lines = list(report.notes)
    lines.append(f"fetched {report.fetched} piece(s), {report.observations:,} observations,"
                 f" {report.rows:,} rows, {len(report.files)} file(s) in {request.out};"
                 f" {report.skipped} piece(s) done earlier were skipped")
    for reporter in sorted(report.arrived):
        months = sorted(report.arrived[reporter])
        lines.append(f"  {reporter}: {months[0]} to {months[-1]} ({len(months)} months)")
    for reason, count in sorted(report.set_aside.items()):
        lines.append(f"not written: {count:,} observation(s): {reason}")
    if report.months_without_rate:
        lines.append("no ECB rate for " + ", ".join(sorted(report.months_without_rate))
                     + ": USD values left empty (weight kept); rerun later to fill them")
    return lines
