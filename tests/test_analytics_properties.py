"""Properties of the analytics, checked on generated trade (hypothesis).

- supplier shares sum to 1 over the partners with a weight;
- the HHI lies between 1/n and 1 (n suppliers with a weight), also in the ranking;
- each surge rule flags exactly what its definition says, computed here by hand in exact
  arithmetic (integer kilograms, thresholds as the decimals a user types);
- a Sankey's links add up to the tonnes of the rows it was drawn from, for any top N;
- period totals and comparisons never add an annual row to the months of its year.

The generated rows are oriented rows (what `country_table.selected_rows` gives): one
commodity, one flow, `country` the mapped side, `counterpart` the other.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.analytics import bilateral, dependency
from dashboard.analytics.compare import (
    Basis,
    Comparison,
    Measure,
    compare,
    period_totals,
    tonnes_text,
)
from dashboard.analytics.orientation import Direction
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import detect_surges

PROPERTY = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SURGES = settings(PROPERTY, max_examples=12)  # detect_surges is the slow part of a run

COUNTRIES = {"KOR": "South Korea", "JPN": "Japan", "PHL": "Philippines", "USA": "United States"}
PARTNERS = {"CHN": ("China", "country"), "VNM": ("Viet Nam", "country"),
            "MYS": ("Malaysia", "country"), "S19": ("Other Asia, nes", "area_nes"),
            "WLD": ("World", "world"), "EUU": ("European Union", "group")}
REAL_PARTNERS = [code for code, (_, kind) in PARTNERS.items() if kind in ("country", "area_nes")]
FINENESS = {"M": 0, "Q": 1, "A": 2}
# Round hundreds of kg make exact ratios (0.3 t against 0.1 t) common enough to be found.
kilograms = st.one_of(st.integers(0, 3_000_000), st.integers(0, 10).map(lambda n: n * 100))


# -- generated rows ------------------------------------------------------------------------

def year_rows(draw, country: str, partner: str, year: int, freqs: str) -> list[dict]:
    """One series' rows for one year, at the frequencies drawn (annual beside months...)."""
    records = []
    for freq in draw(st.sets(st.sampled_from(freqs), max_size=len(freqs))):
        if freq == "A":
            labels = [str(year)]
        elif freq == "Q":
            labels = [f"{year}-Q{q}" for q in sorted(draw(st.sets(st.integers(1, 4),
                                                                   min_size=1)))]
        else:
            every = draw(st.booleans())  # whole years are common; so are gaps
            months = range(1, 13) if every else sorted(draw(st.sets(st.integers(1, 12),
                                                                     min_size=1)))
            labels = [f"{year}-{m:02d}" for m in months]
        records += [{"country": country, "counterpart": partner, "period": label,
                     "freq": freq, "kg": draw(kilograms)} for label in labels]
    return records


@st.composite
def trade(draw, years=(2023, 2024, 2025), freqs="MQA", partners=tuple(PARTNERS)):
    """A list of records: country, counterpart, period, freq, kg (an integer)."""
    countries = draw(st.lists(st.sampled_from(sorted(COUNTRIES)), min_size=1, max_size=3,
                              unique=True))
    records = []
    for country in countries:
        for partner in draw(st.lists(st.sampled_from(partners), min_size=1, max_size=3,
                                     unique=True)):
            for year in years:
                records += year_rows(draw, country, partner, year, freqs)
    return records


def frame_of(records: list[dict], weights=None) -> pd.DataFrame:
    """Oriented rows as the views get them (string columns, one source line per row)."""
    n = len(records)
    kg = [float(r["kg"]) for r in records] if weights is None else weights
    frame = pd.DataFrame({
        "country": [r["country"] for r in records],
        "country_name": [COUNTRIES[r["country"]] for r in records],
        "country_kind": ["country"] * n,
        "counterpart": [r["counterpart"] for r in records],
        "counterpart_name": [PARTNERS[r["counterpart"]][0] for r in records],
        "counterpart_kind": [PARTNERS[r["counterpart"]][1] for r in records],
        "flow": ["import"] * n, "commodity_code": ["280530"] * n,
        "period": [r["period"] for r in records], "freq": [r["freq"] for r in records],
        "net_weight_kg": pd.Series(kg, dtype="float64"),
        "value_usd": pd.Series([float(r["kg"]) * 7 for r in records], dtype="float64"),
        "weight_estimated": [False] * n, "source_file": ["trade.csv"] * n,
        "source_line": list(range(2, n + 2)),
    })
    text = [c for c in frame.columns if c not in ("net_weight_kg", "value_usd",
                                                  "weight_estimated", "source_line")]
    return frame.astype(dict.fromkeys(text, "string"))


