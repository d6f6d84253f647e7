"""The surges tab's fast paths give exactly what their references give.

`surge_charts.surge_chart_spec` and `country_series_spec` (specs from column lists, words
made once) against `surge_charts_reference` (the specs from the frames), and the tab's two
sentences against `surge_sentences_reference`, on generated trade
for every rule (prior year, year earlier, safeguard, robust), wide and narrow, few and many
bars; and on the demo's surge views as the page renders them. `surges.selection_surges`
(a selection's period columns kept) against `surges_reference` whatever rule asks first.
The specs are compared as JSON text, so 1 and 1.0, or a NaN and None, differ.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, SURGE_YEARS, frame_of, trade

from dashboard.analytics import surges
from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule, reference_periods
from dashboard.analytics.surges import detect_surges, selection_surges
from dashboard.analytics.surges_reference import detect_surges_reference
from dashboard.analytics.timeseries import country_series
from dashboard.figures import surge_charts_reference as reference
from dashboard.figures import surge_sentences_reference as sentences_reference
from dashboard.figures.caption import Caption
from dashboard.figures.sentences import series_sentence, surge_sentence
from dashboard.figures.surge_charts import country_series_spec, surge_chart_spec
from dashboard.web import charts
from dashboard.web.ids import Chart
from dashboard.web.view_state import default_view, from_query

WIDE = Caption("Import surges", "Imports of X", "Source: test rows.", "2025-06",
               synthetic=True)
NARROW = Caption("Import surges", "Imports of X", "Source: test rows.", "2025-06",
                 synthetic=True, view_url="http://x/?tab=surges&rule=robust", narrow=True)
WORDS = {"commodity": "dysprosium oxide", "counterpart": "from all partners"}
QUERIES = [
    "?tab=surges",
    "?tab=surges&rule=safeguard",
    "?tab=surges&rule=robust&focus=JPN",
    "?tab=surges&rule=year_earlier&commodity=280530",
    "?tab=surges&rule=year_earlier&floor=5&threshold=1.5&focus=KOR",
    "?tab=surges&rule=safeguard&k=1.5&commodity=284690&period=2025-Q1&focus=USA",
    "?tab=surges&rule=robust&z=2.5&commodity=280530&focus=PHL",
    "?tab=surges&rule=prior_year&period=2024&perspective=reporter",
]


def as_text(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True)


def assert_same_surge_chart(table: pd.DataFrame, params: SurgeParams, caption: Caption,
                            top: int = 15) -> dict:
    fast = surge_chart_spec(table, params, caption, top)
    assert as_text(fast) == as_text(reference.surge_chart_spec(table, params, caption, top))
    assert surge_sentence(table, WORDS, params) == sentences_reference.surge_sentence(
        table, WORDS, params)
    return fast


def assert_same_series_chart(series: pd.DataFrame, name: str, params: SurgeParams,
                             caption: Caption) -> dict:
    periods = reference_periods(params)
    fast = country_series_spec(series, name, params.period, caption, periods)
    assert as_text(fast) == as_text(reference.country_series_spec(
        series, name, params.period, caption, periods))
    if series.empty or series["weight_t_per_month"].notna().any():  # else neither has a peak
        assert series_sentence(series, name, params.period) == (
            sentences_reference.series_sentence(series, name, params.period))
    return fast


@PROPERTY
@given(records=trade(years=SURGE_YEARS, freqs="MQA", partners=("CHN", "VNM", "S19")),
       data=st.data(), rule=st.sampled_from(list(SurgeRule)),
       period=st.sampled_from(["2025", "2025-Q1", "2025-Q3", "2025-02", "2024-12"]),
       floor=st.sampled_from([0.0, 1.0, 500.0]), top=st.sampled_from([0, 1, 2, 15]),
       narrow=st.booleans())
def test_surge_chart_of_generated_trade_is_its_reference(records, data, rule, period, floor,
                                                         top, narrow):
    rows = frame_of(records)
    n = len(rows)
    rows["net_weight_kg"] = rows["net_weight_kg"].where(  # some rows without a weight
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    params = SurgeParams(rule, period, floor_t=floor, ratio_threshold=1.5, k=1.1,
                         z_threshold=2.0)
    table = detect_surges(rows, params)
    assert_same_surge_chart(table, params, NARROW if narrow else WIDE, top)
    for country in sorted(set(rows["country"])):
        assert_same_series_chart(country_series(rows, country), country, params,
                                 NARROW if narrow else WIDE)


def test_the_left_out_note_counts_most_first_and_ties_in_table_order():
    records = [{"country": country, "counterpart": "CHN", "period": period,
                "freq": "A" if len(period) == 4 else "M", "kg": kg} for country, period, kg in [
        ("KOR", "2025-01", 9000), ("KOR", "2024", 1000),  # a surge
        ("JPN", "2025-01", 10), ("JPN", "2024", 1000),  # below the floor
        ("USA", "2025-01", 5000), ("USA", "2024", 90000),  # below the threshold
        ("PHL", "2025-01", 3000)]]  # no reference
    params = SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1", floor_t=1.0)
    table = detect_surges(frame_of(records), params)
    assert table["status"].tolist() == ["surge", "below threshold", "below floor",
                                        "no reference"]
    spec = assert_same_surge_chart(table, params, WIDE, top=1)
    [note] = [a["text"] for a in spec["layout"]["annotations"] if a["name"] == "not_drawn"]
    assert note == "Not drawn: 1 below threshold, 1 below floor, 1 no reference (floor 1 t)."
    [bar] = spec["data"]
    assert bar["customdata"] == ["KOR"] and bar["text"] == ["9 t vs 1 t"]


def test_the_series_bars_sit_mid_period_as_iso_text():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": period, "freq": freq,
                      "kg": 12000} for period, freq in [("2023", "A"), ("2025-02", "M")]])
    params = SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1")
    spec = assert_same_series_chart(country_series(rows, "KOR"), "South Korea", params, WIDE)
    [bars] = spec["data"]
    assert bars["x"] == ["2023-07-02T12:00:00", "2025-02-15T00:00:00"]  # 365 / 2, 28 / 2 days
    assert bars["width"] == [0.9 * 365 * 86400 * 1000, 0.9 * 28 * 86400 * 1000]
    assert bars["y"] == [1.0, 12.0]  # 12 t a year: 1 t a month
    assert bars["marker"]["color"] == [surge_charts_colour("calm"),
                                       surge_charts_colour("period")]


def surge_charts_colour(kind: str) -> str:
    return reference.CALM_COLOUR if kind == "calm" else reference.PERIOD_SHADE


@pytest.mark.parametrize("query", QUERIES)
def test_the_demo_views_draw_their_reference_specs(demo_data, query):
    catalogue = Catalogue.of(demo_data.frame)
    state, _ = from_query(query, default_view(catalogue), catalogue)
    params = charts.surge_params(state)
    for narrow in (False, True):
        caption = charts.caption_for(state, demo_data, catalogue, "Import surges", query,
                                     narrow=narrow)
        view = charts.render(Chart.SURGES, state, demo_data, catalogue, query, narrow)
        assert_same_surge_chart(view.table, params, caption)
        series = charts.render(Chart.SURGE_SERIES, state, demo_data, catalogue, query,
                               narrow).table
        assert_same_series_chart(series, state.focus or "", params, caption)


def test_kept_period_columns_serve_every_rule_in_any_order(demo_data):
    selection = Selection("280530")
    rows = selected_rows(demo_data.frame, selection)
    rules = [SurgeParams(SurgeRule.SAFEGUARD, "2025-Q1", k=1.2),
             SurgeParams(SurgeRule.YEAR_EARLIER, "2025-Q1", ratio_threshold=1.5),
             SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1"),
             SurgeParams(SurgeRule.ROBUST, "2025-Q1", z_threshold=2.0),
             SurgeParams(SurgeRule.SAFEGUARD, "2025-Q1", k=1.2)]  # again, all kept
    for params in rules:
        pd.testing.assert_frame_equal(selection_surges(demo_data.frame, selection, params),
                                      detect_surges_reference(rows, params), check_exact=True)


def test_kept_period_columns_belong_to_their_own_rows(demo_data):
    selection = Selection("280530")
    params = SurgeParams(SurgeRule.YEAR_EARLIER, "2025-Q1", floor_t=0.0)
    first = demo_data.frame
    second = first.assign(net_weight_kg=first["net_weight_kg"] * 2)  # a reloaded frame
    tables = [selection_surges(frame, selection, params) for frame in (first, second, first)]
    assert tables[0]["current_t"].sum() > 0
    for table, frame in zip(tables, (first, second, first), strict=True):
        pd.testing.assert_frame_equal(table, detect_surges_reference(
            selected_rows(frame, selection), params), check_exact=True)
    kept = surges._PERIODS.get(first, (selection, "2025-Q1"),
                               lambda: pytest.fail("the period's columns were not kept"))
    assert not kept.kg.flags.writeable  # shared between requests: never written
