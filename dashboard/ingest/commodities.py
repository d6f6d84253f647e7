"""Commodity codes: HS6 headings and national tariff lines, each with its HS6 parent.

HS6 does not separate dysprosium oxide from other rare-earth compounds; China's 8-digit
national lines do, so the trade frame carries the national line and its HS6 parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Commodity:
    code: str
    name: str
    scheme: str  # "HS6" or the national scheme, e.g. "China 8-digit"

    @property
    def hs6(self) -> str:
        return self.code[:6]

    @property
    def label(self) -> str:
        """Readable label for menus: "Dysprosium oxide (China 2846.90.15)"."""
        if self.scheme == "HS6":
            return f"{self.name} (HS {self.code[:4]}.{self.code[4:6]})"
        country = self.scheme.split()[0]
        return f"{self.name} ({country} {self.code[:4]}.{self.code[4:6]}.{self.code[6:]})"


_HS6 = {
    "280530": "Rare-earth metals, scandium and yttrium",
    "284610": "Cerium compounds",
    "284690": "Other rare-earth compounds",
    "850511": "Permanent magnets of metal",
}
_CHINA_OXIDES = ["Yttrium", "Lanthanum", "Neodymium", "Europium", "Dysprosium", "Terbium",
                 "Praseodymium"]
_CHINA_METALS = ["Neodymium", "Dysprosium", "Terbium", "Lanthanum", "Cerium", "Praseodymium",
                 "Yttrium"]

KNOWN: dict[str, Commodity] = {code: Commodity(code, name, "HS6") for code, name in _HS6.items()}
for _i, _element in enumerate(_CHINA_OXIDES, start=11):
    KNOWN[f"284690{_i}"] = Commodity(f"284690{_i}", f"{_element} oxide", "China 8-digit")
for _i, _element in enumerate(_CHINA_METALS, start=11):
    KNOWN[f"280530{_i}"] = Commodity(f"280530{_i}", f"{_element} metal", "China 8-digit")

# The seven elements under China's April 2025 export licensing (MOFCOM/GAC No. 18 of 2025).
APRIL_2025_CONTROLLED = frozenset(
    {"Samarium", "Gadolinium", "Terbium", "Dysprosium", "Lutetium", "Scandium", "Yttrium"})

_CODE = re.compile(r"^[0-9]{6}([0-9]{2}([0-9]{2})?)?$")


def normalise_code(raw: str) -> str | None:
    """Digits of an HS6 or 8/10-digit line ("2846.90.15" -> "28469015"), None if invalid.

    A trailing ".0" that a spreadsheet's number column adds ("284690.0") is dropped.
    """
    text = re.sub(r"\s", "", str(raw))
    text = re.sub(r"^([0-9]{6}|[0-9]{8}|[0-9]{10})\.0$", r"\1", text)
    code = text.replace(".", "")
    return code if _CODE.match(code) else None


def explain(raw: str) -> str:
    """Why a commodity code is refused, with the likely cause when it is recognisable."""
    text = str(raw).strip()
    rule = "commodity code must be HS6 or a national 8 or 10 digit line"
    if re.fullmatch(r"\d(\.\d+)?[eE][+]?\d+", text):
        return (f"{rule}; a spreadsheet wrote this code as a number in scientific notation:"
                " format the column as text")
    digits = re.sub(r"\D", "", text)
    if text and digits == re.sub(r"[.\s]", "", text) and len(digits) in (5, 7, 9):
        return f"{rule}; {len(digits)} digits: a leading or trailing zero lost?"
    return rule


def describe(code: str, fallback_name: str = "") -> Commodity:
    """The commodity for a normalised code, named from the catalogue or the file's text."""
    if code in KNOWN:
        return KNOWN[code]
    scheme = "HS6" if len(code) == 6 else "national"
    return Commodity(code, fallback_name.strip() or f"HS {code}", scheme)
