"""UN Comtrade queries: the rare-earth set, reporters as Comtrade codes, and pieces that fit
under the service's limits.

Limits (UN Comtrade API, as documented for `comtradeapicall`): the preview endpoints, used
without a key, return at most 500 records a call; final and tariff-line data with a free
key at most 250,000; a call names at most 12 months. Pieces are planned from an estimate of
records per (reporter, period, commodity) and split further at run time when a piece comes
back full (see `split`).

Endpoints (paths as `comtradeapicall.PreviewGet.getPreviewData` builds them): final data
`/data/v1/get`, its preview `/public/v1/preview`; tariff-line data `/data/v1/getTariffline`,
its preview `/public/v1/previewTariffline`. A tariff-line cmdCode is matched as a prefix: an
HS code returns the reporter's national lines under it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, replace
from importlib import resources

from dashboard.ingest import countries

RARE_EARTHS = ("280530", "284610", "284690", "850511", "2805", "2846", "8505")
"""HS 2805.30 rare-earth metals, 2846.10 cerium compounds, 2846.90 other rare-earth compounds,
8505.11 permanent magnets of metal, and their headings (reference/facts.md)."""

PREVIEW_RECORD_CAP = 500
FINAL_RECORD_CAP = 250_000
MAX_MONTHS_PER_CALL = 12
# Records one reporter publishes for one code and period, totals only, both flows: about
# 40 partners x 2 flows in the rare-earth lines. Only plans pieces; a full answer splits.
ESTIMATED_RECORDS_PER_LINE = 100
# Tariff lines: a few national lines per HS6, each split by transport mode and customs
# procedure (the totals are not published), so several times more.
ESTIMATED_TARIFF_RECORDS_PER_LINE = 400
DEFAULT_BASE_URL = "https://comtradeapi.un.org"
FINAL, PREVIEW = "final", "preview"
TARIFFLINE, TARIFFLINE_PREVIEW = "tariffline", "tariffline-preview"
TARIFF_LINE_ENDPOINTS = frozenset({TARIFFLINE, TARIFFLINE_PREVIEW})
_PATHS = {FINAL: "/data/v1/get", PREVIEW: "/public/v1/preview",
          TARIFFLINE: "/data/v1/getTariffline", TARIFFLINE_PREVIEW: "/public/v1/previewTariffline"}


@dataclass(frozen=True)
class Piece:
    """One call: reporters (Comtrade codes; empty = every reporter), periods, commodities."""

    endpoint: str  # FINAL or TARIFFLINE (with a key), PREVIEW or TARIFFLINE_PREVIEW
    freq: str  # "A" or "M"
    reporters: tuple[int, ...]
    periods: tuple[str, ...]  # "2024" or "202401"
    commodities: tuple[str, ...]

    @property
    def piece_id(self) -> str:
        """File-name-safe, stable across runs: the resume key and the data file's stem."""
        who = (f"r{self.reporters[0]}" if len(self.reporters) == 1 else
               "rall" if not self.reporters else f"r{len(self.reporters)}x")
        when = self.periods[0] if len(self.periods) == 1 else (
            f"{self.periods[0]}-{self.periods[-1]}")
        digest = hashlib.sha1(repr((self.reporters, self.periods, self.commodities)).encode())
        return f"comtrade_{self.endpoint}_{self.freq}_{who}_{when}_{digest.hexdigest()[:8]}"

    @property
    def path(self) -> str:
        return f"{_PATHS[self.endpoint]}/C/{self.freq}/HS"

    @property
    def tariff_lines(self) -> bool:
        return self.endpoint in TARIFF_LINE_ENDPOINTS

    def params(self, record_cap: int) -> dict[str, str]:
        """Query parameters. Final data: totals only (customs C00, transport 0, no second
        partner), so no row double counts and the record limit goes to partners. Tariff
        lines: every breakdown, since reporters publish them without totals (the fetch sums
        them, `comtrade_tariffline`)."""
        found = {"period": ",".join(self.periods), "cmdCode": ",".join(self.commodities),
                 "flowCode": "M,X", "maxRecords": str(record_cap), "format": "JSON",
                 "includeDesc": "true"}
        if not self.tariff_lines:
            found |= {"partner2Code": "0", "customsCode": "C00", "motCode": "0"}
        if self.reporters:
            found["reporterCode"] = ",".join(map(str, self.reporters))
        return found


def commodity_codes(text: str) -> tuple[str, ...]:
    """"rare-earths" or a comma list of HS codes (2-6 digits, dots allowed) or TOTAL."""
    if text.strip().lower() in ("rare-earths", "rare_earths", "rareearths"):
        return RARE_EARTHS
    codes = tuple(c.strip().replace(".", "") for c in text.split(",") if c.strip())
    bad = [c for c in codes if not (c.upper() == "TOTAL" or (c.isdigit() and 2 <= len(c) <= 6))]
    if bad or not codes:
        raise ValueError(f"not HS codes: {', '.join(bad) or text!r} (give 2-6 digits, e.g."
                         " 284690, or rare-earths)")
    return tuple(c.upper() for c in codes)