# -- the rules, by hand --------------------------------------------------------------------

def freq_of(label: str) -> str:
    return "A" if len(label) == 4 else ("Q" if label[5] == "Q" else "M")


def container(period: str, freq: str, target: str) -> str:
    """The label of frequency `target` that holds `period` (of frequency `freq`)."""
    if target == "A":
        return period[:4]
    if target == "Q" and freq == "M":
        return f"{period[:4]}-Q{(int(period[5:7]) - 1) // 3 + 1}"
    return period


def finest(records: list[dict]) -> list[dict]:
    """Per (country, counterpart, year): only the rows of the finest frequency there."""
    best: dict[tuple, int] = {}
    for r in records:
        key = (r["country"], r["counterpart"], r["period"][:4])
        best[key] = min(best.get(key, 9), FINENESS[r["freq"]])
    return [r for r in records
            if FINENESS[r["freq"]] == best[(r["country"], r["counterpart"], r["period"][:4])]]


def counted(records: list[dict], label: str) -> list[dict]:
    """The rows a period is read from: a year from each series' annual row where it has
    one, else its finest rows; a quarter or month from the finest rows."""
    if freq_of(label) != "A":
        return finest(records)
    annual = {series_year(r) for r in records if r["freq"] == "A"}
    best = [id(r) for r in finest(records)]
    return [r for r in records
            if (r["freq"] == "A" if series_year(r) in annual else id(r) in best)]


def series_year(r: dict) -> tuple:
    return r["country"], r["counterpart"], r["period"][:4]


def hand_beside(records: list[dict], label: str, by: str = "country"
                ) -> dict[str, tuple[int, int]]:
    """Per key, for a year: kg of annual rows whose series' finest rows (months or
    quarters) cover all 12 months, and kg of those rows."""
    if freq_of(label) != "A":
        return {}
    rows = [r for r in records if r["period"][:4] == label]
    finer = [r for r in finest(rows) if r["freq"] != "A"]
    months: dict[tuple, set[int]] = {}
    for r in finer:
        months.setdefault(series_year(r), set()).update(months_covered(r["period"], r["freq"]))
    annual = {series_year(r) for r in rows if r["freq"] == "A"}
    whole = {key for key, seen in months.items() if len(seen) == 12 and key in annual}
    out: dict[str, tuple[int, int]] = {}
    for r in rows:
        if series_year(r) in whole and (r["freq"] == "A" or r in finer):
            annual, parts = out.get(r[by], (0, 0))
            out[r[by]] = (annual + r["kg"], parts) if r["freq"] == "A" else (annual,
                                                                            parts + r["kg"])
    return out


def hand_totals(records: list[dict], label: str, by: str = "country"
                ) -> tuple[dict[str, int], set[str]]:
    """kg per `by` in `label`, each flow counted once; and who has only coarser data."""
    totals: dict[str, int] = {}
    coarse: set[str] = set()
    need = FINENESS[freq_of(label)]
    for r in counted(records, label):
        if r["period"][:4] != label[:4]:
            continue
        if FINENESS[r["freq"]] > need:
            coarse.add(r[by])
        elif container(r["period"], r["freq"], freq_of(label)) == label:
            totals[r[by]] = totals.get(r[by], 0) + r["kg"]
    return totals, coarse - set(totals)


