"""The URL is the view: round trips, bad parameters, renamed parameters."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import Basis, Change, Measure
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.surge_rules import SurgeRule
from dashboard.analytics.timeseries import SeriesMode
from dashboard.ingest.period_labels import freq_of
from dashboard.ingest.schema import Freq
from dashboard.web.callbacks import preset_baseline, preset_labels
from dashboard.web.ids import ID, Tab
from dashboard.web.view_state import (
    ALL_PARTNERS,
    MAX_PEERS,
    NO_COMPARISON,
    ViewState,
    default_view,
    from_query,
    switched_tab,
)

CATALOGUE = Catalogue(
    commodities={"28469015": "Dysprosium oxide (China 2846.90.15)", "280530": "Metals"},
    periods=("2024", "2024-01", "2024-Q1", "2025", "2025-01", "2025-Q1"),
    countries={"CHN": "China", "KOR": "South Korea", "JPN": "Japan"},
    latest_month="2025-01",
)
DEFAULTS = default_view(CATALOGUE)


def test_default_view_is_the_seed_story():
    assert (DEFAULTS.commodity, DEFAULTS.period, DEFAULTS.baseline, DEFAULTS.partner,
            DEFAULTS.perspective) == ("28469015", "2025-Q1", "2024", "CHN", "mirror")


def number_texts(low: float, high: float) -> st.SearchStrategy[str]:
    """Numbers in range as a link writes them (`:g`, six significant digits)."""
    return st.floats(low, high).map(lambda x: f"{x:g}").filter(
        lambda text: low <= float(text) <= high)


@st.composite
def views(draw, catalogue: Catalogue) -> ViewState:
    """A usable view varying every ViewState field over the catalogue's own values."""
    countries = sorted(catalogue.countries)
    periods = list(catalogue.periods)
    period = draw(st.sampled_from(periods))
    baseline = draw(st.sampled_from([NO_COMPARISON] + [p for p in periods if p != period]))
    bases = list(Basis)
    if baseline and freq_of(baseline) == freq_of(period):
        bases = [Basis.TOTAL]  # an average of one same-length period is that period
    peers = draw(st.lists(st.sampled_from(countries), unique=True, max_size=MAX_PEERS))
    return ViewState(
        commodity=draw(st.sampled_from(sorted(catalogue.commodities))),
        period=period,
        direction=draw(st.sampled_from(Direction)),
        perspective=draw(st.sampled_from(Perspective)),
        partner=draw(st.sampled_from([ALL_PARTNERS, *countries])),
        measure=draw(st.sampled_from(Measure)),
        baseline=baseline,
        basis=draw(st.sampled_from(bases)),
        change=draw(st.sampled_from(Change)),
        focus=draw(st.sampled_from(["", *countries])),
        tab=draw(st.sampled_from(Tab)),
        rule=draw(st.sampled_from(SurgeRule)),
        floor=draw(number_texts(0, 1e7)),
        threshold=draw(number_texts(1, 1000)),
        k=draw(number_texts(1, 100)),
        z=draw(number_texts(0.5, 100)),
        top=str(draw(st.integers(2, 30))),
        peers=",".join(peers),
        series=draw(st.sampled_from(SeriesMode)),
        freq=draw(st.sampled_from([Freq.MONTHLY, Freq.QUARTERLY])),
    )


@given(views(CATALOGUE))
def test_round_trip(state):
    again, notices = from_query(state.to_query(), DEFAULTS, CATALOGUE)
    assert notices == []
    assert again == state
    # A StrEnum equals its text, so equality alone would not see a field left as text.
    assert [type(getattr(again, f.name)) for f in fields(ViewState)] == [
        type(getattr(state, f.name)) for f in fields(ViewState)]


@pytest.fixture(scope="module")
def demo_catalogue(demo_data) -> Catalogue:
    from dashboard.web.context import Bundle

    return Bundle.of(demo_data).catalogue


