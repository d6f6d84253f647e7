"""A reporter whose data ends before the period does: its figure is incomplete, not a fall
(issue 15, bullet 4: on the map and its key, not only in the page header)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard.analytics.orientation import Perspective
from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA
from dashboard.web import charts
from dashboard.web.context import Bundle
from dashboard.web.ids import Chart, Tab
from dashboard.web.view_state import ViewState

COMMODITY = "280530"


def _stops_after(data, iso: str, month: str):
    frame = data.frame
    keep = ~((frame["reporter"] == iso) & (frame["period_start"] > pd.Timestamp(month + "-01")))
    return replace(data, frame=frame[keep].reset_index(drop=True))


@pytest.fixture(scope="module")
def demo():
    return dataset.load([DEFAULT_DATA])


def _map(data, **fields):
    bundle = Bundle.of(data)
    state = replace(ViewState(commodity=COMMODITY, period="2025-Q2", tab=Tab.MAP), **fields)
    return charts.render(Chart.MAP, state, bundle.data, bundle.catalogue)


def _imports_t(frame: pd.DataFrame, iso: str, months: list[str]) -> float:
    """Plain pandas: a reporter's imports of COMMODITY from its real partners, in tonnes."""
    rows = frame[(frame["reporter"] == iso) & (frame["flow"] == "import")
                 & (frame["commodity_code"] == COMMODITY) & (frame["freq"] == "M")
                 & frame["period"].isin(months) & (frame["partner_kind"] == "country")]
    return float(rows["net_weight_kg"].sum()) / 1000


def _trace(view, name: str) -> dict:
    return next(t for t in view.figure.to_plotly_json()["data"] if t.get("name") == name)


def test_a_reporter_that_stopped_in_march_is_no_fall_in_a_comparison(demo):
    early = _stops_after(demo, "JPN", "2025-03")
    view = _map(early, baseline="2024-Q2")
    jpn = view.table.loc["JPN"]
    assert jpn["reported_through"] == "2025-03"
    assert np.isnan(jpn["percent"]) and np.isnan(jpn["absolute"])
    assert "its rows end at 2025-03" in jpn["change_note"]
    assert jpn["baseline"] == pytest.approx(
        _imports_t(early.frame, "JPN", ["2024-04", "2024-05", "2024-06"]), rel=1e-3)
    # Drawn as a gap with its reason, never coloured as -100%.
    assert "JPN" in _trace(view, "coarser data only")["locations"]
    assert "JPN" not in _trace(view, "value")["locations"]
    key = next(a for a in view.figure.to_plotly_json()["layout"]["annotations"]
               if a.get("name") == "no_data_key")["text"]
    assert "rows end before the period's (not reported yet?)" in key
    # Everyone else is exactly as on the whole data.
    whole = _map(demo, baseline="2024-Q2").table
    others = whole.index.drop("JPN")
    pd.testing.assert_series_equal(view.table.loc[others, "percent"],
                                   whole.loc[others, "percent"], check_like=True)
    assert "reported_through" not in whole


def test_a_reporter_that_stopped_in_april_is_drawn_as_incomplete_with_its_april(demo):
    early = _stops_after(demo, "JPN", "2025-04")
    view = _map(early)
    jpn = view.table.loc["JPN"]
    assert jpn["reported_through"] == "2025-04"
    assert jpn["value"] == pytest.approx(_imports_t(early.frame, "JPN", ["2025-04"]), rel=1e-3)
    gaps = _trace(view, "coarser data only")
    text = gaps["text"][gaps["locations"].index("JPN")]
    assert "Its rows end at 2025-04" in text and "incomplete, not a fall" in text
    assert {"field": "reported_through", "headerName": "Rows end at"} in view.columns


def test_a_mirror_view_is_not_marked_by_the_countrys_own_reporting(demo):
    early = _stops_after(demo, "JPN", "2025-03")
    view = _map(early, perspective=Perspective.MIRROR)
    assert "reported_through" not in view.table


def test_rows_that_stopped_long_before_everyone_else_s_are_not_called_late(demo):
    """21 months behind: more likely no trade than a late report; the change is shown."""
    early = _stops_after(demo, "JPN", "2024-03")
    view = _map(early, baseline="2024-Q1")
    assert "reported_through" not in view.table
    assert view.table.loc["JPN", "percent"] == pytest.approx(-100)


def test_a_reporter_whose_annual_row_makes_its_year_whole_is_not_called_late(demo):
    """Monthly rows stopping in June, but the year's annual row there: the figure is whole."""
    frame = demo.frame
    jpn = (frame["reporter"] == "JPN") & (frame["freq"] == "M") & (
        frame["period"].str.slice(0, 4) == "2025")
    annual = frame[jpn].groupby(
        [c for c in frame.columns if c not in ("period", "period_start", "net_weight_kg",
                                               "value_usd", "source_line", "freq")],
        observed=True, dropna=False).agg(net_weight_kg=("net_weight_kg", "sum"),
                                         value_usd=("value_usd", "sum"),
                                         source_line=("source_line", "min")).reset_index()
    annual["period"], annual["freq"] = "2025", "A"
    annual["period_start"] = pd.Timestamp("2025-01-01")
    kept = frame[~jpn | (frame["period"] <= "2025-06")]
    data = replace(demo, frame=pd.concat([kept, annual[frame.columns]], ignore_index=True))
    view = _map(data, period="2025", baseline="2024")
    assert "reported_through" not in view.table or not view.table.loc[
        "JPN", "reported_through"]
    assert not np.isnan(view.table.loc["JPN", "percent"])
