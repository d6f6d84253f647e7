"""Properties of the map's totals on generated trade frames (hypothesis), issue 11.

- the country table for any selection and period shows, per country, the plain pandas total
  of the same rows over all partners except World and groups (areas nes count);
- adding national lines (8-digit children of an HS6 code) never changes the HS6 code's
  numbers in any view of the country table;
- unit value is sum(value) / sum(weight) over the rows that report both, nothing else.

The expected numbers are computed here with pandas on the generated rows, never by the code
under test. Frames are annual, one row per key, so no period rule is involved.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.analytics.compare import Measure
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.ingest import schema

PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ISO3 -> (name, kind). Reporters are countries; partners also include World, a group and
# an area nes, as real Comtrade files do.
PARTIES = {"KOR": ("South Korea", "country"), "JPN": ("Japan", "country"),
           "USA": ("United States", "country"), "CHN": ("China", "country"),
           "MYS": ("Malaysia", "country"), "S19": ("Other Asia, nes", "area_nes"),
           "WLD": ("World", "world"), "EUU": ("European Union", "group")}
REPORTERS = ["KOR", "JPN", "USA", "CHN"]
# No group partner is drawn: a group row counts where its members are not broken out
# (consistency.orphan_group_mask), a rule these properties leave to its own tests.
PARTNERS = [code for code in PARTIES if code != "EUU"]
MAPPED_KINDS = ("country", "area_nes", "special")  # listed in the table (areas nes too)
HS6 = ["280530", "284690"]
YEARS = ["2022", "2023"]
FLOWS = {Direction.IMPORTS: "import", Direction.EXPORTS: "export"}

# Round hundreds make equal and zero weights common; None is "not reported".
amounts = st.one_of(st.none(), st.integers(0, 5_000_000).map(float),
                    st.integers(0, 5).map(lambda n: n * 100.0))


@st.composite
def records(draw, codes: tuple[str, ...] = tuple(HS6), years: tuple[str, ...] = tuple(YEARS),
            flows: tuple[str, ...] = tuple(FLOWS.values())) -> list[dict]:
    """Trade rows, one per (reporter, partner, flow, commodity, year). Fewer codes, years
    and flows make each selection hold more rows: several partners per country."""
    keys = draw(st.lists(st.tuples(st.sampled_from(REPORTERS), st.sampled_from(PARTNERS),
                                   st.sampled_from(flows), st.sampled_from(codes),
                                   st.sampled_from(years)),
                         min_size=3, max_size=40, unique=True))
    return [{"reporter": r, "partner": p, "flow": f, "commodity_code": c, "period": y,
             "net_weight_kg": draw(amounts), "value_usd": draw(amounts)}
            for r, p, f, c, y in keys if r != p]


def trade_frame(rows: list[dict]) -> pd.DataFrame:
    """A frame that meets the trade-frame contract, from the drawn rows."""
    frame = pd.DataFrame(rows, columns=["reporter", "partner", "flow", "commodity_code",
                                        "period", "net_weight_kg", "value_usd"])
    for side in ("reporter", "partner"):
        frame[f"{side}_name"] = frame[side].map(lambda code: PARTIES[code][0])
        frame[f"{side}_kind"] = frame[side].map(lambda code: PARTIES[code][1])
    frame["hs6"] = frame["commodity_code"].str.slice(0, 6)
    frame["commodity_name"] = "HS " + frame["commodity_code"]
    frame["freq"] = "A"
    frame["period_start"] = pd.to_datetime(frame["period"] + "-01-01")
    frame["valuation"] = frame["flow"].map({"import": "CIF", "export": "FOB"})
    frame["weight_estimated"] = False
    frame["source_file"] = "generated.csv"
    frame["source_line"] = range(2, len(frame) + 2)
    frame = schema.conform(frame)
    schema.check(frame)
    return frame


def expected_per_country(rows: list[dict], commodity: str, flow: str, period: str,
                         perspective: Perspective) -> pd.DataFrame:
    """Pandas totals per mapped country: all partners except World and groups."""
    data = pd.DataFrame(rows)
    own, other = (("reporter", "partner") if perspective == Perspective.REPORTER
                  else ("partner", "reporter"))
    kind = {code: k for code, (_, k) in PARTIES.items()}
    picked = data[(data["commodity_code"] == commodity) & (data["flow"] == flow)
                  & (data["period"] == period)
                  & data[own].map(kind).isin(MAPPED_KINDS)
                  & ~data[other].map(kind).isin(["world", "group"])].copy()
    both = picked["net_weight_kg"].notna() & picked["value_usd"].notna()
    picked["weight_with_value"] = picked["net_weight_kg"].where(both)
    picked["value_with_weight"] = picked["value_usd"].where(both)
    return picked.groupby(own).agg(**{
        column: (column, lambda s: s.sum(min_count=1))
        for column in ("net_weight_kg", "value_usd", "weight_with_value", "value_with_weight")
    })


def same(a: float, b: float) -> bool:
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def shown(frame: pd.DataFrame, selection: Selection, period: str) -> dict[str, float]:
    table = country_table(frame, selection, period)
    return dict(zip(table.index.astype(str), table["value"].astype(float)))


def mismatches(want: dict[str, float], got: dict[str, float]) -> list[str]:
    return [f"{country}: pandas {want.get(country)} ours {got.get(country)}"
            for country in sorted(set(want) | set(got))
            if country not in want or country not in got
            or not same(want[country], got[country])]


def selection_of(data, rows: list[dict]) -> tuple[str, Direction, str]:
    """A selection that holds rows: the commodity, direction and year of a drawn row."""
    row = data.draw(st.sampled_from(rows))
    direction = next(d for d, flow in FLOWS.items() if flow == row["flow"])
    return row["commodity_code"], direction, row["period"]


@PROPERTY
@given(data=st.data(), rows=records(codes=HS6[:1]),
       perspective=st.sampled_from(list(Perspective)))
def test_country_table_is_the_pandas_total_over_real_partners(data, rows, perspective):
    commodity, direction, period = selection_of(data, rows)
    frame = trade_frame(rows)
    # Mirror imports are the partners' exports: the drawn row's flow is the source flow.
    flow = FLOWS[direction]
    if perspective == Perspective.MIRROR:
        direction = Direction.EXPORTS if direction == Direction.IMPORTS else Direction.IMPORTS
    want = expected_per_country(rows, commodity, flow, period, perspective)
    for measure, column, scale in ((Measure.WEIGHT, "net_weight_kg", 1000.0),
                                   (Measure.VALUE, "value_usd", 1.0)):
        got = shown(frame, Selection(commodity=commodity, direction=direction,
                                     perspective=perspective, measure=measure), period)
        bad = mismatches((want[column] / scale).to_dict(), got)
        assert not bad, f"{measure.value} {perspective.value}: " + "; ".join(bad)


@st.composite
def national_lines(draw, rows: list[dict]) -> list[dict]:
    """8-digit children of the drawn HS6 rows' codes, on any of their keys."""
    lines = []
    for row in draw(st.lists(st.sampled_from(rows), min_size=1, max_size=6)):
        suffix = draw(st.sampled_from(["10", "90", "00"]))
        lines.append({**row, "commodity_code": row["commodity_code"] + suffix,
                      "net_weight_kg": draw(amounts), "value_usd": draw(amounts)})
    unique = {(r["reporter"], r["partner"], r["flow"], r["commodity_code"], r["period"]): r
              for r in lines}
    return list(unique.values())