@given(data=st.data())
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_on_the_demo_datas_catalogue(demo_catalogue, data):
    """The same over the demo data's commodities, periods (months, quarters, years) and
    countries, from the demo's own defaults."""
    state = data.draw(views(demo_catalogue))
    defaults = default_view(demo_catalogue)
    assert from_query(state.to_query(), defaults, demo_catalogue) == (state, [])


def test_the_round_trip_strategy_varies_every_field():
    """A field left at one value would never be checked by the round trip."""
    seen: dict[str, set[str]] = {f.name: set() for f in fields(ViewState)}

    @given(views(CATALOGUE))
    @settings(max_examples=300, database=None)
    def collect(state):
        for name in seen:
            seen[name].add(getattr(state, name))

    collect()
    assert {name for name, values in seen.items() if len(values) < 2} == set()


def test_bad_and_unknown_parameters_fall_back_with_notices():
    state, notices = from_query("?commodity=999999&measure=tons&partner=XXX&zoom=3&period=2025",
                                DEFAULTS, CATALOGUE)
    assert state == replace(DEFAULTS, period="2025")
    assert len(notices) == 4
    assert any("zoom" in n for n in notices) and any("999999" in n for n in notices)


def test_renamed_parameter_is_migrated_and_lower_case_iso_accepted():
    state, notices = from_query("?supplier=jpn", DEFAULTS, CATALOGUE)
    assert (state.partner, notices) == ("JPN", [])


def test_too_long_query_is_refused_politely():
    state, notices = from_query("?x=" + "a" * 5000, DEFAULTS, CATALOGUE)
    assert state == DEFAULTS and "too long" in notices[0]


def test_baseline_equal_to_period_turns_comparison_off():
    state, notices = from_query("?period=2024&baseline=2024", DEFAULTS, CATALOGUE)
    assert state.baseline == "" and notices


@pytest.mark.parametrize("button, expected", [
    (ID.PRESET_WHOLE_YEAR, ("2024", "total")),
    (ID.PRESET_AVERAGE, ("2024", "average")),
    (ID.PRESET_SAME_PERIOD, ("2024-Q1", "total")),
])
def test_presets_give_the_three_framings(button, expected):
    assert preset_baseline(button, "2025-Q1") == expected
    assert preset_labels("2025-Q1") == ("vs whole 2024", "vs 2024 average quarter", "vs Q1 2024")


def test_analytics_parameters_round_trip_and_are_checked():
    query = "?tab=surges&rule=safeguard&k=1.5&floor=0&peers=jpn,chn&top=5&series=share&freq=Q"
    state, notices = from_query(query, DEFAULTS, CATALOGUE)
    assert notices == []
    assert (state.tab, state.rule, state.k, state.floor, state.peers, state.top) == (
        "surges", "safeguard", "1.5", "0", "JPN,CHN", "5")
    assert from_query(state.to_query(), DEFAULTS, CATALOGUE) == (state, [])


@pytest.mark.parametrize("query, word", [
    ("?k=nan", "k"), ("?k=0.5", "outside"), ("?floor=-1", "outside"), ("?top=2.5", "whole"),
    ("?peers=KOR,JPN,CHN,KOR,XXX", "XXX"), ("?tab=admin", "tab"), ("?rule=magic", "rule"),
    ("?z=inf", "outside"),
])
def test_bad_analytics_parameters_fall_back(query, word):
    state, notices = from_query(query, DEFAULTS, CATALOGUE)
    assert len(notices) == 1 and word in notices[0]
    key = query[1:].split("=")[0]
    assert getattr(state, key) == getattr(DEFAULTS, key)


# -- each tab opens on a view that means something (issue 12, bullet 5) -----------------