def tariff_line_codes(commodities: tuple[str, ...]) -> tuple[str, ...]:
    """The codes to ask tariff lines for: those no other code asked for extends, since a
    tariff-line cmdCode is a prefix and a heading beside its subheading would return the
    subheading's lines twice. TOTAL is refused (every national line of every good).

    >>> tariff_line_codes(RARE_EARTHS)
    ('280530', '284610', '284690', '850511')
    >>> tariff_line_codes(("2846", "850511"))
    ('2846', '850511')
    """
    if "TOTAL" in commodities:
        raise ValueError("tariff lines need HS codes: TOTAL would ask for every national line"
                         " of every good")
    return tuple(c for c in commodities
                 if not any(o != c and o.startswith(c) for o in commodities))


def reporter_codes(text: str) -> tuple[int, ...]:
    """"all" -> () (every reporter); else ISO3 (or ISO2) codes -> Comtrade reporter codes."""
    if text.strip().lower() == "all":
        return ()
    found = []
    for code in (c.strip() for c in text.split(",") if c.strip()):
        try:
            found.append(countries.comtrade_code(countries.from_iso(code).code))
        except countries.CountryLookupError as error:
            raise ValueError(str(error)) from None
    return tuple(dict.fromkeys(found))


def current_reporters() -> tuple[int, ...]:
    """Every country reporter Comtrade lists today (no groups, no ended entities)."""
    text = (resources.files("dashboard.ingest") / "comtrade_codes" / "reporter_codes.csv"
            ).read_text(encoding="utf-8")
    return tuple(sorted({int(row["id"]) for row in csv.DictReader(io.StringIO(text))
                         if row["group"].strip() != "True" and not row["exit_year"].strip()}))


def periods(first_year: int, last_year: int, freq: str) -> tuple[str, ...]:
    """Every period from first_year to last_year: years ("A") or months ("M").

    >>> periods(2024, 2025, "A")
    ('2024', '2025')
    >>> periods(2024, 2024, "M")[:2], len(periods(2024, 2024, "M"))
    (('202401', '202402'), 12)
    """
    years = range(first_year, last_year + 1)
    if freq == "A":
        return tuple(str(y) for y in years)
    return tuple(f"{y}{m:02d}" for y in years for m in range(1, 13))


def plan(endpoint: str, freq: str, reporters: tuple[int, ...], wanted: tuple[str, ...],
         commodities: tuple[str, ...], record_cap: int,
         records_per_line: int = ESTIMATED_RECORDS_PER_LINE) -> list[Piece]:
    """Pieces covering reporters x periods x commodities, each estimated under record_cap.

    Commodities stay together when they fit, then periods (at most 12 a call, never across
    a year, so each year's file stands alone), then reporters.
    """
    per_call = max(1, record_cap // records_per_line)
    code_groups = _chunks(commodities, per_call)
    codes_size = len(code_groups[0])
    if not reporters:  # every reporter in one call: as many periods as all of them allow
        lines_per_period = codes_size * len(current_reporters())
        periods_size = max(1, min(MAX_MONTHS_PER_CALL, per_call // lines_per_period))
        return [Piece(endpoint, freq, (), p, c) for p in _period_groups(wanted, periods_size)
                for c in code_groups]
    periods_size = max(1, min(MAX_MONTHS_PER_CALL, per_call // codes_size))
    period_groups = _period_groups(wanted, periods_size)
    reporters_size = max(1, per_call // (codes_size * len(period_groups[0])))
    return [Piece(endpoint, freq, r, p, c) for p in period_groups
            for r in _chunks(reporters, reporters_size) for c in code_groups]


def split(piece: Piece) -> list[Piece]:
    """Two halves of a piece that came back full: periods first, then reporters, then codes.
    [] when it is one reporter, one period and one code: it cannot be split."""
    for name in ("periods", "reporters", "commodities"):
        values = getattr(piece, name)
        if len(values) > 1:
            half = len(values) // 2
            return [replace(piece, **{name: values[:half]}),
                    replace(piece, **{name: values[half:]})]
    return []


def _period_groups(wanted: tuple[str, ...], size: int) -> list[tuple[str, ...]]:
    """Runs of at most size periods, never across a year."""
    years: dict[str, list[str]] = {}
    for period in wanted:
        years.setdefault(period[:4], []).append(period)
    return [g for year in years.values() for g in _chunks(tuple(year), size)]


def _chunks(values: tuple, size: int) -> list[tuple]:
    return [tuple(values[i:i + size]) for i in range(0, len(values), size)]
