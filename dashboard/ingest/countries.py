"""Country resolution: explicit tables plus exact pycountry lookups, never a fuzzy guess.

Customs statistics use codes and labels pycountry cannot resolve exactly (Comtrade's 842
for the USA, "Rep. of Korea", aggregates such as World or "Other Asia, nes"). Those are
listed here. Anything else must match pycountry exactly; fuzzy search only produces
suggestions inside the error (fuzzy "Korea" returns North Korea first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from dashboard.ingest.schema import PartyKind


@dataclass(frozen=True)
class Party:
    code: str  # ISO3 for a country, else an aggregate code below
    name: str
    kind: PartyKind


class CountryLookupError(LookupError):
    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.suggestions = suggestions or []
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(message + hint)


W, G, N, S = PartyKind.WORLD, PartyKind.GROUP, PartyKind.AREA_NES, PartyKind.SPECIAL

# Aggregates: (Comtrade numeric code, our code, Comtrade Plus ISO string, name, kind).
# Our codes follow Comtrade Plus where it has a readable one (W00 -> WLD for clarity,
# S19 for Other Asia, nes); the "_X.." codes are ours, namespaced so they never look
# like an ISO code.
_AGGREGATES = [
    (0, "WLD", "W00", "World", W),
    (97, "EUU", "EUR", "European Union", G),
    # 490 is in practice Taiwan, but Comtrade publishes it as an area, and so do we.
    (490, "S19", "S19", "Other Asia, nes", N),
    (899, "_X899", "_X", "Areas, nes", N),
    (473, "_X473", "X1", "LAIA, nes", N),
    (527, "_X527", "X2", "Oceania, nes", N),
    (577, "_X577", "X3", "Other Africa, nes", N),
    (636, "_X636", "X4", "Rest of America, nes", N),
    (637, "_X637", "X5", "North America and Central America, nes", N),
    (290, "_X290", "X6", "Northern Africa, nes", N),
    (568, "_X568", "X7", "Other Europe, nes", N),
    (879, "_X879", "X8", "Western Asia, nes", N),
    (849, "_X849", "X9", "US Misc. Pacific Islands", N),
    (837, "_X837", "XX", "Bunkers", S),
    (838, "_X838", "XZ", "Free zones", S),
    (839, "_X839", "X0", "Special categories", S),
]
# Comtrade numeric codes that differ from ISO 3166 numeric.
_CODE_TO_ISO3 = {842: "USA", 251: "FRA", 380: "ITA", 381: "ITA", 699: "IND", 757: "CHE",
                 579: "NOR", 711: "ZAF", 490: "S19", 58: "BEL", 280: "DEU", 536: "SAU",
                 891: "SCG"}
_ISO3_TO_CODE = {"USA": 842, "FRA": 251, "ITA": 380, "IND": 699, "CHE": 757, "NOR": 579}

FRIENDLY_NAMES = {
    "KOR": "South Korea", "PRK": "North Korea", "TWN": "Taiwan", "HKG": "Hong Kong",
    "MAC": "Macao", "RUS": "Russia", "VNM": "Vietnam", "IRN": "Iran", "USA": "United States",
    "GBR": "United Kingdom", "CZE": "Czechia", "TUR": "Türkiye", "BOL": "Bolivia",
    "VEN": "Venezuela", "TZA": "Tanzania", "COD": "DR Congo", "LAO": "Laos", "SYR": "Syria",
    "MDA": "Moldova", "CIV": "Côte d'Ivoire", "SCG": "Serbia and Montenegro",
}

# Customs labels (Comtrade reporterDesc / partnerDesc spellings) -> ISO3 or aggregate code.
_LABELS = {
    "rep. of korea": "KOR", "korea, rep.": "KOR", "republic of korea": "KOR",
    "korea, republic of": "KOR", "south korea": "KOR",
    "dem. people's rep. of korea": "PRK", "china, hong kong sar": "HKG",
    "china, macao sar": "MAC", "dem. rep. of the congo": "COD", "viet nam": "VNM",
    "türkiye": "TUR", "turkey": "TUR", "usa": "USA", "united states of america": "USA",
    "russian federation": "RUS", "iran": "IRN", "bolivia (plurinational state of)": "BOL",
    "côte d'ivoire": "CIV", "cote d'ivoire": "CIV", "czechia": "CZE", "czech rep.": "CZE",
    "lao people's dem. rep.": "LAO", "united rep. of tanzania": "TZA",
    "rep. of moldova": "MDA", "bosnia herzegovina": "BIH", "state of palestine": "PSE",
    "china": "CHN", "taiwan": "TWN", "other asia, nes": "S19", "world": "WLD", "eu": "EUU",
    "european union": "EUU", "eu-28": "EUU", "eu-27": "EUU", "areas, nes": "_X899",
    "netherlands": "NLD", "united kingdom": "GBR", "venezuela": "VEN", "syria": "SYR",
    "dominican rep.": "DOM", "central african rep.": "CAF", "fmr sudan": "SDN",
    "tfyr of macedonia": "MKD", "north macedonia": "MKD", "hong kong": "HKG", "macao": "MAC",
}
_BY_CODE = {row[1]: row for row in _AGGREGATES}
_BY_NUMBER = {row[0]: row for row in _AGGREGATES}
_BY_PLUS_ISO = {row[2]: row for row in _AGGREGATES}


def _aggregate(row) -> Party:
    return Party(row[1], row[3], row[4])


def _country(record) -> Party:
    iso3 = record.alpha_3
    name = FRIENDLY_NAMES.get(iso3) or getattr(record, "common_name", None) or record.name
    return Party(iso3, name, PartyKind.COUNTRY)


@lru_cache(maxsize=4096)
def from_comtrade_code(code: int | str, iso_hint: str | None = None) -> Party:
    """Party for a UN Comtrade numeric reporter/partner code (842 -> USA, 0 -> World)."""
    text = str(code).strip()
    if not re.fullmatch(r"[0-9]{1,4}(\.0+)?", text):  # "156.0" from a number column is 156
        raise CountryLookupError(f"country code {text[:40]!r} is not a Comtrade code (1-4 digits)")
    number = int(text.split(".")[0])
    if number in _BY_NUMBER:
        return _aggregate(_BY_NUMBER[number])
    if number in _CODE_TO_ISO3:
        return from_iso(_CODE_TO_ISO3[number])
    record = pycountry.countries.get(numeric=f"{number:03d}")
    if record is not None:
        return _country(record)
    if iso_hint:
        try:
            return from_iso(iso_hint)
        except CountryLookupError:
            pass
    raise CountryLookupError(f"unknown Comtrade country code {number}")


@lru_cache(maxsize=4096)
def from_iso(code: str) -> Party:
    """Party for an ISO3 or ISO2 code, one of our aggregate codes, or a Comtrade Plus ISO."""
    text = str(code).strip()
    upper = text.upper()
    for table in (_BY_CODE, _BY_PLUS_ISO):
        if text in table or upper in table:
            return _aggregate(table.get(text) or table[upper])
    record = None
    if len(upper) == 3 and upper.isalpha():
        record = pycountry.countries.get(alpha_3=upper)
    elif len(upper) == 2 and upper.isalpha():
        record = pycountry.countries.get(alpha_2=upper)
    if record is None:
        raise CountryLookupError(f"unknown country code {text!r}")
    return _country(record)


def normalise_label(label: str) -> str:
    """The form labels are compared in: case and runs of white space do not matter."""
    return re.sub(r"\s+", " ", str(label)).strip().lower()


@lru_cache(maxsize=1)
def known_labels() -> dict[str, str]:
    """Every exact spelling from_label accepts (normalised) -> ISO3 or aggregate code.

    pycountry's names, official and common names and ISO codes, then our customs spellings
    and aggregate names, which win where they differ. Nothing outside this table resolves.
    """
    index: dict[str, str] = {}
    for record in pycountry.countries:
        for name in (record.alpha_3, record.alpha_2, record.name,
                     getattr(record, "official_name", ""), getattr(record, "common_name", "")):
            if name:
                index.setdefault(normalise_label(name), record.alpha_3)
    index.update({normalise_label(row[3]): row[1] for row in _AGGREGATES})
    index.update({normalise_label(label): code for label, code in _LABELS.items()})
    return index


@lru_cache(maxsize=4096)
def from_label(label: str) -> Party:
    """Party for a country name, by exact match only; suggestions when none matches."""
    key = normalise_label(label)
    if not key:
        raise CountryLookupError("the country is blank")
    code = known_labels().get(key)
    if code is not None:
        return from_iso(code)
    shown = label if len(str(label)) <= 80 else f"{str(label)[:80]}..."
    raise CountryLookupError(f"unknown country {shown!r}", _suggestions(key[:200]))


def _suggestions(text: str) -> list[str]:
    try:
        found = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return []
    return [f"{_country(r).name} ({r.alpha_3})" for r in found[:3]]


def comtrade_code(party_code: str) -> int:
    """Comtrade numeric code of one of our codes (USA -> 842, WLD -> 0)."""
    if party_code in _BY_CODE:
        return _BY_CODE[party_code][0]
    if party_code in _ISO3_TO_CODE:
        return _ISO3_TO_CODE[party_code]
    record = pycountry.countries.get(alpha_3=party_code)
    if record is None:
        raise CountryLookupError(f"unknown country code {party_code!r}")
    return int(record.numeric)


def is_aggregate(party_code: str) -> bool:
    return party_code in _BY_CODE
