"""Commodity codes at every level: all products, HS chapters, headings, subheadings and the
national tariff lines below them, each with its parent one level up.

    TOTAL       all products (Comtrade writes cmdCode "TOTAL" with aggrLevel 0)
    HS2         chapter, "28"
    HS4         heading, "2846"
    HS6         subheading, "284690"
    national    a country's 8 or 10 digit tariff line, "28469015"

HS6 does not separate dysprosium oxide from other rare-earth compounds; China's 8-digit
national lines do, so the trade frame carries the code as reported and its HS6 parent.
A file may hold one flow at several levels (2846 and its 284690); any total over several
codes must leave out codes that contain one another (`is_related`), or it counts twice.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

TOTAL = "TOTAL"
LEVELS = ("TOTAL", "HS2", "HS4", "HS6", "national")
_LEVEL_OF_DIGITS = {2: "HS2", 4: "HS4", 6: "HS6", 8: "national", 10: "national"}
# Comtrade aggrLevel for each level; national lines also come labelled with the level of
# their HS6 parent (6) or with their own digit count (8, 10).
AGGR_LEVELS = {"TOTAL": {0}, "HS2": {2}, "HS4": {4}, "HS6": {6}, "national": {6, 8, 10}}
MENU_NAME_CHARS = 48


@dataclass(frozen=True)
class Commodity:
    code: str  # normalised: "TOTAL", or 2, 4, 6, 8 or 10 digits
    name: str  # full name
    scheme: str  # "HS", or the national scheme, e.g. "China 8-digit"
    short_name: str = ""  # for menus; blank: shortened from name

    @property
    def level(self) -> str:
        return level(self.code)

    @property
    def parent(self) -> str | None:
        return parent(self.code)

    @property
    def hs6(self) -> str:
        """The HS6 subheading of an HS6 or national code; "" for coarser codes."""
        return hs6_of(self.code)

    @property
    def menu_name(self) -> str:
        return self.short_name or shorten_name(self.name)

    @property
    def label(self) -> str:
        """Readable label for menus: "Dysprosium oxide (China 2846.90.15)"."""
        code = self.code
        if self.level == "TOTAL":
            return f"{self.menu_name} (TOTAL)"
        if self.level in ("HS2", "HS4"):
            return f"{self.menu_name} (HS {code})"
        if self.level == "HS6":
            return f"{self.menu_name} (HS {code[:4]}.{code[4:6]})"
        country = self.scheme.split()[0]
        return f"{self.menu_name} ({country} {code[:4]}.{code[4:6]}.{code[6:]})"


def shorten_name(name: str, limit: int = MENU_NAME_CHARS) -> str:
    """A long HS name cut for a menu: its first clause, then whole words, marked with "…".

    >>> shorten_name("Inorganic chemicals; organic or inorganic compounds of precious metals")
    'Inorganic chemicals…'
    """
    if len(name) <= limit:
        return name
    clause = name.split(";")[0].strip()
    if len(clause) > limit:
        clause = clause[: limit - 1].rsplit(" ", 1)[0].rstrip(",")
    return clause + "…"


# Names of the rare-earth codes: the Harmonized System 2022 nomenclature (WCO), checked
# against UN Comtrade's HS reference (comtradeapi.un.org/files/v1/app/reference/HS.json, as
# recorded in github.com/ropensci/comtradr tests/testthat/re_tb1, commit 3d5b52d). HS6 names
# are the readable forms of the subheadings ("- - Of metal" under permanent magnets).
_HS = {
    TOTAL: ("All products", ""),
    "28": ("Inorganic chemicals; organic or inorganic compounds of precious metals, of"
           " rare-earth metals, of radioactive elements or of isotopes", ""),
    "2805": ("Alkali or alkaline-earth metals; rare-earth metals, scandium and yttrium,"
             " whether or not intermixed or interalloyed; mercury",
             "Alkali, alkaline-earth and rare-earth metals"),
    "280530": ("Rare-earth metals, scandium and yttrium", ""),
    "2846": ("Compounds, inorganic or organic, of rare-earth metals, of yttrium or of"
             " scandium or of mixtures of these metals", "Compounds of rare-earth metals"),
    "284610": ("Cerium compounds", ""),
    "284690": ("Other rare-earth compounds", ""),
    "85": ("Electrical machinery and equipment and parts thereof; sound recorders and"
           " reproducers, television image and sound recorders and reproducers, and parts and"
           " accessories of such articles", "Electrical machinery and equipment"),
    "8505": ("Electro-magnets; permanent magnets and articles intended to become permanent"
             " magnets after magnetisation; electro-magnetic or permanent magnet chucks, clamps"
             " and similar holding devices; electro-magnetic couplings, clutches and brakes;"
             " electro-magnetic lifting heads", "Electro-magnets and permanent magnets"),
    "850511": ("Permanent magnets of metal", ""),
}
RARE_EARTH_HS6 = ("280530", "284610", "284690", "850511")
_CHINA_OXIDES = ["Yttrium", "Lanthanum", "Neodymium", "Europium", "Dysprosium", "Terbium",
                 "Praseodymium"]
_CHINA_METALS = ["Neodymium", "Dysprosium", "Terbium", "Lanthanum", "Cerium", "Praseodymium",
                 "Yttrium"]

KNOWN: dict[str, Commodity] = {code: Commodity(code, name, "HS", short)
                               for code, (name, short) in _HS.items()}
for _i, _element in enumerate(_CHINA_OXIDES, start=11):
    KNOWN[f"284690{_i}"] = Commodity(f"284690{_i}", f"{_element} oxide", "China 8-digit")
for _i, _element in enumerate(_CHINA_METALS, start=11):
    KNOWN[f"280530{_i}"] = Commodity(f"280530{_i}", f"{_element} metal", "China 8-digit")

@cache
def chapter_names() -> dict[str, str]:
    """HS chapter -> name, for the 97 chapters and Comtrade's 99 ("not specified").

    Source: hs_chapters.csv, the aggrLevel 2 entries of UN Comtrade's HS reference
    (classification H6, HS 2022; HS.json as recorded in github.com/ropensci/comtradr,
    tests/testthat/re_tb1, commit 3d5b52d), with the "NN - " prefix removed.
    """
    text = resources.files("dashboard.ingest").joinpath("hs_chapters.csv").read_text("utf-8")
    return {row["chapter"]: row["name"] for row in csv.DictReader(text.splitlines())}


# Dots may only separate whole pairs of digits: "28.46", "2846.90", "2846.90.8000".
_DOTTED = re.compile(r"^(?:[0-9]{2})+(?:\.(?:[0-9]{2})+)*$")
_TRAILING_ZERO = re.compile(r"^((?:[0-9]{2}){1,5})\.0$")


def normalise_code(raw: str) -> str | None:
    """"TOTAL", or the digits of an HS2/HS4/HS6 or 8/10-digit code; None if invalid.

    A trailing ".0" that a spreadsheet's number column adds ("284690.0") is dropped.

    >>> [normalise_code(c) for c in ["2846.90.15", "28", "total", "2846.0", "28469", "2.0"]]
    ['28469015', '28', 'TOTAL', '2846', None, None]
    """
    text = re.sub(r"\s", "", str(raw))
    if text.upper() == TOTAL:
        return TOTAL
    text = _TRAILING_ZERO.sub(r"\1", text)
    if not _DOTTED.match(text):
        return None
    code = text.replace(".", "")
    return code if len(code) in _LEVEL_OF_DIGITS else None


def explain(raw: str) -> str:
    """Why a commodity code is refused, with the likely cause when it is recognisable."""
    text = str(raw).strip()
    rule = ("commodity code must be TOTAL, an HS chapter (2 digits), heading (4) or"
            " subheading (6), or a national 8 or 10 digit line")
    if re.fullmatch(r"\d(\.\d+)?[eE][+]?\d+", text):
        return (f"{rule}; a spreadsheet wrote this code as a number in scientific notation:"
                " format the column as text")
    digits = re.sub(r"\D", "", text)
    if text and digits == re.sub(r"[.\s]", "", text) and len(digits) in (1, 3, 5, 7, 9):
        return f"{rule}; {len(digits)} digits: a leading or trailing zero lost?"
    return rule


def level(code: str) -> str:
    """The level of a normalised code: "TOTAL", "HS2", "HS4", "HS6" or "national"."""
    if code == TOTAL:
        return "TOTAL"
    try:
        return _LEVEL_OF_DIGITS[len(code)]
    except KeyError:
        raise ValueError(f"not a normalised commodity code: {code!r}") from None


def parent(code: str) -> str | None:
    """The code one level up: national -> its HS6, HS6 -> HS4, HS4 -> HS2, HS2 -> TOTAL."""
    found = level(code)
    if found == "TOTAL":
        return None
    if found == "HS2":
        return TOTAL
    return code[:6] if found == "national" else code[:-2]


LEVEL_WORDS = {"TOTAL": "all products", "HS2": "an HS chapter (2 digits)",
               "HS4": "an HS heading (4 digits)", "HS6": "an HS subheading (6 digits)",
               "national": "a national tariff line (8 or 10 digits)"}


def level_mismatch(code: str, aggr_level: str) -> str | None:
    """Why a file's aggregation level (Comtrade aggrLevel, legacy "Aggregate Level")
    contradicts a normalised code, or None when it agrees or is blank.

    >>> level_mismatch("2846", "6")
    'the code 2846 is an HS heading (4 digits) but its aggregation level is 6, an HS subheading'
    """
    text = re.sub(r"\.0$", "", str(aggr_level).strip())  # "6.0": a spreadsheet's number
    if text == "":
        return None
    found = level(code)
    number = int(text) if text.isdigit() else None
    if number in AGGR_LEVELS[found]:
        return None
    meant = {0: "all products", 2: "an HS chapter", 4: "an HS heading", 6: "an HS subheading",
             8: "a national line", 10: "a national line"}
    said = f", {meant[number]}" if number in meant else ", which is no level"
    return (f"the code {code} is {LEVEL_WORDS[found]} but its aggregation level is"
            f" {shorten_name(text, 20)}{said}")


def hs6_of(code: str) -> str:
    """The HS6 subheading of an HS6 or national code; "" for TOTAL, chapters, headings and
    for text that is no normalised code (safe on any input, e.g. a URL parameter).

    >>> hs6_of("28469015"), hs6_of("284690"), hs6_of("2846"), hs6_of("TOTAL")
    ('284690', '284690', '', '')
    """
    code = str(code)
    return code[:6] if code.isascii() and code.isdigit() and len(code) in (6, 8, 10) else ""


def ancestors(code: str) -> list[str]:
    """Every code above this one, nearest first.

    >>> ancestors("28469015")
    ['284690', '2846', '28', 'TOTAL']
    """
    found, up = [], parent(code)
    while up is not None:
        found.append(up)
        up = parent(up)
    return found


def is_related(a: str, b: str) -> bool:
    """True when one code contains the other (the same code, an ancestor or a descendant):
    adding the two together would count some trade twice.

    A 10-digit line also counts as inside the 8-digit line it starts with.

    >>> is_related("2846", "28469015"), is_related("TOTAL", "85"), is_related("2846", "2805")
    (True, True, False)
    """
    return TOTAL in (a, b) or a.startswith(b) or b.startswith(a)


def rare_earth_family(code: str) -> bool:
    """True for a rare-earth code, its ancestors and its descendants (lines below it)."""
    return any(is_related(code, hs6) for hs6 in RARE_EARTH_HS6)


def sort_key(code: str) -> tuple[int, int, str]:
    """Menu order: the rare-earth family first, then the rest; each by level, then code."""
    try:
        rank = LEVELS.index(level(code))
    except ValueError:
        rank = len(LEVELS)
    return (0 if rare_earth_family(code) else 1, rank, code)


# A national line's digits mean that country's goods only: the country whose lines KNOWN
# names, by scheme (another reporter's 2846.90.15 is not China's dysprosium oxide).
_SCHEME_COUNTRY = {"China 8-digit": "CHN"}


def national_owner(code: str) -> str | None:
    """The ISO3 country whose national line KNOWN names for this code, else None."""
    known = KNOWN.get(code)
    return _SCHEME_COUNTRY.get(known.scheme) if known else None


def describe(code: str, fallback_name: str = "",
             reporters: frozenset[str] | None = None) -> Commodity:
    """The commodity for a normalised code: named from the catalogue, else the file's own
    description, else the HS6 or chapter it falls under ("Under HS 2846.90: Other
    rare-earth compounds", "Under HS chapter 32: Tanning or dyeing extracts..."; the
    parent's name alone would read as the line's), else "HS <code>".

    reporters: who reported the rows; a national line the catalogue names for one country
    is named so only when no other reporter uses its digits.
    """
    owner = national_owner(code)
    if code in KNOWN and (owner is None or reporters is None or reporters <= {owner}):
        return KNOWN[code]
    scheme = "national" if level(code) == "national" else "HS"
    name = fallback_name.strip() or _under_parent(code) or f"HS {code}"
    return Commodity(code, name, scheme)


def _under_parent(code: str) -> str:
    hs6 = _HS.get(code[:6]) if level(code) == "national" else None
    if hs6:
        return f"Under HS {code[:4]}.{code[4:6]}: {hs6[0]}"
    chapter = chapter_names().get(code[:2], "")
    return f"Under HS chapter {code[:2]}: {chapter}" if len(code) > 2 and chapter else chapter