def hand_coverage(records: list[dict], label: str, by: str = "country") -> dict[str, str]:
    """The months of `label` each key's usable rows cover, and the coarser rows left out,
    in the words `period_totals` uses (built here from months as sets, not bit masks)."""
    need = FINENESS[freq_of(label)]
    span = months_covered(label, freq_of(label))
    covered: dict[str, set[int]] = {}
    left_out: dict[str, list[int]] = {}
    beside = hand_beside(records, label, by)
    for r in counted(records, label):
        if r["period"][:4] != label[:4]:
            continue
        if FINENESS[r["freq"]] > need:
            left_out.setdefault(r[by], []).append(r["kg"])
        elif container(r["period"], r["freq"], freq_of(label)) == label:
            covered.setdefault(r[by], set()).update(months_covered(r["period"], r["freq"]))
    words = {}
    for key, months in covered.items():
        parts = []
        if len(months & span) < len(span):
            parts.append(f"{len(months & span)} of {len(span)} months")
        if key in left_out:
            kg, n = sum(left_out[key]), len(left_out[key])
            coarser = "quarterly or annual" if freq_of(label) == "M" else "annual-only"
            parts.append(f"excludes {coarser} rows ({tonnes_text(kg)} in {label[:4]},"
                         f" {'1 row' if n == 1 else f'{n} rows'})")
        annual, months_kg = beside.get(key, (0, 0))
        if abs(annual - months_kg) > max(0.005 * annual, 1):
            parts.append(f"annual rows used ({tonnes_text(annual)}); their months sum to"
                         f" {tonnes_text(months_kg)}")
        words[key] = "; ".join(parts) or "complete"
    return words


def months_covered(period: str, freq: str) -> set[int]:
    """Months (1-12) a row's period covers."""
    if freq == "A":
        return set(range(1, 13))
    if freq == "Q":
        first = (int(period[6]) - 1) * 3 + 1
        return set(range(first, first + 3))
    return {int(period[5:7])}


def shift(label: str, years: int) -> str:
    return f"{int(label[:4]) + years}{label[4:]}"


def hand_current(records, country, label) -> int | None:
    """kg in the period; 0 when none reported; None when only coarser data exists."""
    totals, coarse = hand_totals(records, label)
    return None if country in coarse else totals.get(country, 0)


def hand_flags(records: list[dict], params: SurgeParams, exact: dict) -> set[str]:
    """Countries the rule's definition flags (thresholds exactly as typed: `exact`)."""
    floor_kg = exact["floor"] * 1000
    flagged = set()
    for country in {r["country"] for r in records}:
        now = hand_current(records, country, params.period)
        if now is None or now < floor_kg:
            continue
        if params.rule == SurgeRule.ROBUST:
            z = hand_robust_z(records, country, params.period)
            if z is not None and z > params.z_threshold:
                flagged.add(country)
            continue
        labels = {SurgeRule.PRIOR_YEAR: [str(int(params.period[:4]) - 1)],
                  SurgeRule.YEAR_EARLIER: [shift(params.period, -1)],
                  SurgeRule.SAFEGUARD: [shift(params.period, -n) for n in (3, 2, 1)]}[
            params.rule]
        refs = [hand_totals(records, label)[0].get(country) for label in labels]
        if any(ref is None for ref in refs):
            continue  # a reference period without usable rows
        coverage = [hand_coverage(records, label).get(country) for label in labels]
        if any(" months" in words.split(";")[0] or "excludes" in words for words in coverage):
            continue  # a reference that lacks months or rows understates: not assessed
        mean = Fraction(sum(refs), len(refs))
        if mean <= 0:
            continue
        surge = {SurgeRule.PRIOR_YEAR: now > mean,
                 SurgeRule.YEAR_EARLIER: now >= exact["threshold"] * mean,
                 SurgeRule.SAFEGUARD: now > exact["k"] * mean}[params.rule]
        if surge:
            flagged.add(country)
    return flagged


def months_of(label: str) -> list[str]:
    if freq_of(label) == "M":
        return [label]
    first = 1 if freq_of(label) == "A" else (int(label[6]) - 1) * 3 + 1
    return [f"{label[:4]}-{m:02d}" for m in range(first, first + (12 if len(label) == 4 else 3))]


def months_before(label: str, count: int) -> list[str]:
    first = pd.Period(months_of(label)[0], freq="M")
    return [str(first - n) for n in range(count, 0, -1)]


