"""Country resolution: Comtrade's own code tables, explicit spellings and exact pycountry
lookups, never a fuzzy guess.

Every code in UN Comtrade's partner and reporter tables (`comtrade_codes/`, shipped with
the package) resolves three ways: by number (842 -> USA), by the table's alpha-3 string
(Comtrade Plus writes "S19", "ANT", "_X") and by Comtrade's label ("Rep. of Korea").
Countries get their ISO3; aggregates (World, EU, areas "nes", bunkers) get typed codes of
ours; historical customs territories (USSR, Netherlands Antilles) keep their own code and
say their years. Any other name must match pycountry exactly; fuzzy search only produces
suggestions inside the error (fuzzy "Korea" returns North Korea first).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pycountry

from dashboard.ingest.schema import PartyKind


@dataclass(frozen=True)
class Party:
    code: str  # ISO3 for a country, a historical entity's own code, else an aggregate code
    name: str
    kind: PartyKind


class CountryLookupError(LookupError):
    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.suggestions = suggestions or []
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(message + hint)


@dataclass(frozen=True)
class ComtradeArea:
    """One row of Comtrade's reference tables, its strings trimmed."""

    number: int  # Comtrade's numeric code
    label: str  # Comtrade's label: "Rep. of Korea", "USSR (...1990)", "Other Asia, nes"
    iso: str  # Comtrade's iso_3: an ISO3, or its own string ("S19", "_X", "ANT", "_KS")
    note: str  # the full name, often blank
    exit_year: int | None  # last year of an entity that no longer exists
    group: bool


W, G, N, S, C = (PartyKind.WORLD, PartyKind.GROUP, PartyKind.AREA_NES, PartyKind.SPECIAL,
                 PartyKind.COUNTRY)

DRAWN_AS = {"S19": "TWN"}
"""Aggregate code -> ISO3 of the shape it may be drawn on. Comtrade does not report Taiwan
separately (its code 158 is listed but unused): Taiwan's trade is reported under 490
"Other Asia, nes", which therefore stays an area in the data but may be drawn as Taiwan."""

# Our codes for Comtrade's aggregates are "_X" + the number (namespaced: never an ISO3 nor
# one of Comtrade's strings), except these, kept because saved data and URLs use them.
_AGGREGATE_CODES = {0: "WLD", 97: "EUU", 490: "S19"}
# Names that differ from Comtrade's label.
_NAMES = {490: "Other Asia, nes (in practice Taiwan)"}
# Not places but kinds of trade: ships' and aircraft's fuel and stores, goods entering free
# zones, partners withheld for confidentiality. Nothing in their rows marks them.
_SPECIAL = frozenset({837, 838, 839})
# 849 US Misc. Pacific Isds holds the US Pacific islands not reported on their own (Midway
# and Wake have codes): a residual like the "nes" areas though its label does not say so,
# and an area (_X849) since before these tables were read.
_AREAS_WITHOUT_NES_LABEL = frozenset({849})
_NES = re.compile(r"\bnes\b")
# Comtrade's own strings for territories that have a code shared by maps and statistics.
_TERRITORY_CODES = {"_KS": "XKX"}  # Kosovo: the user-assigned code the EU and IMF use
# A79 is both 473 "LAIA, nes" and 636 "Rest of America, nes": read alone it is the wider.
# (ANT, both Netherlands Antilles codes, is one party: see _registry.)
_SHARED_ISO = {"A79": 636}
# Comtrade numeric codes outside its current tables. The table's iso_3 gives the rest (842
# USA, 251 FRA, 699 IND, 757 CHE, 579 NOR, 58 BEL, 280 DEU, 891 SCG as listed here before);
# it changed two: 711 is the Southern African Customs Union until 1999 (ZA1, with Botswana,
# Lesotho, Namibia and Eswatini), not South Africa, and 536 the Neutral Zone (NTZ), not
# Saudi Arabia.
_CODE_TO_ISO3 = {381: "ITA"}
# Where several current codes stand for one country, the one to write.
_ISO3_TO_CODE = {"USA": 842, "FRA": 251, "ITA": 380, "IND": 699, "CHE": 757, "NOR": 579}
_YEARS = re.compile(r"\s*\(\.\.\.\d{4}\)$")  # "USSR (...1990)"
_TABLES = ("partner_codes.csv", "reporter_codes.csv")

