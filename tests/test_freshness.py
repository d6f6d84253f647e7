"""Reporter freshness: the latest month each reporter covers, against plain pandas, and the
page's "Data as of" line naming those that stop early (issue 15, bullet 4)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dashboard.analytics.freshness import latest_by_reporter
from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA
from dashboard.web.layout import freshness


def test_latest_month_per_reporter_matches_plain_pandas():
    frame = dataset.load([DEFAULT_DATA]).frame
    table = latest_by_reporter(frame)
    countries = frame[frame["reporter_kind"] == "country"]
    for iso in ["CHN", "KOR", "JPN"]:
        mine = countries[countries["reporter"] == iso]
        ends = [start + pd.DateOffset(months={"A": 12, "Q": 3, "M": 1}[freq] - 1)
                for start, freq in zip(mine["period_start"], mine["freq"], strict=True)]
        assert table.loc[iso, "latest_month"] == max(ends).strftime("%Y-%m")
        assert table.loc[iso, "rows"] == len(mine)


def test_a_reporter_that_stopped_early_is_named_first_on_the_page():
    data = dataset.load([DEFAULT_DATA])
    frame = data.frame
    stopped = ~((frame["reporter"] == "JPN") & (frame["period_start"] >= "2025-04-01"))
    early = replace(data, frame=frame[stopped].reset_index(drop=True))
    table = latest_by_reporter(early.frame)
    assert table.index[0] == "JPN" and table.iloc[0]["latest_month"] == "2025-03"
    assert table.iloc[0]["months_behind"] == 9
    summary = freshness(early).children[0].children
    assert summary == ("Data as of 2025-12: 1 reporter stops earlier (their later months are"
                       " missing, not zero).")
