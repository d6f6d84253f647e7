"""`timeseries.country_series` (one country's whole history, beside a surge flag) gives
exactly the table its reference definition below gives: per year the coarsest of the
finest frequencies any partner reports, summed per period."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics.compare import source_traces
from dashboard.analytics.period_rows import finest_rows
from dashboard.analytics.timeseries import COUNTRY_SERIES_COLUMNS, country_series

ORDER = {"M": 0, "Q": 1, "A": 2}
MONTHS = {"M": 1, "Q": 3, "A": 12}


def reference_country_series(rows: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The definition, row by row: each row goes to the period of its year's frequency."""
    fine = finest_rows(rows[rows["country"] == iso3])
    if fine.empty:
        return pd.DataFrame(columns=COUNTRY_SERIES_COLUMNS)
    year_freq = {}
    for period, freq in zip(fine["period"], fine["freq"]):
        year = period[:4]
        if ORDER[freq] > ORDER[year_freq.get(year, "M")]:
            year_freq[year] = freq
        year_freq.setdefault(year, freq)

    def label(period: str, freq: str) -> str:
        target = year_freq[period[:4]]
        if target == "A":
            return period[:4]
        if target == "Q" and freq == "M":
            return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"
        return period

    labelled = fine.assign(label=[label(p, f) for p, f in zip(fine["period"], fine["freq"])])
    grouped = labelled.groupby("label")
    series = pd.DataFrame({
        "weight_t": grouped["net_weight_kg"].sum(min_count=1) / 1000,
        "value_usd": grouped["value_usd"].sum(min_count=1),
        "row_count": grouped.size(),
    })
    series["source_rows"] = source_traces(labelled, "label").reindex(series.index).fillna("")
    series = series.rename_axis("period").reset_index()
    series["freq"] = [year_freq[p[:4]] for p in series["period"]]
    series["period_start"] = [pd.Timestamp(int(p[:4]), 1 if len(p) == 4 else (
        (int(p[6]) - 1) * 3 + 1 if p[5] == "Q" else int(p[5:7])), 1) for p in series["period"]]
    series["months"] = series["freq"].map(MONTHS)
    series["weight_t_per_month"] = series["weight_t"] / series["months"]
    return series.sort_values("period_start").reset_index(drop=True)[COUNTRY_SERIES_COLUMNS]


@PROPERTY
@given(trade(), st.data())
def test_country_series_matches_its_reference_definition(records, data):
    rows = frame_of(records)
    n = len(rows)
    rows["net_weight_kg"] = rows["net_weight_kg"].where(   # rows without a weight, too
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    for iso3 in [*sorted(set(rows["country"])), "FRA"]:  # FRA: a country without rows
        got = country_series(rows, iso3)
        want = reference_country_series(rows, iso3)
        assert list(got.columns) == COUNTRY_SERIES_COLUMNS
        if want.empty:
            assert got.empty
            continue
        pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_a_year_is_drawn_at_the_coarsest_frequency_a_partner_reports():
    records = [{"country": "KOR", "counterpart": "CHN", "period": "2024-01", "freq": "M",
                "kg": 1000},
               {"country": "KOR", "counterpart": "VNM", "period": "2024", "freq": "A",
                "kg": 24000},
               {"country": "KOR", "counterpart": "VNM", "period": "2025-Q2", "freq": "Q",
                "kg": 3000},
               {"country": "KOR", "counterpart": "CHN", "period": "2025-05", "freq": "M",
                "kg": 600},
               {"country": "JPN", "counterpart": "CHN", "period": "2025-05", "freq": "M",
                "kg": 9000}]
    series = country_series(frame_of(records), "KOR")
    assert series["period"].tolist() == ["2024", "2025-Q2"]  # Viet Nam: annual, quarterly
    assert series["freq"].tolist() == ["A", "Q"]
    assert series["weight_t"].tolist() == [25.0, 3.6]
    assert series["weight_t_per_month"].tolist() == [25.0 / 12, 3.6 / 3]
    assert series["row_count"].tolist() == [2, 2]
    assert series["value_usd"].tolist() == [25000.0 * 7, 3600.0 * 7]
    assert series["period_start"].tolist() == [pd.Timestamp("2024-01-01"),
                                               pd.Timestamp("2025-04-01")]