FRIENDLY_NAMES = {
    "KOR": "South Korea", "PRK": "North Korea", "TWN": "Taiwan", "HKG": "Hong Kong",
    "MAC": "Macao", "RUS": "Russia", "VNM": "Vietnam", "IRN": "Iran", "USA": "United States",
    "GBR": "United Kingdom", "CZE": "Czechia", "TUR": "Türkiye", "BOL": "Bolivia",
    "VEN": "Venezuela", "TZA": "Tanzania", "COD": "DR Congo", "LAO": "Laos", "SYR": "Syria",
    "MDA": "Moldova", "CIV": "Côte d'Ivoire",
}

# Customs labels (Comtrade reporterDesc / partnerDesc spellings and older Comtrade wording)
# -> our code. Comtrade's current labels come from its tables; these win where they differ.
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
    "neth. antilles": "ANT", "neth. antilles and aruba": "ANT",
    "so. african customs union": "ZA1", "us misc. pacific islands": "_X849",
}


@lru_cache(maxsize=1)
def comtrade_areas() -> dict[int, ComtradeArea]:
    """Every code in Comtrade's partner and reporter tables, read once from package data.

    The two tables agree where both list a code, except that only the reporter table flags
    490 Other Asia, nes as a group: `group` is True when either does (`_kind` weighs it).
    """
    areas: dict[int, ComtradeArea] = {}
    for name in _TABLES:
        text = (resources.files("dashboard.ingest") / "comtrade_codes" / name).read_text(
            encoding="utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            exit_year = row["exit_year"].strip()
            area = ComtradeArea(int(row["id"]), row["country"].strip(), row["iso_3"].strip(),
                                row["note"].strip(), int(float(exit_year)) if exit_year else None,
                                row["group"].strip() == "True")
            known = areas.setdefault(area.number, area)
            if area.group and not known.group:
                areas[area.number] = area
    return areas


def _kind(area: ComtradeArea) -> PartyKind:
    """The kind of one Comtrade code, read from its row.

    world: 0, the total over all partners. special: see _SPECIAL. area_nes: a label
    "..., nes" (the note says "not elsewhere specified"), trade a reporter did not allocate
    to a partner in that region. It is decided before `group`: "Europe EFTA, nes" names a
    group but is the unallocated rest inside it, never the sum of its members, and the
    reporter table flags 490 Other Asia, nes as a group. group: the table's group flag
    (97 European Union, 975 ASEAN), the sum of members that would count twice beside them.
    country: the rest, including historical customs territories (USSR, Netherlands
    Antilles) and territories without an ISO3 (Kosovo, Channel Islands): each reported or
    was reported as one partner in its years.
    """
    if area.number == 0:
        return W
    if area.number in _SPECIAL:
        return S
    if _NES.search(area.label) or area.number in _AREAS_WITHOUT_NES_LABEL:
        return N
    return G if area.group else C


def _recency(area: ComtradeArea) -> tuple[bool, int, int]:
    """Sort key: entities that ended first, current ones last (later ones win a tie)."""
    return (area.exit_year is None, area.exit_year or 0, area.number)


def _party(area: ComtradeArea, latest: ComtradeArea) -> Party:
    """The party a Comtrade code stands for; `latest` is the last row with its iso_3."""
    kind = _kind(area)
    if kind is not C:
        code = _AGGREGATE_CODES.get(area.number, f"_X{area.number}")
        return Party(code, _NAMES.get(area.number, area.label), kind)
    record = pycountry.countries.get(alpha_3=area.iso)
    if record is not None:  # the table's iso_3 is the truth: 280 Fed. Rep. of Germany is DEU
        return _country(record)
    # Historical or without an ISO3: its own code, named with the last years it stands for
    # ("Netherlands Antilles (until 2010)" also for 532, its name until 1985).
    name = _YEARS.sub("", latest.label)
    if latest.exit_year is not None:
        name = f"{name} (until {latest.exit_year})"
    return Party(_TERRITORY_CODES.get(area.iso, area.iso), name, C)


@dataclass(frozen=True)
class _Registry:
    by_number: dict[int, Party]  # Comtrade numeric code -> party
    by_code: dict[str, Party]  # our code (upper case) -> party
    by_comtrade_iso: dict[str, Party]  # Comtrade's own iso_3 strings (upper case) -> party
    number_of: dict[str, int]  # our code -> the Comtrade number written for it


@lru_cache(maxsize=1)
def _registry() -> _Registry:
    areas = sorted(comtrade_areas().values(), key=_recency)
    latest = {area.iso: area for area in areas}
    by_number = {area.number: _party(area, latest[area.iso]) for area in areas}
    by_code = {party.code.upper(): party for party in by_number.values()}
    # Comtrade's strings that are ISO3 codes mean that country (492 "Europe EU, nes" is
    # written MCO, Monaco's code): pycountry answers those.
    by_comtrade_iso = {area.iso.upper(): by_number[area.number] for area in areas
                       if pycountry.countries.get(alpha_3=area.iso) is None}
    by_comtrade_iso |= {iso: by_number[number] for iso, number in _SHARED_ISO.items()}
    by_comtrade_iso["W00"] = by_number[0]  # Comtrade Plus writes World as W00 too
    number_of = {by_number[area.number].code: area.number for area in areas} | _ISO3_TO_CODE
    return _Registry(by_number, by_code, by_comtrade_iso, number_of)


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
    party = _registry().by_number.get(number)
    if party is not None:
        return party
    if number in _CODE_TO_ISO3:
        return from_iso(_CODE_TO_ISO3[number])
    if iso_hint:
        try:
            return from_iso(iso_hint)
        except CountryLookupError:
            pass
    raise CountryLookupError(f"unknown Comtrade country code {number}")


@lru_cache(maxsize=4096)
def from_iso(code: str) -> Party:
    """Party for an ISO3 or ISO2 code, one of our codes, or a Comtrade (Plus) ISO string."""
    text = str(code).strip()
    upper = text.upper()
    registry = _registry()
    party = registry.by_code.get(upper) or registry.by_comtrade_iso.get(upper)
    if party is not None:
        return party
    record = None
    if len(upper) == 3 and upper.isalpha():
        record = pycountry.countries.get(alpha_3=upper)
    elif len(upper) == 2 and upper.isalpha():
        record = pycountry.countries.get(alpha_2=upper)
    if record is None:
        raise CountryLookupError(f"unknown country code {text!r}")
    return _country(record)


def known_codes() -> frozenset[str]:
    """Codes from_iso accepts besides pycountry's (upper case): ours and Comtrade's strings."""
    registry = _registry()
    return frozenset(registry.by_code) | frozenset(registry.by_comtrade_iso)


def normalise_label(label: str) -> str:
    """The form labels are compared in: case and runs of white space do not matter."""
    return re.sub(r"\s+", " ", str(label)).strip().lower()


def _comtrade_labels() -> dict[str, str]:
    """Comtrade's spellings of its codes (normalised) -> our code.

    Its full name, its label and the label without its years, and for an entity that
    ended, "Fmr" + that (older Comtrade files write "Fmr Sudan", "Fmr USSR"). Current
    codes come last and so win a spelling two codes share.
    """
    index: dict[str, str] = {}
    by_number = _registry().by_number
    for area in sorted(comtrade_areas().values(), key=_recency):
        bare = _YEARS.sub("", area.label)
        spellings = [area.note, bare, area.label]
        if area.exit_year is not None:
            spellings.append(f"Fmr {bare}")
        index |= {normalise_label(s): by_number[area.number].code for s in spellings if s}
    return index


@lru_cache(maxsize=1)
def known_labels() -> dict[str, str]:
    """Every exact spelling from_label accepts (normalised) -> ISO3 or our code.

    pycountry's names, official and common names and ISO codes, then Comtrade's spellings
    and our parties' names, then our customs spellings: each wins over the one before where
    they differ. Nothing outside this table resolves.
    """
    index: dict[str, str] = {}
    for record in pycountry.countries:
        for name in (record.alpha_3, record.alpha_2, record.name,
                     getattr(record, "official_name", ""), getattr(record, "common_name", "")):
            if name:
                index.setdefault(normalise_label(name), record.alpha_3)
    index |= _comtrade_labels()
    index |= {normalise_label(p.name): p.code for p in _registry().by_number.values()}
    index |= {normalise_label(label): code for label, code in _LABELS.items()}
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
    """Comtrade numeric code of one of our codes (USA -> 842, WLD -> 0, ANT -> 530)."""
    number = _registry().number_of.get(str(party_code).strip().upper())
    if number is None:
        raise CountryLookupError(f"unknown country code {party_code!r}")
    return number


def is_aggregate(party_code: str) -> bool:
    """True for World, groups, areas nes and special categories: codes kept off maps."""
    party = _registry().by_code.get(party_code)
    return party is not None and party.kind is not PartyKind.COUNTRY
