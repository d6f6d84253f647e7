"""The URL is the view: round trips, bad parameters, renamed parameters."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.analytics.catalogue import Catalogue
from dashboard.web.callbacks import preset_baseline, preset_labels
from dashboard.web.ids import ID
from dashboard.web.view_state import ViewState, default_view, from_query

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


views = st.builds(
    ViewState,
    commodity=st.sampled_from(list(CATALOGUE.commodities)),
    period=st.sampled_from(["2025", "2025-Q1", "2025-01"]),
    direction=st.sampled_from(["imports", "exports"]),
    perspective=st.sampled_from(["reporter", "mirror"]),
    partner=st.sampled_from(["", "CHN", "JPN"]),
    measure=st.sampled_from(["weight", "value", "unit_value"]),
    baseline=st.sampled_from(["", "2024", "2024-Q1"]),
    basis=st.just("total"),
    change=st.sampled_from(["percent", "ratio", "absolute"]),
    focus=st.sampled_from(["", "KOR"]),
)


@given(views)
def test_round_trip(state):
    again, notices = from_query(state.to_query(), DEFAULTS, CATALOGUE)
    assert notices == []
    assert again == state


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