@settings(PROPERTY, max_examples=12)
@given(data=st.data(), perspective=st.sampled_from(list(Perspective)),
       period=st.sampled_from(YEARS))
def test_national_lines_never_change_the_hs6_numbers(data, perspective, period):
    rows = data.draw(records())
    before = trade_frame(rows)
    after = trade_frame(rows + data.draw(national_lines(rows)))
    for commodity in sorted({r["commodity_code"] for r in rows}):
        for direction in Direction:
            for measure in Measure:
                selection = Selection(commodity=commodity, direction=direction,
                                      perspective=perspective, measure=measure)
                bad = mismatches(shown(before, selection, period),
                                 shown(after, selection, period))
                assert not bad, f"{selection} {period}: " + "; ".join(bad)


@PROPERTY
@given(data=st.data(), rows=records(codes=HS6[:1], years=YEARS[:1], flows=("import",)))
def test_unit_value_uses_only_rows_with_both_weight_and_value(data, rows):
    commodity, direction, period = selection_of(data, rows)
    frame = trade_frame(rows)
    want = expected_per_country(rows, commodity, FLOWS[direction], period,
                                Perspective.REPORTER)
    weight = want["weight_with_value"].where(want["weight_with_value"] > 0)
    expected = (want["value_with_weight"] / weight).to_dict()
    got = shown(frame, Selection(commodity=commodity, direction=direction,
                                 perspective=Perspective.REPORTER,
                                 measure=Measure.UNIT_VALUE), period)
    bad = mismatches(expected, got)
    assert not bad, "unit value (USD/kg): " + "; ".join(bad)