def hand_robust_z(records, country, label) -> float | None:
    """The highest robust z of a month of the period, or None when not assessable.

    z = 0.6745 (x - median) / MAD over the 24 months before, at least 12 of them with
    monthly rows; when MAD is 0, (x - median) / (1.2533 mean absolute deviation); a flat
    window makes any rise infinitely unusual.
    """
    monthly = defaultdict(int)
    for r in finest(records):
        if r["country"] == country and r["freq"] == "M":
            monthly[r["period"]] += r["kg"]
    past = np.array([monthly[m] / 1000 for m in months_before(label, 24) if m in monthly])
    now = [monthly[m] / 1000 for m in months_of(label) if m in monthly]
    if len(past) < 12 or not now:
        return None
    median = float(np.median(past))
    deviation = np.abs(past - median)
    mad = float(np.median(deviation))
    spread = mad / 0.6745 if mad > 0 else float(deviation.mean()) * 1.253314
    scores = []
    for x in now:
        if spread == 0:
            scores.append(math.copysign(math.inf, x - median) if x != median else 0.0)
        else:
            scores.append((x - median) / spread)
    return max(scores)


# -- supplier shares and HHI ----------------------------------------------------------------

@PROPERTY
@given(records=trade(years=(2024,)), period=st.sampled_from(["2024", "2024-Q2", "2024-07"]))
def test_supplier_shares_sum_to_one(records, period):
    rows = frame_of(records)
    for country in {r["country"] for r in records}:
        shares = dependency.supplier_shares(rows, country, period)
        weighed = shares["share"].dropna()
        assert not {"WLD", "EUU"} & set(shares.index)  # aggregates count trade twice
        totals, _ = hand_totals([r for r in records if r["country"] == country
                                 and PARTNERS[r["counterpart"]][1] in ("country", "area_nes")],
                                period, by="counterpart")
        if sum(totals.values()) > 0:
            assert weighed.sum() == pytest.approx(1.0, abs=1e-12)
            assert ((weighed >= 0) & (weighed <= 1)).all()
            for partner, kg in totals.items():
                assert shares.loc[partner, "share"] == pytest.approx(
                    kg / sum(totals.values()), abs=1e-12)
        else:
            assert weighed.empty


@PROPERTY
@given(weights=st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=30))
def test_hhi_lies_between_one_over_n_and_one(weights):
    positive = [w for w in weights if w > 0]
    if not positive:
        return
    shares = [w / sum(positive) for w in positive]
    value = dependency.hhi(shares)
    assert 1 / len(positive) - 1e-12 <= value <= 1 + 1e-12
    assert value == pytest.approx(sum(s * s for s in shares))


@PROPERTY
@given(records=trade(years=(2024,)), period=st.sampled_from(["2024", "2024-Q1", "2024-03"]),
       supplier=st.sampled_from(["CHN", "VNM", "S19"]))
def test_dependency_ranking_hhi_and_metrics_lie_between_one_over_n_and_one(
        records, period, supplier):
    rows = frame_of(records)
    ranking = dependency.dependency_ranking(rows, period, supplier)
    real = [r for r in records if PARTNERS[r["counterpart"]][1] in ("country", "area_nes")]
    for country, row in ranking.iterrows():
        totals, _ = hand_totals([r for r in real if r["country"] == country], period,
                                by="counterpart")
        n = sum(1 for kg in totals.values() if kg > 0)
        assert n >= 1
        assert 1 / n - 1e-12 <= row["hhi"] <= 1 + 1e-12
        assert 0 <= row["supplier_share"] <= 1
        assert row["total_t"] * 1000 == pytest.approx(sum(totals.values()))
        metrics = dependency.dependency_metrics(dependency.supplier_shares(rows, country, period))
        assert metrics is not None and metrics.supplier_count == n
        assert 1 / n - 1e-12 <= metrics.hhi <= 1 + 1e-12
        assert metrics.hhi == pytest.approx(row["hhi"], abs=1e-12)
        assert metrics.top_supplier_share <= metrics.top3_share <= 1 + 1e-12
    every = {r["country"] for r in real if hand_totals(
        [x for x in real if x["country"] == r["country"]], period)[0].get(r["country"], 0) > 0}
    assert set(ranking.index) == every


