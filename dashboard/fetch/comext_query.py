"""Eurostat Comext queries (dataset DS-045409, EU trade by CN8): the rare-earth CN8 lines,
the EU reporters, Comext's partner codes in the trade frame's terms, and one call per piece.

The SDMX 2.1 key is `<freq>.<reporters>.<partners>.<products>.<flows>.<indicators>`, values
joined by "+"; an empty position asks for every value (here: every partner).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DEFAULT_BASE_URL = "https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1"
DATASET = "DS-045409"
EU27 = ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
"""The 27 member states as Comext writes them (Greece is GR in Comext, EL elsewhere in
Eurostat)."""
FLOWS = {"1": "import", "2": "export"}
WEIGHT_INDICATOR = "QUANTITY_IN_100KG"
VALUE_INDICATOR = "VALUE_IN_EUROS"

# CN8 lines asked for under the rare-earth HS6 subheadings 2805 30, 2846 10, 2846 90 and
# 8505 11 (the HS6 parent is the first 6 digits). The CN splits lines over the years, so
# older and newer lines are both asked for; a line that does not exist in a year returns
# nothing. The list was put together from published CN tables and has not been checked
# against the CN of every year (docs/fetch.md). No names are written for them: a row's
# commodity is named from its code (a national line under its HS6), never from a guess.
RARE_EARTHS: tuple[str, ...] = (
    "28053010", "28053020", "28053030", "28053021", "28053029", "28053031", "28053039",
    "28053040", "28053080", "28461000", "28469010", "28469020", "28469030", "28469040",
    "28469050", "28469060", "28469070", "28469080", "28469090", "85051100", "85051110",
    "85051190",
)
CODES_PER_CALL = 8  # keeps one year of 27 reporters x every partner well under Comext's limits

# Comext partner codes that are not ISO 3166 alpha-2 -> our party codes (dashboard.ingest.
# countries): World, the EU as a group, Kosovo, and Comext's "Q" codes for stores and
# provisions (as Comtrade's 837 bunkers), countries not specified (899 areas nes) and
# countries withheld for commercial or military reasons (839 special categories).
PARTNER_CODES = {
    "WORLD": "WLD", "EU27_2020_INTRA": "EUU", "INT_EU27_2020": "EUU", "XK": "XKX",
    "QQ": "_X837", "QR": "_X837", "QS": "_X837",
    "QU": "_X899", "QV": "_X899", "QW": "_X899",
    "QX": "_X839", "QY": "_X839", "QZ": "_X839",
}


@dataclass(frozen=True)
class Piece:
    """One call: every EU reporter, every partner, some CN8 lines, a run of months."""

    codes: tuple[str, ...]
    first_month: str  # "2024-01"
    last_month: str  # "2024-12", same year

    @property
    def piece_id(self) -> str:
        """File-name-safe and stable across runs: the resume key and the CSV's stem."""
        digest = hashlib.sha1(repr(self.codes).encode()).hexdigest()[:8]
        span = self.first_month if self.first_month == self.last_month else (
            f"{self.first_month}_{self.last_month}")
        return f"comext_M_{span}_{len(self.codes)}cn8_{digest}"

    @property
    def months(self) -> tuple[str, ...]:
        year, first, last = self.first_month[:4], int(self.first_month[5:]), int(
            self.last_month[5:])
        return tuple(f"{year}-{m:02d}" for m in range(first, last + 1))

    def path(self) -> str:
        key = ".".join(("M", "+".join(EU27), "", "+".join(self.codes), "+".join(FLOWS),
                        f"{VALUE_INDICATOR}+{WEIGHT_INDICATOR}"))
        return f"/data/{DATASET}/{key}"

    def params(self) -> dict[str, str]:
        return {"startPeriod": self.first_month, "endPeriod": self.last_month,
                "format": "SDMX-CSV"}


def cn8_codes(text: str) -> tuple[str, ...]:
    """"rare-earths" or CN8 codes separated by commas (spaces and dots allowed)."""
    if text.strip().lower() in ("rare-earths", "rare_earths", "rareearths"):
        return RARE_EARTHS
    codes = tuple(c.replace(" ", "").replace(".", "") for c in text.split(",") if c.strip())
    bad = [c for c in codes if not (c.isdigit() and len(c) == 8)]
    if bad or not codes:
        raise ValueError(f"not CN8 codes: {', '.join(bad) or text!r} (give 8 digits, e.g."
                         " 28469060, or rare-earths)")
    return tuple(dict.fromkeys(codes))


def plan(months: tuple[str, ...], codes: tuple[str, ...],
         per_call: int = CODES_PER_CALL) -> list[Piece]:
    """Pieces of at most per_call codes and one calendar year's months (in the order given).

    >>> [p.piece_id for p in plan(("2024-11", "2024-12", "2025-01"), ("28053010",))]
    ['comext_M_2024-11_2024-12_1cn8_0ccde3ca', 'comext_M_2025-01_1cn8_0ccde3ca']
    """
    years: dict[str, list[str]] = {}
    for month in months:
        years.setdefault(month[:4], []).append(month)
    groups = [codes[i:i + per_call] for i in range(0, len(codes), per_call)]
    return [Piece(group, found[0], found[-1]) for found in years.values() for group in groups]


def months_of(first_year: int, last_year: int) -> tuple[str, ...]:
    return tuple(f"{y}-{m:02d}" for y in range(first_year, last_year + 1) for m in range(1, 13))
