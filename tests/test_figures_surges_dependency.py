"""Surge and dependency figures, tested on fig.to_dict(): traceable values, units, provenance."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.dependency import (
    dependency_metrics,
    dependency_ranking,
    reference_figures,
    supplier_shares,
)
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule, reference_periods
from dashboard.analytics.surges import detect_surges
from dashboard.analytics.timeseries import country_series
from dashboard.figures.caption import SYNTHETIC_BADGE, Caption
from dashboard.figures.dependency_charts import (
    CRMA_TEXT,
    PUBLISHED_HEADING,
    build_dependency_gauges,
    build_dependency_ranking,
)
from dashboard.figures.surge_charts import build_country_series_chart, build_surge_chart
from dashboard.ingest import readers

CAPTION = Caption("Title", "Subtitle", "Source: test rows.", "2025-03", synthetic=True)
KOR, JPN, PHL, USA, CHN = "410", "392", "608", "842", "156"


def monthly(reporter, year, tonnes, partner=CHN):
    return [plus_row(reporter=reporter, partner=partner, year=year, month=m + 1,
                     weight=str(int(t * 1000))) for m, t in enumerate(tonnes)]


@pytest.fixture
def rows(plus_file):
    """Korea 10 t a month in 2023-24, 40 t a month in Q1 2025; Japan flat; Philippines tiny."""
    data = []
    for year in (2023, 2024):
        data += monthly(KOR, year, [10] * 12) + monthly(JPN, year, [20] * 12)
    data += monthly(KOR, 2025, [40, 40, 40]) + monthly(JPN, 2025, [20, 20, 20])
    data += monthly(PHL, 2024, [0.002]) + monthly(PHL, 2025, [0.02])
    data += monthly(KOR, 2025, [5, 5, 5], partner=JPN) + monthly(KOR, 2025, [100], partner="0")
    frame = readers.read_file(plus_file(data)).frame
    return selected_rows(frame, Selection("280530"))


def annotations(fig):
    return {a.get("name"): a["text"] for a in fig["layout"].get("annotations", [])}


def shapes(fig, name):
    return [s for s in fig["layout"].get("shapes", []) if s.get("name") == name]


def bars(fig, name):
    return [t for t in fig["data"] if t.get("name") == name]


def assert_caption(fig):
    notes = annotations(fig)
    assert "Source: test rows." in notes["source_line"]
    assert SYNTHETIC_BADGE in notes["synthetic_badge"]
    assert "Title" in fig["layout"]["title"]["text"]


# --- surges ------------------------------------------------------------------------------

def surge_figure(rows, rule=SurgeRule.YEAR_EARLIER):
    params = SurgeParams(rule, "2025-Q1")
    table = detect_surges(rows, params)
    return table, build_surge_chart(table, params, CAPTION).to_dict()


def test_surge_chart_draws_flagged_and_unflagged_apart(rows):
    table, fig = surge_figure(rows)
    [flagged] = bars(fig, "surge")
    [calm] = bars(fig, "no surge")
    assert list(flagged["customdata"]) == ["KOR"]  # 135 t against 30 t: 4.5x
    assert table.loc["KOR", "ratio"] == pytest.approx(4.5)
    assert list(flagged["x"]) == pytest.approx([4.5])
    assert list(calm["customdata"]) == ["JPN"]
    assert list(flagged["y"]) == ["South Korea"]
    assert fig["layout"]["xaxis"]["type"] == "log"
    assert_caption(fig)


def test_surge_chart_hover_has_units_and_the_explanation(rows):
    _, fig = surge_figure(rows)
    [flagged] = bars(fig, "surge")
    hover = flagged["hovertext"][0]
    for expected in ("South Korea</b> (KOR)", "Q1 2025: 135.0 t", "Q1 2024: 30.0 t",
                     "ratio 4.50", "Source rows:"):
        assert expected in hover
    assert flagged["text"][0] == "135 t vs 30 t"


def test_surge_chart_draws_the_threshold_and_counts_what_it_leaves_out(rows):
    _, fig = surge_figure(rows)
    [line] = shapes(fig, "threshold")
    assert line["x0"] == line["x1"] == 2.0
    assert "1 below floor" in annotations(fig)["not_drawn"]  # the Philippines' 20 kg
    assert annotations(fig)["rule"].startswith("Rule: ") and "floor" in annotations(fig)["rule"]


def test_robust_surge_chart_uses_a_linear_z_axis(rows):
    _, fig = surge_figure(rows, SurgeRule.ROBUST)
    [line] = shapes(fig, "threshold")
    assert line["x0"] == 3.5
    assert fig["layout"]["xaxis"]["type"] == "linear"
    [flagged] = bars(fig, "surge")
    assert "KOR" in flagged["customdata"]


def test_surge_chart_without_drawable_rows_says_so():
    empty = detect_surges(pd.DataFrame(columns=[
        "country", "country_name", "counterpart", "flow", "commodity_code", "period", "freq",
        "net_weight_kg", "value_usd", "weight_estimated", "source_file", "source_line"]),
        SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1"))
    fig = build_surge_chart(empty, SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1"),
                            CAPTION).to_dict()
    assert "No country" in annotations(fig)["no_data"]
    assert_caption(fig)


def test_series_chart_shades_the_period_and_the_reference(rows):
    params = SurgeParams(SurgeRule.ROBUST, "2025-Q1")
    series = country_series(rows, "KOR")
    fig = build_country_series_chart(series, "South Korea (KOR)", "2025-Q1", CAPTION,
                                     reference_periods(params)).to_dict()
    [period] = shapes(fig, "compared_period")
    assert (period["x0"], period["x1"]) == ("2025-01-01", "2025-04-01")
    [window] = shapes(fig, "reference_period")  # 24 months merge into one span
    assert (window["x0"], window["x1"]) == ("2023-01-01", "2025-01-01")
    [trace] = fig["data"]
    assert list(trace["y"][-3:]) == pytest.approx([45.0, 45.0, 45.0])  # CHN + JPN, no World
    assert list(trace["customdata"][-3:]) == ["2025-01", "2025-02", "2025-03"]
    assert "45 t in the period" in trace["hovertext"][-1]
    assert "t per month" in fig["layout"]["yaxis"]["title"]["text"]
    assert_caption(fig)


def test_series_chart_for_a_country_without_rows(rows):
    fig = build_country_series_chart(country_series(rows, "USA"), "United States (USA)",
                                     "2025-Q1", CAPTION).to_dict()
    assert "United States" in annotations(fig)["no_data"]
    assert fig["data"] == []


# --- dependency --------------------------------------------------------------------------

FACTS = pd.DataFrame({
    "fact_id": ["kor_metals_china_2023"], "country": ["KOR"], "partner": ["CHN"],
    "scope": ["rare-earth metals"], "hs6": ["280530"], "year": ["2023"], "value": ["95.1"],
    "unit": ["% of imports"], "statement": ["Korea's reliance on China for rare-earth metals"],
    "source": ["Korea Institute for International Economic Policy (KIEP)"],
    "citation": ["Korea JoongAng Daily, 9 Oct 2025"], "url": [None], "secondary": ["true"]})


def gauges(rows, country="KOR", facts=FACTS):
    metrics = dependency_metrics(supplier_shares(rows, country, "2025-Q1"))
    reference = reference_figures(facts, country, "280530")
    return metrics, build_dependency_gauges(metrics, reference, CAPTION).to_dict()


def indicator(fig, name):
    [trace] = [t for t in fig["data"] if t.get("name") == name]
    return trace


def test_gauges_show_computed_shares_with_the_benchmark(rows):
    metrics, fig = gauges(rows)
    top = indicator(fig, "top_supplier_share")
    assert top["value"] == pytest.approx(100 * 120 / 135)  # China's share of Korea's Q1
    assert top["number"]["suffix"] == "%"
    assert top["gauge"]["axis"]["range"] == [0, 100]
    assert top["gauge"]["threshold"]["value"] == 65
    assert "China (CHN)" in top["title"]["text"]
    assert indicator(fig, "top3_share")["value"] == pytest.approx(100.0)
    hhi = indicator(fig, "hhi")
    assert hhi["value"] == pytest.approx(metrics.hhi)
    assert hhi["gauge"]["axis"]["range"] == [0, 1]
    assert [s["range"] for s in hhi["gauge"]["steps"]] == [[0, 0.15], [0.15, 0.25], [0.25, 1]]
    assert "HHI, 0-1 scale" in hhi["title"]["text"]
    assert indicator(fig, "supplier_count")["value"] == 2
    assert CRMA_TEXT in annotations(fig)["crma_benchmark"].replace("<br>", " ")
    assert "135 t" in annotations(fig)["computed_basis"]
    assert_caption(fig)


def test_published_figure_is_a_separate_labelled_annotation(rows):
    _, fig = gauges(rows)
    notes = annotations(fig)
    published = notes["published_figures"]
    assert PUBLISHED_HEADING in published and "not computed from this data" in published
    assert "95.1% of imports" in published and "KIEP" in published
    assert "secondary report" in published
    assert "95.1" not in notes["computed_basis"]
    assert all(t["value"] != pytest.approx(95.1) for t in fig["data"])


def test_gauges_without_data_say_so_and_still_show_the_published_figure(rows):
    metrics, fig = gauges(rows, country="CIV", facts=FACTS.assign(country="CIV"))
    assert metrics is None
    assert fig["data"] == []
    notes = annotations(fig)
    assert "No supplier data" in notes["no_data"]
    assert "95.1" in notes["published_figures"]
    assert_caption(fig)


def test_gauges_without_published_figures_have_no_such_annotation(rows):
    _, fig = gauges(rows, country="JPN")
    assert "published_figures" not in annotations(fig)


def test_ranking_bars_in_percent_with_the_65_percent_line(rows):
    ranking = dependency_ranking(rows, "2025-Q1", "CHN")
    fig = build_dependency_ranking(ranking, "China", CAPTION).to_dict()
    [bar] = bars(fig, "supplier_share")
    # Philippines: 20 kg, all from China, ties Japan at 100% and ranks on tonnes after it.
    assert list(bar["customdata"]) == list(ranking.index) == ["JPN", "PHL", "KOR"]
    assert list(bar["x"]) == pytest.approx([100.0, 100.0, 100 * 120 / 135])
    korea = bar["hovertext"][2]
    assert "From China: 120 t of 135 t" in korea and "88.9% of net weight" in korea
    assert "HHI, 0-1 scale" in korea
    [line] = shapes(fig, "crma_line")
    assert line["x0"] == line["x1"] == 65
    assert "consumption (not imports)" in annotations(fig)["crma_benchmark"]
    assert_caption(fig)


def test_empty_ranking_says_so(rows):
    ranking = dependency_ranking(rows, "2019", "CHN")
    fig = build_dependency_ranking(ranking, "China", CAPTION).to_dict()
    assert "No importer" in annotations(fig)["no_data"]