# -- surge rules -----------------------------------------------------------------------------

def decimals(low: int, high: int, places: int = 2):
    """Numbers as a user types them: (float for the app, exact Fraction for the test)."""
    scale = 10 ** places
    return st.integers(low * scale, high * scale).map(
        lambda n: (n / scale, Fraction(n, scale)))


SURGE_YEARS = (2021, 2022, 2023, 2024, 2025)


@st.composite
def surge_case(draw, rule: SurgeRule):
    records = draw(trade(years=SURGE_YEARS, freqs="MA", partners=("CHN", "VNM", "S19")))
    period = draw(st.sampled_from(["2025", "2025-Q1", "2025-Q3", "2025-02"]))
    round_numbers = st.sampled_from([(1.5, Fraction(3, 2)), (2.0, Fraction(2)),
                                     (3.0, Fraction(3)), (1.25, Fraction(5, 4))])
    threshold = draw(st.one_of(round_numbers, decimals(1, 5)))
    k = draw(st.one_of(round_numbers, decimals(1, 2)))
    z = draw(decimals(1, 6, 1))
    exact = {"floor": Fraction(0), "threshold": threshold[1], "k": k[1], "z": z[1]}
    params = SurgeParams(rule, period, floor_t=0.0, ratio_threshold=threshold[0], k=k[0],
                         z_threshold=z[0])
    # The floor: often at, just under or over the volume of a country flagged without one,
    # so that the floor decides; else anywhere from 0 to 4,000 t (months of 0-3,000 t).
    flagged = sorted(hand_flags(records, params, exact))
    if flagged and draw(st.booleans()):
        now = hand_current(records, draw(st.sampled_from(flagged)), period)
        kg = round(now * draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(3, 2),
                                               Fraction(999, 1000)])))
        floor = (kg / 1000, Fraction(kg, 1000))
    else:
        floor = draw(st.one_of(decimals(0, 2), decimals(0, 4000, 1)))
    exact["floor"] = floor[1]
    return records, replace(params, floor_t=floor[0]), exact


def check_rule(records, params, exact) -> None:
    table = detect_surges(frame_of(records), params)
    flagged = set(table.index[table["flagged"]])
    expected = hand_flags(records, params, exact)
    if params.rule == SurgeRule.ROBUST:  # floats: leave out a z within rounding of the line
        near = {c for c in {r["country"] for r in records}
                if (z := hand_robust_z(records, c, params.period)) is not None
                and math.isfinite(z) and abs(z - params.z_threshold) < 1e-9}
        flagged, expected = flagged - near, expected - near
    assert flagged == expected, table[["current_t", "reference_t", "score", "status"]]
    for country in table.index:  # current_t is the period's tonnes, counted once
        now = hand_current(records, country, params.period)
        if now is None:
            assert math.isnan(table.loc[country, "current_t"])
        else:
            assert table.loc[country, "current_t"] == pytest.approx(now / 1000)


@pytest.mark.parametrize("rule", list(SurgeRule))
def test_each_surge_rule_flags_exactly_what_its_definition_says(rule):
    """PRIOR_YEAR: now > the whole prior year > 0; YEAR_EARLIER: now >= threshold x the
    same period a year earlier > 0; SAFEGUARD: now > k x the mean of the same period in
    the 3 years before (all with rows, mean > 0); ROBUST: a month's robust z above z. All
    only at or above the floor, and never on a period with only coarser data."""
    SURGES(given(case=surge_case(rule))(lambda case: check_rule(*case)))()


