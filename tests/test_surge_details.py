"""The robust rule's "highest month" words name the month `Series.idxmax` names.

`surge_robust._robust_details` finds every country's peak month with arrays; a month without rows
has no z, so when the only z left is -inf (a flat window, then a fall) the peak is that
month, not the missing one before it.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import detect_surges


def monthly(country: str, kg_by_month: dict[str, float]) -> pd.DataFrame:
    n = len(kg_by_month)
    return pd.DataFrame({
        "country": [country] * n, "country_name": [country] * n, "counterpart": ["CHN"] * n,
        "flow": ["import"] * n, "commodity_code": ["280530"] * n,
        "period": list(kg_by_month), "freq": ["M"] * n,
        "net_weight_kg": list(kg_by_month.values()), "value_usd": [1.0] * n,
        "weight_estimated": [False] * n, "source_file": ["f.csv"] * n,
        "source_line": list(range(2, n + 2))})


def test_a_fall_after_a_flat_window_names_the_month_with_rows():
    window = {str(m): 1_000.0 for m in pd.period_range("2023-01", "2024-12", freq="M")}
    # January 2025 has no rows (no z); February falls to 0.5 t: z = -inf.
    rows = monthly("KOR", {**window, "2025-02": 500.0})
    surge = detect_surges(rows, SurgeParams(SurgeRule.ROBUST, "2025-Q1")).loc["KOR"]
    assert surge["score"] == float("-inf")
    assert ("highest month February 2025 0.5 t against a median of 1.0 t a month"
            " (MAD 0.0 t) over the 24 months before (24 with data): robust z -inf"
            ) in surge["explanation"]


def test_the_first_of_equal_peaks_is_named():
    window = {str(m): 1_000.0 + 100 * (m.month % 2) for m in
              pd.period_range("2023-01", "2024-12", freq="M")}
    # Median 1.05 t, MAD 0.05 t: January and March are equally far above it.
    rows = monthly("KOR", {**window, "2025-01": 3_000.0, "2025-02": 900.0, "2025-03": 3_000.0})
    surge = detect_surges(rows, SurgeParams(SurgeRule.ROBUST, "2025-Q1")).loc["KOR"]
    z = 0.6745 * (3.0 - 1.05) / 0.05
    assert surge["score"] == pytest.approx(z, rel=1e-12)
    assert "highest month January 2025 3.0 t against a median of 1.1 t a month" in surge[
        "explanation"]
    assert f"robust z {z:,.1f}" in surge["explanation"]

