"""The period-label arithmetic in `ingest.period_labels`, the one place it is spelled, against
definitions worked out independently (calendar dates, a list of every canonical label)."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from dashboard.ingest import period_labels

YEARS = range(period_labels.FIRST_YEAR, period_labels.LAST_YEAR + 1)
EVERY_LABEL = ([str(y) for y in YEARS] + [f"{y}-Q{q}" for y in YEARS for q in range(1, 5)]
               + [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)])


def first_day(label: str) -> datetime.date:
    """By the calendar: a quarter starts in January, April, July or October."""
    if len(label) == 4:
        return datetime.date(int(label), 1, 1)
    if label[5] == "Q":
        return datetime.date(int(label[:4]), {"1": 1, "2": 4, "3": 7, "4": 10}[label[6]], 1)
    return datetime.date(int(label[:4]), int(label[5:7]), 1)


def test_quarter_of_each_month_and_first_month_of_each_quarter():
    quarters = [period_labels.quarter_of_month(m) for m in range(1, 13)]
    assert quarters == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert [period_labels.first_month_of_quarter(q) for q in range(1, 5)] == [1, 4, 7, 10]
    months = pd.Series([1.0, 5.0, 12.0, float("nan")])  # vectorised, missing stays missing
    assert period_labels.quarter_of_month(months).tolist()[:3] == [1.0, 2.0, 4.0]
    assert pd.isna(period_labels.quarter_of_month(months).iloc[3])


def test_first_day_of_every_label_vectorised_and_one_at_a_time():
    labels = pd.Series(EVERY_LABEL * 2, index=range(7, 7 + 2 * len(EVERY_LABEL)))
    starts = period_labels.period_start(labels)
    assert str(starts.dtype) == "datetime64[s]"
    assert starts.index.equals(labels.index)
    assert [d.date() for d in starts] == [first_day(label) for label in labels]
    assert [period_labels.label_start(label).date() for label in EVERY_LABEL] == [
        first_day(label) for label in EVERY_LABEL]


@pytest.mark.parametrize(("label", "end", "months"), [
    ("2025", "2026-01-01", 12), ("2025-Q4", "2026-01-01", 3), ("2025-Q1", "2025-04-01", 3),
    ("2024-02", "2024-03-01", 1), ("2025-12", "2026-01-01", 1)])
def test_end_months_and_month_labels(label, end, months):
    assert period_labels.label_end(label) == pd.Timestamp(end)
    assert period_labels.months_in(label) == months
    inside = period_labels.month_labels(label)
    assert len(inside) == months
    assert inside[0] == first_day(label).strftime("%Y-%m")


def test_only_canonical_labels_are_labels():
    assert all(period_labels.is_label(label) for label in EVERY_LABEL)
    assert all(period_labels.parse_period(label) == (label, period_labels.freq_of(label))
               for label in EVERY_LABEL[::37])
    for text in ("2025-13", "2025-00", "2025-Q5", "2025-Q0", "2025Q1", "2025-3", "25", "",
                 "2025-03-01", " 2025", None, 2025):
        assert not period_labels.is_label(text), text


def test_shift_year_keeps_the_period_within_the_year():
    assert period_labels.shift_year("2025-Q1", -1) == "2024-Q1"
    assert period_labels.shift_year("2025-03", -3) == "2022-03"
    assert period_labels.shift_year("2025", 1) == "2026"