@pytest.mark.parametrize(("rule", "now_kg", "before_kg", "setting"), [
    (SurgeRule.YEAR_EARLIER, 300, 100, {"ratio_threshold": 3.0}),  # exactly 3x: a surge
    (SurgeRule.YEAR_EARLIER, 2100, 1000, {"ratio_threshold": 2.1}),  # exactly 2.1x
    (SurgeRule.PRIOR_YEAR, 1001, 1000, {}),  # 1 kg above the whole year
])
def test_a_ratio_exactly_at_the_line_is_judged_on_the_kilograms(rule, now_kg, before_kg,
                                                                 setting):
    """0.3 t / 0.1 t is 2.9999999999999996 in floating point; the rule is about kg."""
    period = "2025-03"
    before = "2024-03" if rule == SurgeRule.YEAR_EARLIER else "2024"
    records = [{"country": "KOR", "counterpart": "CHN", "period": period, "freq": "M",
                "kg": now_kg},
               {"country": "KOR", "counterpart": "CHN", "period": before,
                "freq": "M" if len(before) > 4 else "A", "kg": before_kg}]
    table = detect_surges(frame_of(records), SurgeParams(rule, period, floor_t=0, **setting))
    assert table.loc["KOR", "flagged"], table.loc["KOR", "explanation"]


# -- Sankey links and period totals ----------------------------------------------------------

@PROPERTY
@given(records=trade(years=(2024, 2025)), top_n=st.integers(-2, 12),
       period=st.sampled_from(["2024", "2025-Q1", "2024-06"]),
       direction=st.sampled_from(list(Direction)),
       missing=st.lists(st.booleans(), max_size=5))
def test_top_flows_conserve_tonnes_for_any_top_n(records, top_n, period, direction, missing):
    weights = [math.nan if i < len(missing) and missing[i] else float(r["kg"])
               for i, r in enumerate(records)]  # a few rows without a weight
    links = bilateral.top_flows(frame_of(records, weights), period, top_n, direction)
    kept = [(r, w) for r, w in zip(records, weights)
            if PARTNERS[r["counterpart"]][1] in ("country", "area_nes")]
    real = [dict(r, kg=0 if math.isnan(w) else int(w)) for r, w in kept]
    totals, _ = hand_totals(real, period)
    assert links["weight_t"].sum() * 1000 == pytest.approx(sum(totals.values()), abs=1e-6)
    for side, other in (("source", bilateral.OTHER_SOURCE), ("target", bilateral.OTHER_TARGET)):
        named = set(links[side]) - {other}
        assert len(named) <= max(top_n, 0)
    assert not {"WLD", "EUU"} & (set(links["source"]) | set(links["target"]))


@PROPERTY
@given(records=trade(years=(2024, 2025), partners=("CHN", "VNM", "S19")),
       period=st.sampled_from(["2024", "2025", "2024-Q2", "2025-Q1", "2025-01", "2024-12"]))
def test_period_totals_count_each_flow_once(records, period):
    totals = period_totals(frame_of(records), period)
    expected, coarse = hand_totals(records, period)
    assert set(totals.index) == set(expected) | coarse
    coverage = hand_coverage(records, period)
    for country, kg in expected.items():
        assert totals.loc[country, "net_weight_kg"] == kg
        assert totals.loc[country, "coverage"] == coverage[country]
    for country in coarse:
        assert math.isnan(totals.loc[country, "net_weight_kg"])
        assert totals.loc[country, "coverage"] == "annual data only"


@PROPERTY
@given(records=trade(years=(2024, 2025), partners=("CHN", "VNM", "S19")),
       framing=st.sampled_from([("2025-Q1", "2024", "total"), ("2025-Q1", "2024", "average"),
                                ("2025-Q1", "2024-Q1", "total"), ("2025", "2024", "total"),
                                ("2025-03", "2024-Q4", "average")]))
def test_comparisons_count_each_flow_once(records, framing):
    period, baseline, basis = framing
    comparison = Comparison(period, baseline, Basis(basis))
    table = compare(frame_of(records), comparison, Measure.WEIGHT)
    now, _ = hand_totals(records, period)
    then, _ = hand_totals(records, baseline)
    for country in table.index:
        if country in now:
            assert table.loc[country, "value"] * 1000 == pytest.approx(now[country])
        else:
            assert math.isnan(table.loc[country, "value"])
        if country in then:
            assert table.loc[country, "baseline"] * 1000 == pytest.approx(
                then[country] * comparison.scale)
        else:
            assert math.isnan(table.loc[country, "baseline"])
