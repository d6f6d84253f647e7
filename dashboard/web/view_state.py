"""The view state: every control of the page, to and from the URL query string.

The URL is the view: a copied link reopens exactly the same view. Countries are ISO3
codes. A bad or unknown parameter falls back to its default and produces a notice;
parameters renamed in a later version are migrated here (`_RENAMED`), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import Basis, Change, Comparison, Measure
from dashboard.analytics.country_table import Selection
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.surge_rules import SurgeRule
from dashboard.analytics.timeseries import SeriesMode
from dashboard.ingest.period_labels import freq_of
from dashboard.ingest.schema import Freq
from dashboard.web.ids import Tab

NO_COMPARISON = ""
ALL_PARTNERS = ""
_RENAMED: dict[str, str] = {"supplier": "partner", "cmd": "commodity"}
# Numeric parameters: (lowest, highest) accepted; anything else falls back with a notice.
_NUMBERS = {"floor": (0.0, 1e7), "threshold": (1.0, 1000.0), "k": (1.0, 100.0),
            "z": (0.5, 100.0), "top": (2, 30)}
MAX_PEERS = 4
# Fields with a fixed set of values: the type each holds, and the values a link may name.
_CHOICES: dict[str, tuple[type[StrEnum], tuple[StrEnum, ...]]] = {
    "direction": (Direction, tuple(Direction)), "perspective": (Perspective, tuple(Perspective)),
    "measure": (Measure, tuple(Measure)), "basis": (Basis, tuple(Basis)),
    "change": (Change, tuple(Change)), "tab": (Tab, tuple(Tab)),
    "rule": (SurgeRule, tuple(SurgeRule)), "series": (SeriesMode, tuple(SeriesMode)),
    "freq": (Freq, (Freq.MONTHLY, Freq.QUARTERLY)),  # the series is drawn by month or quarter
}
MAX_QUERY_LENGTH = 2000


@dataclass(frozen=True)
class ViewState:
    commodity: str
    period: str
    direction: Direction = Direction.IMPORTS
    perspective: Perspective = Perspective.REPORTER
    partner: str = ALL_PARTNERS
    measure: Measure = Measure.WEIGHT
    baseline: str = NO_COMPARISON
    basis: Basis = Basis.TOTAL
    change: Change = Change.PERCENT
    focus: str = ""
    tab: Tab = Tab.MAP
    # Surge detector: rule and its parameters (tonnes floor, ratio threshold, k, z).
    rule: SurgeRule = SurgeRule.PRIOR_YEAR
    floor: str = "1"
    threshold: str = "2"
    k: str = "1.25"
    z: str = "3.5"
    top: str = "8"  # Sankey: countries shown on each side
    peers: str = ""  # time series: up to four comparison countries, "JPN,PHL"
    series: SeriesMode = SeriesMode.TONNES
    freq: Freq = Freq.MONTHLY

    def to_query(self) -> str:
        """"?commodity=...&period=..." holding every field (defaults too: links stay exact)."""
        return "?" + urlencode({f.name: getattr(self, f.name) for f in fields(self)})

    @property
    def selection(self) -> Selection:
        return Selection(self.commodity, self.direction, self.perspective,
                         self.partner or None, self.measure)

    @property
    def peer_list(self) -> list[str]:
        return [p for p in self.peers.split(",") if p]

    def number(self, name: str) -> float:
        return float(getattr(self, name))

    @property
    def comparison(self) -> Comparison | None:
        if not self.baseline:
            return None
        return Comparison(self.period, self.baseline, self.basis)


def from_query(query: str, defaults: ViewState, catalogue: Catalogue
               ) -> tuple[ViewState, list[str]]:
    """The view a query string asks for, and a notice for each value that was not usable."""
    if len(query) > MAX_QUERY_LENGTH:
        return defaults, [f"The link's query string is too long (over {MAX_QUERY_LENGTH}"
                          " characters); the default view is shown."]
    values: dict[str, str] = {}
    notices: list[str] = []
    known = {f.name for f in fields(ViewState)}
    for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        key = _RENAMED.get(key, key)
        if key in known:
            values[key] = value.strip()
        else:
            notices.append(f"Unknown link parameter {key!r} was ignored.")
    if values.get("tab") in list(Tab):  # a link naming a tab fills the rest from its defaults
        defaults = tab_defaults(defaults, Tab(values["tab"]), catalogue)
    state = defaults
    for key, value in values.items():
        problem = _check(key, value, catalogue)
        if problem:
            notices.append(f"{problem}; using {getattr(defaults, key) or 'none'!r} instead.")
        else:
            typed: dict[str, Any] = {key: _typed(key, value)}
            state = replace(state, **typed)
    return _consistent(state, defaults, notices), notices


def _typed(key: str, value: str) -> str | StrEnum:
    """A checked value as its field holds it (the field's enum, or text)."""
    return _CHOICES[key][0](value) if key in _CHOICES else value


def _check(key: str, value: str, catalogue: Catalogue) -> str | None:
    """Why a parameter value cannot be used, or None."""
    if key in _CHOICES and value not in _CHOICES[key][1]:
        return f"{key}={value!r} is not one of {', '.join(_CHOICES[key][1])}"
    if key == "commodity" and value not in catalogue.commodities:
        return f"commodity {value!r} is not in the loaded data"
    if key in ("period", "baseline") and value and value not in catalogue.periods:
        return f"{key} {value!r} is not a period the data covers"
    if key == "period" and not value:
        return "period is empty"
    if key in ("partner", "focus") and value and value.upper() not in catalogue.countries:
        return f"{key} {value!r} is not an ISO3 country code in the data"
    if key in _NUMBERS:
        return _check_number(key, value)
    if key == "peers":
        return _check_peers(value, catalogue)
    return None


def _check_number(key: str, value: str) -> str | None:
    low, high = _NUMBERS[key]
    try:
        number = float(value)
    except ValueError:
        return f"{key}={value!r} is not a number"
    if not low <= number <= high:  # also refuses nan and inf
        return f"{key}={value!r} is outside {low:g}..{high:g}"
    if isinstance(low, int) and number != int(number):
        return f"{key}={value!r} is not a whole number"
    return None


def _check_peers(value: str, catalogue: Catalogue) -> str | None:
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    unknown = [c for c in codes if c not in catalogue.countries]
    if unknown:
        return f"peers {', '.join(unknown)!r} are not ISO3 country codes in the data"
    if len(codes) > MAX_PEERS:
        return f"at most {MAX_PEERS} comparison countries"
    return None


def _consistent(state: ViewState, defaults: ViewState, notices: list[str]) -> ViewState:
    """Fix combinations that are valid one by one but not together."""
    peers = ",".join(dict.fromkeys(c.strip().upper() for c in state.peers.split(",") if c.strip()))
    numbers: dict[str, Any] = {name: f"{float(getattr(state, name)):g}" for name in _NUMBERS}
    state = replace(state, partner=state.partner.upper(), focus=state.focus.upper(), peers=peers,
                    **numbers)
    if state.baseline == state.period and state.baseline:
        notices.append("The baseline equals the period; the comparison was turned off.")
        state = replace(state, baseline=NO_COMPARISON)
    if (state.baseline and state.basis == Basis.AVERAGE
            and freq_of(state.baseline) == freq_of(state.period)):
        state = replace(state, basis=Basis.TOTAL)
    return state


# What a tab's own default decides: the data a view is about. Switching tab on a view
# the user has not chosen (these still equal the old tab's defaults) takes the new tab's.
TAB_DEFAULT_FIELDS = ("commodity", "direction", "perspective", "partner", "period",
                      "baseline", "basis")


def default_view(catalogue: Catalogue, tab: Tab = Tab.MAP) -> ViewState:
    """The view a tab opens on when the link does not say otherwise.

    On the demo data, the seed story: dysprosium oxide from China, Q1 2025 against 2024
    (a national line only China reports, so the mirror view). The Dependency tab instead
    opens on the focus country's own imports of a line it reports: Korea's rare-earth
    metals (HS 2805.30) in 2023, as Korea reports them, where KIEP's 95.1% shows beside.
    Other data opens on its latest complete period (a file ending in March: Q1, not the
    year of which it holds 3 months).
    """
    countries = catalogue.countries
    focus = "KOR" if "KOR" in countries else ""
    peers = ",".join(c for c in ("JPN", "PHL") if c in countries)
    china = "CHN" if "CHN" in countries else ""
    if (tab == Tab.DEPENDENCY and focus and {"280530"} <= set(catalogue.commodities)
            and "2023" in catalogue.periods):
        return ViewState(commodity="280530", period="2023", partner=china, focus=focus,
                         peers=peers, tab=tab)
    commodity = "28469015" if "28469015" in catalogue.commodities else next(
        iter(catalogue.commodities), "")
    periods = catalogue.periods
    if "2025-Q1" in periods and "2024" in periods and commodity == "28469015":
        return ViewState(commodity=commodity, period="2025-Q1", perspective=Perspective.MIRROR,
                         partner=china, baseline="2024", focus=focus, peers=peers, tab=tab)
    complete = catalogue.complete_periods()
    period = complete[-1] if complete else (periods[-1] if periods else "")
    return ViewState(commodity=commodity, period=period, tab=tab)


def tab_defaults(defaults: ViewState, tab: Tab, catalogue: Catalogue) -> ViewState:
    """The defaults of a link that names `tab`: that tab's own when `defaults` are the
    data's standard ones (a link naming every parameter reopens exactly all the same)."""
    if tab != defaults.tab and defaults == default_view(catalogue, defaults.tab):
        return default_view(catalogue, tab)
    return replace(defaults, tab=tab)


def switched_tab(state: ViewState, before: Tab, catalogue: Catalogue) -> ViewState:
    """`state` just switched from tab `before`: on a view still the old tab's default (the
    user chose no commodity, period, ...), the new tab's own default data; else unchanged.

    Only what a tab's default decides is swapped: a focus or measure chosen stays.
    """
    old, new = default_view(catalogue, before), default_view(catalogue, state.tab)
    if any(getattr(state, name) != getattr(old, name) for name in TAB_DEFAULT_FIELDS):
        return state
    return replace(state, **{name: getattr(new, name) for name in TAB_DEFAULT_FIELDS})


# Drawn after the view link of a chart made from an upload: an upload lives in one browser
# tab, and no link or embed carries it.
LINK_WITHOUT_UPLOAD = " (uploaded data: not in this link)"
UPLOAD_NOT_IN_LINK = ("Your uploaded file is not part of any link or embed: a copied link"
                      " opens this view on the embedded data.")


# -- the page's controls: a view-state field as its control holds it, and back ---------

FIELDS = [f.name for f in fields(ViewState)]
NUMBER_FIELDS = {"floor", "threshold", "k", "z", "top"}


def control_value(name: str, text: str):
    """A view-state field as its control holds it (lists for multi-selects, floats)."""
    if name == "peers":
        return [p for p in text.split(",") if p]
    if name in NUMBER_FIELDS:
        return float(text)
    return text or None


def field_text(name: str, value) -> str:
    """A control's value as view-state text ("" for anything unusable: it is then checked)."""
    if value is None or isinstance(value, dict):
        return ""
    if name == "peers":
        return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if name in NUMBER_FIELDS:
        try:
            return f"{float(value):g}"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def controls_query(values: list) -> str:
    """The query string the controls' values spell, in `FIELDS` order; `from_query` checks it."""
    texts = {name: field_text(name, value) for name, value in zip(FIELDS, values)}
    # Text a browser could never send in a URL (lone surrogates) is dropped, not crashed on.
    return "?" + urlencode({k: v.encode("utf-8", "ignore").decode("utf-8")
                            for k, v in texts.items()})
