"""The map on real partner codes: Other Asia, nes on Taiwan's shape, areas listed not drawn,
the World total not allocated to a partner in the hover, value-only rows said."""

from __future__ import annotations

import pytest
from factories import plus_row

from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Perspective
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, build_map
from dashboard.ingest import readers

CAPTION = Caption("Title", "Subtitle", "Source: test rows.", "2024-12")
SPEC = MapSpec("value", "t", "Net weight", "2024", "from all partners")


def chinese_exports(plus_file, rows):
    """China's exports by destination, read as the destinations' imports (mirror)."""
    data = [plus_row(reporter="156", partner=p, flow="X", month=52, weight=str(kg),
                     value=str(v)) for p, kg, v in rows]
    frame = readers.read_file(plus_file(data)).frame
    return country_table(frame, Selection("280530", perspective=Perspective.MIRROR), "2024")


def traces(figure) -> dict:
    return {t["name"]: t for t in figure.to_dict()["data"]}


def test_other_asia_nes_is_drawn_on_taiwan_and_other_areas_only_listed(plus_file):
    table = chinese_exports(plus_file, [("490", 4000, 10), ("410", 9000, 10),
                                        ("899", 700, 10), ("0", 13700, 30)])
    assert set(table.index) == {"S19", "KOR", "_X899"}  # every real partner, World left out
    assert table.loc["S19", "country_name"] == "Other Asia, nes (in practice Taiwan)"
    value = traces(build_map(table, SPEC, CAPTION))["value"]
    drawn = dict(zip(value["locations"], value["text"], strict=True))
    assert set(drawn) == {"TWN", "KOR"}  # "Areas, nes" has no shape: in the table only
    assert "Other Asia, nes (in practice Taiwan)</b> (S19)" in drawn["TWN"]
    assert "drawn on TWN's shape" in drawn["TWN"] and "Value: 4 t" in drawn["TWN"]


def test_taiwan_reported_under_its_own_code_keeps_its_shape(plus_file):
    data = [plus_row(reporter="156", partner=p, flow="X", month=52, weight=str(kg))
            for p, kg in (("490", 4000), ("158", 1000))]  # 158: ISO Taiwan, not Comtrade's
    frame = readers.read_file(plus_file(data)).frame
    table = country_table(frame, Selection("280530", perspective=Perspective.MIRROR), "2024")
    value = traces(build_map(table, SPEC, CAPTION))["value"]
    assert list(value["locations"]) == ["TWN"]  # one shape, Taiwan's own row
    assert "S19" in table.index  # the area is still listed


def test_the_hover_says_what_the_world_row_leaves_unallocated(plus_file):
    data = [plus_row(reporter="410", partner=p, month=52, weight=str(t * 1000))
            for p, t in (("0", 100), ("156", 56), ("392", 14))]
    table = country_table(readers.read_file(plus_file(data)).frame, Selection("280530"), "2024")
    assert table.loc["KOR", "value"] == pytest.approx(70.0)
    assert table.loc["KOR", "world_kg"] == pytest.approx(100_000.0)
    text = traces(build_map(table, SPEC, CAPTION))["value"]["text"][0]
    assert "World total reported: 100 t; 30 t (30%) not allocated to a partner" in text


def test_value_only_rows_are_said_and_kept_out_of_the_weight(plus_file):
    data = [plus_row(reporter="410", partner="156", month=52, weight="2000", value="70000"),
            {**plus_row(reporter="410", partner="392", month=52, weight="", value="50000"),
             "qtyUnitCode": "-1", "qtyUnitAbbr": "N/A", "qty": ""}]
    frame = readers.read_file(plus_file(data)).frame
    weight = country_table(frame, Selection("280530"), "2024")
    unit_value = country_table(frame, Selection("280530", measure="unit_value"), "2024")
    assert weight.loc["KOR", "value"] == pytest.approx(2.0)
    assert weight.loc["KOR", "coverage"] == "weight not reported on 1 of 2 rows"
    assert unit_value.loc["KOR", "value"] == pytest.approx(35.0)  # 70,000 USD / 2,000 kg
    spec = MapSpec("value", "USD/kg", "Unit value", "2024", "from all partners")
    text = traces(build_map(unit_value, spec, CAPTION))["value"]["text"][0]
    assert "Value reported without a weight, left out: USD 50,000" in text


def test_a_click_on_taiwan_focuses_other_asia_nes_when_that_is_how_the_data_has_it(plus_file):
    from dashboard.analytics.catalogue import Catalogue

    data = [plus_row(reporter="156", partner=p, flow="X", month=52) for p in ("490", "410")]
    catalogue = Catalogue.of(readers.read_file(plus_file(data)).frame)
    assert catalogue.countries["S19"] == "Other Asia, nes (in practice Taiwan)"
    assert [catalogue.party_on_shape(c) for c in ("TWN", "KOR", "JPN", None)] == [
        "S19", "KOR", None, None]