DEMO_LIKE = Catalogue(
    commodities={"280530": "Metals", "28469015": "Dysprosium oxide"},
    periods=("2023", "2024", "2024-Q1", "2025", "2025-01", "2025-Q1"),
    countries={"CHN": "China", "KOR": "South Korea", "JPN": "Japan"},
    latest_month="2025-01",
)
DEMO_DEFAULTS = default_view(DEMO_LIKE)
KOREA_METALS = ("280530", "2023", "reporter", "CHN", "", "KOR", "dependency")


def dependency_fields(state: ViewState) -> tuple:
    return (state.commodity, state.period, state.perspective, state.partner, state.baseline,
            state.focus, state.tab)


def test_dependency_tab_opens_on_korea_reporting_its_own_metals_imports():
    assert dependency_fields(default_view(DEMO_LIKE, "dependency")) == KOREA_METALS
    state, notices = from_query("?tab=dependency", DEMO_DEFAULTS, DEMO_LIKE)
    assert notices == [] and dependency_fields(state) == KOREA_METALS
    # The other tabs keep the seed story (a national line only China reports: mirror).
    assert (DEMO_DEFAULTS.commodity, DEMO_DEFAULTS.perspective) == ("28469015", "mirror")


def test_a_link_naming_its_parameters_reopens_exactly_on_any_tab():
    named = replace(DEMO_DEFAULTS, tab="dependency")  # the seed data, on the dependency tab
    assert from_query(named.to_query(), DEMO_DEFAULTS, DEMO_LIKE) == (named, [])
    # Only unnamed parameters take the tab's defaults.
    state, _ = from_query("?tab=dependency&commodity=28469015", DEMO_DEFAULTS, DEMO_LIKE)
    assert (state.commodity, state.period, state.perspective) == ("28469015", "2023", "reporter")


def test_switching_tab_on_an_unchosen_view_takes_the_new_tabs_default():
    switched = switched_tab(replace(DEMO_DEFAULTS, tab="dependency"), "map", DEMO_LIKE)
    assert dependency_fields(switched) == KOREA_METALS
    back = switched_tab(replace(switched, tab="map"), "dependency", DEMO_LIKE)
    assert back == DEMO_DEFAULTS
    # A focus chosen on the map stays; a commodity chosen keeps the view as it is.
    focused = switched_tab(replace(DEMO_DEFAULTS, tab="dependency", focus="JPN"), "map",
                           DEMO_LIKE)
    assert (focused.commodity, focused.focus) == ("280530", "JPN")
    chosen = replace(DEMO_DEFAULTS, tab="dependency", commodity="280530")
    assert switched_tab(chosen, "map", DEMO_LIKE) == chosen


# -- an upload opens on its latest complete period (issue 12, bullet 9) -----------------


def upload_catalogue(last_month: int) -> Catalogue:
    months = [f"2025-{m:02d}" for m in range(1, last_month + 1)]
    quarters = sorted({f"2025-Q{(m - 1) // 3 + 1}" for m in range(1, last_month + 1)})
    return Catalogue(commodities={"280530": "Metals"},
                     periods=("2024", *[f"2024-{m:02d}" for m in range(1, 13)],
                              "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025", *months,
                              *quarters),
                     countries={"KOR": "South Korea"}, latest_month=months[-1],
                     months_by_year={"2024": 0xFFF, "2025": (1 << last_month) - 1})


@pytest.mark.parametrize("last_month, period", [(3, "2025-Q1"), (4, "2025-Q1"),
                                                (12, "2025"), (2, "2024")])
def test_an_upload_opens_on_its_latest_complete_period(last_month, period):
    catalogue = upload_catalogue(last_month)
    assert default_view(catalogue).period == period
    assert default_view(catalogue, "surges").period == period


def test_a_period_covered_in_part_is_labelled_so():
    catalogue = upload_catalogue(3)
    assert catalogue.period_label("2025") == "2025 (3 of 12 months)"
    assert catalogue.period_label("2025-Q1") == "Q1 2025"
    assert catalogue.period_label("2024") == "2024"
