"""A 20,000-character name (issue 14, bullet 7): cut for menus and axis labels, whole where
it is read in full (hover, table). It froze the uploader's dropdown and gave figures a
4,166 px margin."""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.catalogue import Catalogue
from dashboard.figures.caption import WIDE_LABEL, Caption
from dashboard.figures.dependency_charts import build_dependency_ranking
from dashboard.web.layout import MENU_LABEL, commodity_options, country_options

LONG = "Rare-earth " * 2000  # 22,000 characters


def test_menus_cut_a_long_name_and_keep_its_end():
    catalogue = Catalogue({"284690": f"{LONG}(HS 2846.90)"}, ("2024",),
                          {"XKX": LONG, "KOR": "South Korea"}, None)
    [commodity] = commodity_options(catalogue)
    assert len(commodity["label"]) <= MENU_LABEL and commodity["label"].endswith("2846.90)")
    labels = {o["value"]: o["label"] for o in country_options(catalogue)}
    assert len(labels["XKX"]) <= MENU_LABEL and labels["XKX"].endswith("(XKX)")
    assert labels["KOR"] == "South Korea (KOR)"  # a normal name is whole


def test_a_long_country_name_is_cut_on_the_axis_and_whole_in_the_hover():
    ranking = pd.DataFrame({
        "country_name": [LONG.strip(), "Japan"], "supplier_t": [5.0, 4.0],
        "total_t": [10.0, 5.0], "supplier_share": [0.5, 0.8], "hhi": [0.5, 0.68],
        "supplier_source_rows": ["a.csv:2", "a.csv:3"], "source_rows": ["a.csv:2", "a.csv:3"]},
        index=pd.Index(["XKX", "JPN"], name="iso3"))
    figure = build_dependency_ranking(ranking, "China", Caption("t", "s", "Source: x"))
    [bars] = figure.data
    assert max(len(label) for label in bars.y) <= WIDE_LABEL and "Japan" in bars.y
    assert LONG.strip() in bars.hovertext[0]


def test_a_long_country_name_is_cut_on_a_sankey_node_and_whole_in_its_table():
    from dashboard.figures.sankey import sankey_spec

    flows = pd.DataFrame({
        "source": ["XKX", "JPN"], "source_name": [LONG.strip(), "Japan"],
        "target": ["KOR", "KOR"], "target_name": ["South Korea", "South Korea"],
        "weight_t": [5.0, 4.0], "value_usd": [1e5, 8e4], "row_count": [1, 1],
        "source_rows": ["a.csv:2", "a.csv:3"]})
    [sankey] = sankey_spec(flows, Caption("t", "s", "Source: x"))["data"]
    labels = sankey["node"]["label"]
    assert max(len(label) for label in labels) <= WIDE_LABEL
    assert "Japan" in labels and "South Korea" in labels
