"""The series chart's hover templates fill in to the text each point carried before
(`series_hover_reference.hover_text`), and only what differs travels per point."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics.timeseries import COMPLETE, SeriesMode, volume_series
from dashboard.figures.caption import Caption
from dashboard.figures.series_chart import EVENT_TRACE, timeseries_spec
from dashboard.figures.series_hover import PLOTLY_PLACEHOLDER
from dashboard.figures.series_hover_reference import drawn_hovers, hover_text

CAPTION = Caption("Title", "Subtitle", "Source: test rows.", "2025-03", synthetic=True)
# Names and files a template must carry unchanged: markup, entities, plotly's own syntax.
AWKWARD_NAMES = ["South Korea", "Côte d'Ivoire", "Trinidad & Tobago", "<b>Bold</b> land",
                 "100% {sure}", "Lost %{y} land"]
AWKWARD_FILES = ["trade.csv", "a&b <x>.csv", "%{x}.csv", "rates 5%.csv",
                 "a_very_long_file_name_" + "x" * 60 + ".csv"]


def series_traces(spec: dict) -> list[dict]:
    return [trace for trace in spec["data"] if trace.get("name") != EVENT_TRACE]


def reference_hovers(series: pd.DataFrame, trace: dict, mode: str) -> list[str]:
    """The reference's text for the rows a trace draws: its country's complete rows for
    the line, the coarse ones for the open markers, in table order."""
    rows = series[(series["country"] == trace["legendgroup"])
                  & ((series["coverage"] == COMPLETE) == (trace["mode"] != "markers"))]
    return [hover_text(row, SeriesMode(mode)) for row in rows.to_dict("records")]


def assert_hovers_as_before(series: pd.DataFrame, mode: str) -> dict:
    spec = timeseries_spec(series, None, mode, CAPTION)
    for trace in series_traces(spec):
        assert "text" not in trace and "hovertext" not in trace
        # only placeholders that plotly.js and `drawn_hovers` fill alike
        for name, form in PLOTLY_PLACEHOLDER.findall(trace["hovertemplate"]):
            assert name.startswith("customdata[") or (name == "x" and form.startswith("|"))
        assert drawn_hovers(trace) == reference_hovers(series, trace, mode)
        assert [point[0] for point in trace["customdata"]] == [trace["legendgroup"]] * len(
            trace["x"])  # the ISO3 code first, for a click
    return spec


@PROPERTY
@given(trade(), st.sampled_from(["M", "Q"]), st.sampled_from(list(SeriesMode)), st.data())
def test_every_point_hovers_the_reference_text(records, freq, mode, data):
    rows = frame_of(records)
    n = len(rows)
    if not n:
        return
    names = data.draw(st.dictionaries(st.sampled_from(sorted(set(rows["country"]))),
                                      st.sampled_from(AWKWARD_NAMES)))
    rows["country_name"] = rows["country"].map(lambda code: names.get(code, code)).astype(
        "string")
    rows["source_file"] = pd.Series(data.draw(st.lists(
        st.sampled_from(AWKWARD_FILES), min_size=n, max_size=n)), dtype="string")
    countries = sorted(set(rows["country"]))
    series = volume_series(rows, countries, freq=freq, mode=mode)
    if not series.empty:
        assert_hovers_as_before(series, mode)


def table(rows: list[dict]) -> pd.DataFrame:
    """A `volume_series` table from a few hand-written rows (the rest filled in)."""
    out = pd.DataFrame([{"country": "KOR", "country_name": "South Korea", "months": 1,
                         "total_t": float("nan"), "row_count": 1, "coverage": COMPLETE,
                         "source_rows": "trade.csv lines 2"} | row for row in rows])
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["average_value"] = out.get("average_value", out["value"])
    out["weight_t"] = out.get("weight_t", out["value"])
    return out


def test_the_shared_words_and_file_travel_once_per_trace():
    series = table([
        {"period": "2024-01", "period_start": "2024-01-01", "value": 1234.5,
         "source_rows": "trade.csv lines 2"},
        {"period": "2024-02", "period_start": "2024-02-01", "value": 0.004213,
         "source_rows": "trade.csv lines 3, 4", "row_count": 2}])
    spec = assert_hovers_as_before(series, "tonnes")
    [line] = series_traces(spec)
    assert drawn_hovers(line) == [
        "<b>South Korea</b><br>January 2024<br>Net weight: 1,235 t"
        "<br>Source rows: 1 (trade.csv lines 2)",
        "<b>South Korea</b><br>February 2024<br>Net weight: 0.00421 t"
        "<br>Source rows: 2 (trade.csv lines 3, 4)"]
    assert line["hovertemplate"].startswith("<b>South Korea</b><br>%{x|%B %Y}<br>Net weight: ")
    assert "(trade.csv lines " in line["hovertemplate"]
    assert not any("trade.csv" in str(value) or "Net weight" in str(value)
                   for point in line["customdata"] for value in point)


def test_coarse_years_and_quarters_keep_their_own_words():
    series = table([
        {"period": "2023", "period_start": "2023-01-01", "months": 12, "value": float("nan"),
         "average_value": 1.0, "weight_t": 12.0, "coverage": "annual data only"},
        {"period": "2024-Q1", "period_start": "2024-01-01", "months": 3, "value": float("nan"),
         "average_value": 2.0, "weight_t": 6.0, "coverage": "quarterly data only"},
        {"period": "2024-04", "period_start": "2024-04-01", "value": 3.0}])
    spec = assert_hovers_as_before(series, "tonnes")
    coarse = next(trace for trace in series_traces(spec) if trace["mode"] == "markers")
    assert drawn_hovers(coarse)[1] == (
        "<b>South Korea</b><br>Q1 2024<br>Quarterly data only: 6 t in the whole period"
        "<br>Drawn at the average: 2 t per period, not a real figure for any one period"
        "<br>Source rows: 1 (trade.csv lines 2)")


@pytest.mark.parametrize("months, labels", [
    (1, ["2024-01", "2024-09", "2025-12"]), (3, ["2024-Q1", "2024-Q2", "2024-Q4"])])
def test_a_period_is_written_from_its_start_at_each_frequency(months, labels):
    starts = [pd.Period(label.replace("-Q", "Q"), "M" if months == 1 else "Q").start_time
              for label in labels]
    series = table([{"period": label, "period_start": start, "months": months,
                     "value": 0.5, "total_t": 2.0}
                    for label, start in zip(labels, starts, strict=True)])
    spec = assert_hovers_as_before(series, "share")
    [line] = series_traces(spec)
    assert "%{x|" in line["hovertemplate"]
    assert drawn_hovers(line)[0].split("<br>")[1] == (
        "January 2024" if months == 1 else "Q1 2024")


def test_data_that_reads_as_a_placeholder_is_sent_whole_per_point():
    series = table([
        {"period": "2024-01", "period_start": "2024-01-01", "value": 1.0,
         "source_rows": "%{y}.csv lines 2"},
        {"period": "2024-02", "period_start": "2024-02-01", "value": 2.0,
         "source_rows": "%{y}.csv lines 3"}])
    [line] = series_traces(assert_hovers_as_before(series, "tonnes"))
    assert line["hovertemplate"] == "%{customdata[1]}<extra></extra>"
