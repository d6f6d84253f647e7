"""One number formatter: its rules, the grid's d3 format agreeing with it, clean CSV files.

The same value must read the same in a hover, a sentence, the grid and the CSV: 9.6, not
9.6 / 9.6001 / 9.600100000000001.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard import number_format
from dashboard.figures import text
from dashboard.figures.text import (
    format_amount,
    format_change,
    format_number,
    format_share,
    plural,
    round_to_unit,
    unit_of_header,
)
from dashboard.ingest import dataset
from dashboard.web.ids import Chart

# (value, what a person reads): the rule, and the table the grid is checked against.
READ_AS = [
    (9.600100000000001, "9.6"), (9.6001, "9.6"), (9.6, "9.6"), (0, "0"), (1, "1"),
    (12.345, "12.3"), (12.35, "12.3"), (0.125, "0.125"), (0.1255, "0.126"),
    (0.004213, "0.00421"), (0.0000001, "0.0000001"), (99.94, "99.9"), (99.96, "100"),
    (9.996, "10"), (100, "100"), (1234.5, "1,235"), (-1234.5, "-1,235"), (2.5, "2.5"),
    (-0.5, "-0.5"), (-69.04, "-69"), (-69.06, "-69.1"), (733.333, "733"),
    (10_000_000.0, "10,000,000"), (1_234_567.891, "1,234,568"), (0.5, "0.5"),
    (123.5, "124"), (-123.5, "-124"), (2.675, "2.67"), (1.005, "1"), (1e-5, "0.00001"),
    (95.1, "95.1"), (0.951, "0.951"), (41.2, "41.2"), (3.14159, "3.14"),
]


@pytest.mark.parametrize(("value", "shown"), READ_AS)
def test_numbers_read_with_three_significant_digits_or_whole(value, shown):
    assert format_number(value) == shown


def test_units_signs_and_plurals():
    assert format_amount(9.600100000000001, "t") == "9.6 t"
    assert format_amount(10_000_000, "USD") == "USD 10 million"
    assert format_amount(1234.5, "USD") == "USD 1,235"
    assert format_amount(3.2e9, "USD") == "USD 3.2 billion"
    assert format_amount(12.345, "USD/kg") == "12.3 USD/kg"
    assert format_amount(float("nan"), "t") == "no data"
    assert format_change(1.2, "t") == "+1.2 t"
    assert format_change(-69.04, "%") == "-69%"
    assert format_change(-2_500_000, "USD") == "-USD 2.5 million"
    assert format_share(0.951) == "95.1%" and format_share(1) == "100%"
    assert plural(1, "supplier") == "1 supplier" and plural(3, "supplier") == "3 suppliers"
    assert plural(1, "country") == "1 country" and plural(2, "country") == "2 countries"
    assert plural(1, "row") == "1 row" and plural(2, "day") == "2 days"


def test_file_precision_is_the_source_precision():
    assert list(round_to_unit(pd.Series([9.600100000000001, 1.23456]), "t")) == [9.6, 1.235]
    assert list(round_to_unit(pd.Series([1234.5678, -0.4]), "USD")) == [1235.0, 0.0]
    assert list(round_to_unit(pd.Series([0.951234, 733.333, 2.0]), "x")) == [0.9512, 733.3, 2.0]
    assert unit_of_header("Exporter (USD, FOB)") == "USD"
    assert unit_of_header("Drawn: share of total (0-1)") == "0-1"


def test_the_formatter_imports_nothing_from_web_or_dash():
    # (import-linter checks the whole layer order; this names the formatters' own rule)
    for module in (text, number_format):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (dash\b|flask\b|plotly\b|dashboard\.web)",
                             source, re.M), module.__name__


# (the grid draws the same rule with d3-format: tests/browser/test_grid_numbers.py)


# -- CSV exports: clean numbers, unique headers with units ---------------------------


@pytest.fixture(scope="module")
def client(make_app, tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    rows = [plus_row(reporter=reporter, year=year, month=month, weight=weight, value=usd)
            for year in (2023, 2024) for month in range(1, 13)
            for reporter, weight, usd in (("410", "9600.1", "123456.789"),
                                          ("392", "2500.123", "1000.5"))]
    write_rows(folder / "comtrade_plus.csv", PLUS_COLUMNS, rows)
    return make_app(dataset.load([folder])).server.test_client()


QUERY = ("commodity=280530&period=2024&perspective=reporter&baseline=2023&focus=KOR"
         "&peers=JPN&partner=CHN")


def csv_lines(client, chart: str, query: str = QUERY) -> tuple[list[str], pd.DataFrame]:
    response = client.get(f"/export/{chart}.csv?{query}")
    assert response.status_code == 200, response.data[:300]
    body = response.data.decode("utf-8-sig")
    return body.splitlines(), pd.read_csv(io.StringIO(body), comment="#")


FLOAT_NOISE = re.compile(r"\d\.\d*(0000|9999)\d(?!\d*-)")


@pytest.mark.parametrize("chart", [c.value for c in Chart])
def test_csv_headers_are_unique_readable_and_carry_units(client, chart):
    lines, rows = csv_lines(client, chart)
    header = next(line for line in lines if not line.startswith("#"))
    names = [name.strip('"') for name in header.split('","')]
    assert len(names) == len(set(names)), names
    assert not [n for n in names if "_" in n], names
    for name in rows.columns:
        numeric = pd.api.types.is_float_dtype(rows[name]) and rows[name].notna().any()
        if numeric and not name.startswith(("Source rows", "Rows", "Months")):
            assert unit_of_header(name), f"{chart}: {name!r} has no unit"


@pytest.mark.parametrize("chart", [c.value for c in Chart] + ["data"])
def test_csv_numbers_have_no_float_noise(client, chart):
    lines, _ = csv_lines(client, chart)
    body = [line for line in lines if not line.startswith("#")]
    noisy = [line for line in body if FLOAT_NOISE.search(line)]
    assert noisy == []


def test_csv_values_are_at_the_source_precision(client):
    _, rows = csv_lines(client, "map", QUERY.replace("&baseline=2023", ""))
    assert rows.set_index("ISO3")["Net weight (t)"].to_dict() == {"JPN": 30.001, "KOR": 115.201}
    _, rows = csv_lines(client, "map", QUERY.replace("&baseline=2023", "") + "&measure=value")
    assert rows.set_index("ISO3")["Trade value (USD)"].to_dict() == {"JPN": 12006, "KOR": 1481481}
    _, rows = csv_lines(client, "series")
    assert set(rows.columns) >= {"Net weight (t)", "Country", "Period"}
    assert "period_start" not in rows.columns and "total_t" not in rows.columns


# -- bullet 5: subtitles say only what the chart uses; the map sentence has a floor ------


@pytest.fixture(scope="module")
def demo(demo_data):
    from dashboard.web.context import Bundle

    return demo_data, Bundle.of(demo_data)


def demo_view(demo, chart: Chart, query: str):
    from dashboard.web import charts
    from dashboard.web.view_state import from_query

    data, bundle = demo
    state, notices = from_query(query, bundle.defaults, bundle.catalogue)
    assert notices == []
    return charts.render(chart, state, data, bundle.catalogue)


@pytest.mark.parametrize("chart", list(Chart))
def test_only_the_chart_that_compares_names_the_baseline(demo, chart):
    view = demo_view(demo, chart, "")  # the default view compares Q1 2025 with 2024
    layout = view.figure.to_json()  # title, subtitle and every annotation
    assert ("against the whole of 2024" in layout) == (chart == Chart.MAP)


def test_map_sentence_applies_the_surge_floor(demo):
    default = demo_view(demo, Chart.MAP, "").summary
    assert "Côte d'Ivoire" not in default  # a few kg -> tens of kg does not lead it
    assert default.startswith("Comparing Q1 2025 against the whole of 2024")
    assert "2 countries rose; the largest in %: Philippines (+12.5%), South Korea (+9.37%)" \
        in default
    assert "under the 1 t floor in the period are left out" in default
    unfloored = demo_view(demo, Chart.MAP, "floor=0").summary
    assert "the largest in %: Côte d'Ivoire (+733%)" in unfloored
    ratio = demo_view(demo, Chart.MAP, "change=ratio").summary
    assert "the largest as a ratio: Philippines (1.13x)" in ratio


def test_change_sentence_floor_only_for_tonnes():
    table = pd.DataFrame({"country_name": ["Tiny", "Big"], "value": [0.025, 6.0],
                          "baseline": [0.003, 5.0], "absolute": [0.022, 1.0],
                          "percent": [733.3, 20.0], "ratio": [8.333, 1.2]})
    assert "rose; the largest in %: Big (+20%)." in text.change_sentence(
        table, "2024 against 2023", "metals", "percent", "t", floor=1)
    assert "Tiny (+733%), Big (+20%)" in text.change_sentence(
        table, "2024 against 2023", "metals", "percent", "USD", floor=1)
    assert "the largest rises: Big (+1 t)" in text.change_sentence(
        table, "2024 against 2023", "metals", "absolute", "t", floor=1)
