"""Sankey, time-series and mirror figures, tested on fig.to_dict(): codes, units, provenance."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.bilateral import OTHER_SOURCE, OTHER_TARGET, top_flows
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.mirror import mirror_gap
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.timeseries import events_in_range, volume_series
from dashboard.figures.caption import SYNTHETIC_BADGE, Caption
from dashboard.figures.mirror_chart import SIDES, build_mirror_chart, largest_gaps
from dashboard.figures.sankey import build_sankey
from dashboard.figures.series_chart import EVENT_TRACE, build_timeseries
from dashboard.figures.series_hover_reference import drawn_hovers
from dashboard.ingest import readers

CAPTION = Caption("Title", "Subtitle", "Source: test rows.", "2025-03", synthetic=True)
EVENTS = pd.DataFrame({
    "date": ["2024-02-15", "2030-01-01"], "end_date": ["2024-03-10", ""],
    "event": ["China: licensing of seven rare earths and their magnets", "Far future"],
    "detail": ["Samarium, gadolinium, terbium, dysprosium", ""],
    "source": ["MOFCOM/GAC Announcement No. 18 of 2025", "nobody"], "url": ["", ""],
}, dtype=str)


@pytest.fixture
def frame(plus_file):
    rows = [plus_row(reporter=r, partner=p, weight=w, value=str(int(w) * 20), month=m)
            for r, p, w, m in (("410", "156", "6000", 1), ("410", "392", "500", 1),
                               ("392", "156", "4000", 1), ("608", "156", "2000", 1),
                               ("842", "156", "1000", 1), ("410", "156", "3000", 2),
                               ("392", "156", "5000", 2))]
    rows.append(plus_row(reporter="842", partner="156", year=2023, month=52, weight="12000"))
    rows.append(plus_row(reporter="156", partner="410", flow="X", weight="5000", value="100000"))
    rows.append(plus_row(reporter="156", partner="490", flow="X", weight="800", value="9000"))
    rows.append(plus_row(reporter="608", partner="384", weight="7000", cmd="284690"))
    return readers.read_file(plus_file(rows)).frame


def imports(frame, partner=None):
    return selected_rows(frame, Selection("280530", Direction.IMPORTS, Perspective.REPORTER,
                                          partner))


def annotation_names(fig):
    return {a.get("name"): a["text"] for a in fig["layout"].get("annotations", [])}


def assert_provenance(fig):
    names = annotation_names(fig)
    assert "Source: test rows." in names["source_line"]
    assert SYNTHETIC_BADGE in names["synthetic_badge"]
    assert "Title" in fig["layout"]["title"]["text"]


def sankey_dict(frame, top_n=8):
    flows = top_flows(imports(frame), "2024-01", top_n=top_n)
    return flows, build_sankey(flows, CAPTION, Direction.IMPORTS).to_dict()


def test_sankey_nodes_carry_iso3_codes_and_names(frame):
    _, fig = sankey_dict(frame)
    [sankey] = fig["data"]
    node = sankey["node"]
    assert set(node["customdata"]) == {"CHN", "JPN", "KOR", "PHL", "USA"}
    codes = list(node["customdata"])
    assert codes.count("JPN") == 2  # supplier and importer: two nodes, no loop
    labels = dict(zip(codes, node["label"]))
    assert labels["KOR"] == "South Korea" and labels["CHN"] == "China"
    assert " t" in node["hovertemplate"]


def test_sankey_links_are_tonnes_with_usd_and_rows_in_hover(frame):
    flows, fig = sankey_dict(frame)
    link = fig["data"][0]["link"]
    assert sum(link["value"]) == pytest.approx(13.5)  # January: 6 + 0.5 + 4 + 2 + 1 t
    assert len(link["value"]) == len(flows)
    first = link["customdata"][0]
    assert first[:2] == ["CHN", "KOR"]
    for expected in ("China \u2192 South Korea", "6 t", "USD 120,000", "USD/kg",
                     "Source rows: 1"):
        assert expected in first[2]
    assert link["hovertemplate"] == "%{customdata[2]}<extra></extra>"
    assert_provenance(fig)


def test_sankey_folds_show_as_other_nodes(frame):
    _, fig = sankey_dict(frame, top_n=1)
    node = fig["data"][0]["node"]
    assert set(node["customdata"]) == {"CHN", "KOR", OTHER_SOURCE, OTHER_TARGET}
    labels = dict(zip(node["customdata"], node["label"]))
    assert labels[OTHER_SOURCE] == "Other suppliers"
    assert labels[OTHER_TARGET] == "Other importers"
    assert sum(fig["data"][0]["link"]["value"]) == pytest.approx(13.5)  # nothing dropped


def test_sankey_without_flows_says_so_and_keeps_the_caption(frame):
    flows = top_flows(imports(frame), "2019-01")
    fig = build_sankey(flows, CAPTION, Direction.IMPORTS).to_dict()
    assert "no_data" in annotation_names(fig)
    assert_provenance(fig)


def series_dict(frame, mode="tonnes", focus=None):
    if mode == "share":
        series = volume_series(imports(frame, "CHN"), ["KOR", "USA"], mode="share",
                               all_partner_rows=imports(frame))
    else:
        series = volume_series(imports(frame), ["KOR", "JPN", "USA"])
    events = events_in_range(EVENTS, "2023-01-01", "2024-12-31")
    return build_timeseries(series, events, mode, CAPTION, focus=focus).to_dict()


def traces(fig, name):
    return [t for t in fig["data"] if t.get("name") == name]


def test_timeseries_one_line_per_country_with_the_focus_emphasised(frame):
    fig = series_dict(frame)
    lines = [t for t in fig["data"] if t.get("mode") == "lines+markers"]
    assert [t["name"] for t in lines] == ["South Korea", "Japan", "United States"]
    widths = {t["name"]: t["line"]["width"] for t in lines}
    assert widths["South Korea"] > widths["Japan"] == widths["United States"]
    korea = lines[0]
    assert list(korea["y"]) == [6.5, 3.0]
    hover = drawn_hovers(korea)[0]  # what the browser fills in from the template
    assert "Net weight: 6.5 t" in hover and "January 2024" in hover
    assert "Source rows: 2" in hover
    assert fig["layout"]["yaxis"]["title"]["text"] == "Net weight (t)"
    focused = series_dict(frame, focus="JPN")
    widths = {t["name"]: t["line"]["width"] for t in focused["data"]
              if t.get("mode") == "lines+markers"}
    assert widths["Japan"] > widths["South Korea"]


def test_timeseries_annual_only_year_is_an_open_marker_not_a_spike(frame):
    fig = series_dict(frame)
    [usa_line] = traces(fig, "United States")
    assert list(usa_line["y"]) == [1.0]  # only January 2024 is on the line
    [coarse] = traces(fig, "United States: coarser data")
    assert list(coarse["y"]) == [1.0]  # 12 t in 2023, drawn as the average month
    assert coarse["marker"]["symbol"] == "circle-open"
    assert "Annual data only: 12 t" in drawn_hovers(coarse)[0]
    assert "coverage_key" in annotation_names(fig)


def test_timeseries_policy_events_trace_has_date_event_and_source(frame):
    fig = series_dict(frame)
    [events] = traces(fig, EVENT_TRACE)
    assert len(events["x"]) == 1  # the 2030 event is outside the range
    hover = events["text"][0]
    for expected in ("2024-02-15 to 2024-03-10", "China: licensing of seven rare earths",
                     "Source: MOFCOM/GAC Announcement No. 18 of 2025"):
        assert expected in hover
    assert events["yaxis"] == "y2"
    shapes = fig["layout"]["shapes"]
    assert any(s["type"] == "line" and s["line"]["dash"] == "dash" for s in shapes)
    labels = [a for a in fig["layout"]["annotations"] if a.get("name") == "policy_event_label"]
    assert [label["text"] for label in labels] == ["<b>1</b>"]  # a number tag, listed below
    assert "1. 2024-02-15" in labels[0]["hovertext"]
    listed = [a["text"] for a in fig["layout"]["annotations"]
              if a.get("name") == "policy_event_list"]
    assert listed and "1 2024-02-15 China: licensing of seven rare earths" in listed[0]
    assert_provenance(fig)


def test_timeseries_share_mode_in_percent_with_tonnes_in_hover(frame):
    fig = series_dict(frame, mode="share")
    assert fig["layout"]["yaxis"]["title"]["text"] == "Share of total (%)"
    [korea] = traces(fig, "South Korea")
    assert list(korea["y"]) == pytest.approx([6 / 6.5 * 100, 100.0])
    assert "Share of total: 92.3% (6 t of 6.5 t)" in drawn_hovers(korea)[0]


def test_timeseries_without_rows_says_so(frame):
    series = volume_series(imports(frame), ["FRA"])
    fig = build_timeseries(series, None, "tonnes", CAPTION).to_dict()
    assert "no_data" in annotation_names(fig)
    assert_provenance(fig)


def test_mirror_chart_pairs_bars_with_gaps_in_hover(frame):
    gaps = mirror_gap(frame, "280530", "2024-01")
    fig = build_mirror_chart(gaps, CAPTION).to_dict()
    importer, exporter = (traces(fig, SIDES[s])[0] for s in ("importer", "exporter"))
    assert importer["orientation"] == "h" and fig["layout"]["barmode"] == "group"
    labels = list(importer["y"])
    korea = labels.index("South Korea \u2190 China")
    assert importer["x"][korea] == 6.0 and exporter["x"][korea] == 5.0
    assert list(importer["customdata"][korea]) == ["KOR", "CHN"]
    hover = importer["text"][korea]
    for expected in ("6 t", "5 t", "Gap (importer - exporter): +1 t", "+20%",
                     "CIF/FOB ratio 1.2x", "1.06", "Source rows (importer)",
                     "Source rows (exporter)"):
        assert expected in hover
    assert fig["layout"]["xaxis"]["title"]["text"] == "Net weight (t)"
    assert_provenance(fig)


def test_mirror_chart_shows_one_sided_flows_and_keeps_the_top(frame):
    gaps = mirror_gap(frame, "280530", "2024-01")
    fig = build_mirror_chart(gaps, CAPTION).to_dict()
    labels = list(traces(fig, SIDES["exporter"])[0]["y"])
    assert "Other Asia, nes (in practice Taiwan) \u2190 China (exporter only)" in labels
    assert len(largest_gaps(gaps, top=2)) == 2
    assert largest_gaps(gaps, top=1)["importer"].item() == "JPN"  # 4 t only Japan reports
    # Korea's 0.5 t from Japan: Japan reports no exports at all, so it is not a gap
    assert "South Korea \u2190 Japan (importer only)" not in labels
    assert "Not drawn: 1 flow(s)" in annotation_names(fig)["hidden_flows"]
    # a product where the only flow's partner (Côte d'Ivoire) reports nothing
    silent = build_mirror_chart(mirror_gap(frame, "284690", "2024-01"), CAPTION).to_dict()
    assert "1 flow(s) reported by one side only" in annotation_names(silent)["no_data"]
    empty = build_mirror_chart(gaps.iloc[0:0], CAPTION).to_dict()
    assert "no_data" in annotation_names(empty)
