"""Figure builders, tested on fig.to_dict(): locations, traceable values, units, provenance."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import pytest
from factories import plus_row
from purity import top_level_imports

from dashboard.analytics.compare import Comparison
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.figures.caption import SYNTHETIC_BADGE, Caption
from dashboard.figures.choropleth import MapSpec, build_map
from dashboard.figures.style import graph_config
from dashboard.figures.text import ranking_sentence
from dashboard.ingest import readers

CAPTION = Caption("Title", "Subtitle", "Source: test rows.", "2025-03", synthetic=True)


@pytest.fixture
def frame(plus_file):
    rows = [plus_row(reporter=r, weight=w, year=2024, month=1)
            for r, w in (("410", "3000"), ("392", "12000"), ("608", "0"))]
    rows.append(plus_row(reporter="410", partner="0", weight="3000"))  # World partner
    rows.append(plus_row(reporter="0", partner="156", weight="99999"))  # World as reporter
    rows.append(plus_row(reporter="842", year=2024, month=52, weight="5000"))  # annual only
    return readers.read_file(plus_file(rows)).frame


def map_dict(frame, period="2024-01", comparison=None, column="value"):
    selection = Selection("280530", Direction.IMPORTS, Perspective.REPORTER, None)
    table = country_table(frame, selection, period, comparison)
    spec = MapSpec(column, "t", "Net weight", "January 2024", "from all partners")
    return table, build_map(table, spec, CAPTION).to_dict()


def traces(fig, name):
    return [t for t in fig["data"] if t.get("name") == name]


def test_map_locations_are_iso3_countries_with_values_from_rows(frame):
    table, fig = map_dict(frame)
    [values] = traces(fig, "value")
    assert list(values["locations"]) == ["JPN", "KOR", "PHL"]
    assert list(values["customdata"]) == [12.0, 3.0, 0.0]  # tonnes, from the rows
    assert "WLD" not in table.index
    assert all(len(code) == 3 and code.isalpha() for code in values["locations"])


def test_zero_is_coloured_and_coarse_data_is_separate(frame):
    _, fig = map_dict(frame)
    [values] = traces(fig, "value")
    assert "PHL" in values["locations"]  # a reported zero is drawn on the scale
    [gaps] = traces(fig, "coarser data only")
    assert list(gaps["locations"]) == ["USA"]  # annual data cannot answer a month
    assert "annual data only" in gaps["text"][0]


def test_hover_has_unit_period_partner_and_rows(frame):
    _, fig = map_dict(frame)
    [values] = traces(fig, "value")
    korea = values["text"][list(values["locations"]).index("KOR")]
    for expected in ("South Korea", "3 t", "January 2024", "from all partners",
                     "Source rows: 1"):
        assert expected in korea
    assert fig["layout"]["geo"]["fitbounds"] is False


def test_provenance_is_drawn_into_the_figure(frame):
    _, fig = map_dict(frame)
    names = {a.get("name"): a["text"] for a in fig["layout"]["annotations"]}
    assert "Source: test rows." in names["source_line"]
    assert SYNTHETIC_BADGE in names["synthetic_badge"]
    assert "Title" in fig["layout"]["title"]["text"]


def test_change_map_hover_states_the_change(frame):
    _, fig = map_dict(frame, "2024", Comparison("2024", "2024-01"), column="ratio")
    [values] = traces(fig, "value")
    assert any("ratio" in text for text in values["text"])


def test_graph_config_is_offline_and_has_no_cloud_button():
    config = graph_config("/assets/topojson/")
    assert config["showSendToCloud"] is False and config["displaylogo"] is False
    assert config["topojsonURL"] == "/assets/topojson/"


def test_summary_sentence_ranks_from_the_same_numbers(frame):
    selection = Selection("280530", Direction.IMPORTS, Perspective.REPORTER, "CHN")
    table = country_table(frame, selection, "2024-01")
    text = ranking_sentence(table, "value", "t", "importer", "metals from China", "January 2024")
    assert text.startswith("In January 2024 the largest importer of metals from China was Japan"
                           " (12 t), followed by South Korea (3 t)")


PURE_LAYERS = ["ingest", "analytics", "figures"]


@pytest.mark.parametrize("layer", PURE_LAYERS)
def test_pure_layers_never_import_dash(layer):
    paths = sorted((Path(__file__).parents[1] / "dashboard" / layer).glob("*.py"))
    imports = top_level_imports(paths)
    assert set(imports) == set(paths)
    assert "pandas" in set().union(*imports.values()), "the reader sees the imports"
    for path, imported in imports.items():
        assert not imported & {"dash", "dash_ag_grid", "flask"}, path


@pytest.mark.parametrize("synthetic", [True, False])
def test_caption_merges_like_plotlys_update_layout(synthetic):
    """apply_caption merges plain dicts; the result equals plotly's own update path."""
    from dashboard.figures.caption import apply_caption, caption_layout

    caption = Caption("Title", "Imports of x; 2024", "Source: a file", "2025-12", synthetic,
                      "http://host/?a=1&b=2")
    fig = go.Figure([go.Bar(x=["a", "b"], y=[1, 2])])
    fig.update_layout(margin={"l": 150}, font={"size": 15}, xaxis_title="t")
    fig.add_annotation(text="kept", x=0, y=0, showarrow=False)
    layout, annotations = caption_layout(caption, 90, 70, 56)
    expected = go.Figure(fig).update_layout(layout)
    for annotation in annotations:
        expected.add_annotation(annotation)
    got = apply_caption(fig, caption, top=90, bottom=70)
    assert got.to_plotly_json() == expected.to_plotly_json()
    assert got.layout.margin.l == 10 and got.layout.font.size == 15
    assert got.layout.annotations[0].text == "kept"


def _without_nulls(value):
    """None and {} say "unset" to plotly.js; validation drops them, plain specs keep them."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.fixture(scope="module")
def demo_bundle(demo_data):
    from dashboard.web.context import Bundle

    return Bundle.of(demo_data)


@pytest.mark.parametrize("query", ["", "?period=2025-Q1&baseline=2024&basis=average&focus=KOR"
                                       "&measure=value&tab=flows"])
def test_unvalidated_figures_draw_what_validated_ones_would(demo_bundle, monkeypatch, query):
    """Production skips plotly's validation; every chart must not need it (named colour
    scales, magic underscores, types plotly would have coerced)."""
    import plotly.io as pio

    from dashboard.figures import style
    from dashboard.web import charts
    from dashboard.web.ids import Chart
    from dashboard.web.view_state import from_query

    monkeypatch.setattr(style, "VALIDATE_FIGURES", False)
    state, _ = from_query(query, demo_bundle.defaults, demo_bundle.catalogue)
    for chart in Chart:
        figure = charts.render(chart, state, demo_bundle.data, demo_bundle.catalogue).figure
        fast = json.loads(pio.to_json(figure))
        validated = json.loads(pio.to_json(go.Figure(figure.to_plotly_json())))
        assert _without_nulls(fast) == _without_nulls(validated), chart
