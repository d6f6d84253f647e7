"""Real UN Comtrade files (tests/fixtures/real/, each folder's SOURCE.md says where from),
read by our readers and checked against plain pandas reading the same file (issue 11).

For each file:
- every data row is accounted for: read = used + breakdown set aside + problems + duplicates;
- no row is rejected for a commodity code, unit, country code or flow that Comtrade itself
  publishes (HS2/HS4/HS6/TOTAL codes, its unit labels, its reporter and partner codes);
- weight and value per reporter, flow, commodity code and period, over all partners except
  World and groups, equal sums computed here with pandas straight from the file;
- the map's country table shows those same totals.

The pandas side reads every field as text and applies Comtrade's own rules: only total rows
(customs procedure C00, transport mode 0, second partner 0; blank counts as total) are
summed, partner World (0) and groups are left out, a blank weight adds nothing to the
weight (unless the quantity is in kg, Comtrade unit 8) but its row's value still counts.
Nothing here is computed by dashboard code except the labels the frame uses for reporters
(ISO3), looked up from the frame by source line.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard.analytics.compare import Measure
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.ingest.problems import Reason
from dashboard.ingest.readers import ReadResult, read_file

REAL = Path(__file__).parent / "fixtures" / "real"
REFERENCE = Path("/work/shared/reference/comtrade")
# The JSON fixtures (comtrade_api/) belong to the JSON reader's own tests.
FILES = sorted(p for p in REAL.glob("*/*.csv") if p.parent.name != "comtrade_api")
IDS = [f"{p.parent.name}/{p.name}" for p in FILES]

FLOW_NAMES = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}
LEGACY_FLOW_CODES = {"1": "M", "2": "X", "3": "RX", "4": "RM"}
LEGACY_FLOW_TEXT = {"import": "M", "export": "X", "re-import": "RM", "re-export": "RX",
                    "m": "M", "x": "X", "rm": "RM", "rx": "RX"}
KEY = ["reporter", "flow", "commodity_code", "period"]


# -- the independent side: pandas on the raw file -------------------------------------------

def _codes(name: str) -> pd.DataFrame:
    table = pd.read_csv(REFERENCE / name, dtype=str, keep_default_na=False)
    return table.apply(lambda column: column.str.strip())


def _excluded_partners() -> set[str]:
    """World and groups: partner codes flagged as groups, and reporter groups (EU, ASEAN)
    unless the partner table lists the code as a plain area (490 Other Asia, nes)."""
    partners, reporters = _codes("partner_codes.csv"), _codes("reporter_codes.csv")
    plain = set(partners.loc[partners["group"] != "True", "id"])
    groups = set(partners.loc[partners["group"] == "True", "id"])
    groups |= set(reporters.loc[reporters["group"] == "True", "id"]) - plain
    return groups | {"0"}


EXCLUDED = _excluded_partners()
PUBLISHED_CODES = set(_codes("partner_codes.csv")["id"]) | set(_codes("reporter_codes.csv")["id"])
# Reporters drawn on a map: not a group, and a real ISO alpha-2 (490 "Other Asia, nes" has none).
_REPORTERS = _codes("reporter_codes.csv")
_MAPPED = _REPORTERS[(_REPORTERS["group"] != "True") & (_REPORTERS["iso_2"] != "")]
# By code, or by ISO3 for codes the table no longer lists (legacy files write 381 for Italy).
MAPPED_REPORTERS, MAPPED_ISO3 = set(_MAPPED["id"]), set(_MAPPED["iso_3"])


def _total(codes: pd.Series, accepted: str) -> pd.Series:
    return codes.eq("") | codes.eq(accepted)


def raw_rows(path: Path) -> pd.DataFrame:
    """Every data row of a Comtrade CSV as Comtrade defines it, one row per file line."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw = raw.apply(lambda column: column.str.strip())  # Comtrade writes motCode "0 " too
    if "cmdCode" in raw.columns:  # Comtrade Plus camelCase
        monthly = raw["freqCode"].eq("M")
        rows = pd.DataFrame({
            "reporter_code": raw["reporterCode"], "reporter_iso": raw["reporterISO"],
            "partner_code": raw["partnerCode"], "flow": raw["flowCode"],
            "commodity_code": raw["cmdCode"],
            "period": raw["refYear"].where(~monthly,
                                           raw["refYear"] + "-" + raw["refMonth"].str.zfill(2)),
            "weight": raw["netWgt"], "value": raw["primaryValue"],
            "unit": raw["qtyUnitAbbr"], "qty": raw["qty"], "qty_unit": raw["qtyUnitCode"],
            "is_total": _total(raw["customsCode"], "C00") & _total(raw["motCode"], "0")
            & _total(raw["partner2Code"], "0"),
        })
    else:  # legacy Comtrade CSV (35 columns)
        by_code = raw["Trade Flow Code"].map(LEGACY_FLOW_CODES)
        by_text = raw["Trade Flow"].str.lower().map(LEGACY_FLOW_TEXT)
        period = raw["Period"]
        rows = pd.DataFrame({
            "reporter_code": raw["Reporter Code"], "reporter_iso": raw["Reporter ISO"],
            "partner_code": raw["Partner Code"],
            # The Comtrade Plus legacy export writes code 0 and the letter in "Trade Flow".
            "flow": by_code.fillna(by_text).fillna(raw["Trade Flow"]),
            "commodity_code": raw["Commodity Code"],
            "period": period.where(period.str.len() == 4,
                                   period.str.slice(0, 4) + "-" + period.str.slice(4, 6)),
            "weight": raw["Netweight (kg)"], "value": raw["Trade Value (US$)"],
            "unit": raw["Qty Unit"], "qty": raw["Qty"], "qty_unit": raw["Qty Unit Code"],
            "is_total": _total(raw["Customs Proc. Code"], "C00")
            & _total(raw["Mode of Transport Code"], "0") & _total(raw["2nd Partner Code"], "0"),
        })
    rows["line"] = rows.index + 2  # header is line 1; these files have no multi-line records
    # A blank or 0 net weight beside a positive quantity in Comtrade's unit 8 (kg) is that
    # weight (netWgt 0.0 beside qty 5,923,063.651 kg and USD 98 million, light_ree 2020).
    qty = pd.to_numeric(rows["qty"].replace("", None))
    zero = pd.to_numeric(rows["weight"].replace("", None)).eq(0)
    in_kg = (rows["weight"].eq("") | zero) & rows["qty_unit"].eq("8") & qty.gt(0)
    rows["weight"] = pd.to_numeric(rows["weight"].where(~in_kg, rows["qty"]).replace("", None))
    rows["value"] = pd.to_numeric(rows["value"].replace("", None))
    # Comtrade writes netWgt 0 beside a positive value when no quantity was reported (unit
    # N/A or "No Quantity", code -1): a weight not reported, not zero tonnes (8.7 bn USD of
    # chips at 0 kg; legacy bicycles' World rows).
    no_quantity = (rows["qty_unit"].eq("-1")
                   | rows["unit"].str.upper().isin(["N/A", "NO QUANTITY"])
                   | (rows["unit"].eq("") & rows["qty_unit"].isin(["", "-1"])))
    unreported = no_quantity & rows["weight"].eq(0) & rows["value"].gt(0)
    rows.loc[unreported, "weight"] = float("nan")
    return rows


def expected_totals(rows: pd.DataFrame) -> pd.DataFrame:
    """Weight (kg) and value (USD) per reporter code, flow, commodity and period: total rows
    of the four flows, all partners except World and groups."""
    used = rows[rows["is_total"] & rows["flow"].isin(list(FLOW_NAMES))
                & ~rows["partner_code"].isin(EXCLUDED)]
    keys = ["reporter_code", "flow", "commodity_code", "period"]
    totals = used.groupby(keys).agg(
        reporter_iso=("reporter_iso", "first"),
        net_weight_kg=("weight", lambda s: s.sum(min_count=1)),
        value_usd=("value", lambda s: s.sum(min_count=1)),
        rows=("line", "size"),
    )
    # Unit value (USD/kg) over the rows that report both a weight and a value.
    both = used["weight"].notna() & used["value"].notna()
    value = used["value"].where(both).groupby([used[k] for k in keys]).sum(min_count=1)
    weight = used["weight"].where(both).groupby([used[k] for k in keys]).sum(min_count=1)
    totals["unit_value"] = (value / weight.where(weight > 0)).reindex(totals.index)
    return totals


# -- the dashboard side -----------------------------------------------------------------------

_READ: dict[Path, ReadResult] = {}


def read(path: Path) -> ReadResult:
    if path not in _READ:
        _READ[path] = read_file(path)
    return _READ[path]


def reporter_labels(rows: pd.DataFrame, frame: pd.DataFrame) -> dict[str, str]:
    """Comtrade reporter code -> the label our frame gives it (looked up by source line)."""
    joined = frame[["source_line", "reporter"]].merge(
        rows[["line", "reporter_code"]], left_on="source_line", right_on="line")
    return dict(zip(joined["reporter_code"], joined["reporter"].astype(str)))


def relabelled(expected: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    out = expected.reset_index()
    out["reporter"] = out["reporter_code"].map(labels).fillna("code " + out["reporter_code"])
    out["flow"] = out["flow"].map(FLOW_NAMES)
    return out.set_index(KEY)


def frame_totals(frame: pd.DataFrame) -> pd.DataFrame:
    used = frame[~frame["partner_kind"].isin(["world", "group"])]
    return used.groupby(KEY, observed=True).agg(
        net_weight_kg=("net_weight_kg", lambda s: s.sum(min_count=1)),
        value_usd=("value_usd", lambda s: s.sum(min_count=1)),
        rows=("source_line", "size"),
    ).rename(index=str)


def same(a: float, b: float) -> bool:
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def differences(expected: pd.DataFrame, got: pd.DataFrame, columns: list[str]) -> list[str]:
    found = []
    for key in expected.index.union(got.index):
        want = expected.loc[key] if key in expected.index else None
        have = got.loc[key] if key in got.index else None
        if want is None or have is None or not all(same(want[c], have[c]) for c in columns):
            show = {name: (None if row is None else {c: row[c] for c in row.index})
                    for name, row in (("pandas", want), ("ours", have))}
            found.append(f"{key}: {show}")
    return found


# -- the tests ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_every_row_is_accounted_for(path):
    result, rows = read(path), raw_rows(path)
    stats = result.stats
    assert stats["rows_read"] == len(rows), "rows read differ from the file's data rows"
    assert stats["breakdown_rows"] == int((~rows["is_total"]).sum()), (
        "breakdown rows (customs procedure, transport mode or second partner not total)")
    assert stats["rows_read"] == (stats["rows_used"] + stats["breakdown_rows"]
                                  + stats["rows_with_problems"]
                                  + stats.get("duplicate_rows", 0)), stats
    assert stats["rows_used"] == len(result.frame)


def _unwarranted(problem, rows: pd.DataFrame) -> bool:
    """A problem for a value Comtrade publishes: the row should have been used."""
    value = str(problem.value).strip()
    if problem.reason == Reason.BAD_COMMODITY:
        return bool(re.fullmatch(r"\d{2}|\d{4}|\d{6}|TOTAL", value))
    if problem.reason == Reason.UNKNOWN_UNIT:
        return True  # every unit label in a Comtrade file is one of Comtrade's units
    if problem.reason == Reason.MISSING_VALUE and problem.column in ("qtyUnitAbbr", "Qty Unit"):
        return True  # value-only rows: Comtrade leaves the unit (and the weight) blank
    if problem.reason == Reason.UNKNOWN_COUNTRY:
        return value in PUBLISHED_CODES
    if problem.reason == Reason.UNKNOWN_FLOW:
        row = rows.loc[rows["line"] == problem.line]
        return bool(len(row)) and row["flow"].iloc[0] in FLOW_NAMES
    return False


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_no_row_is_rejected_for_what_comtrade_publishes(path):
    rows = raw_rows(path)
    wrong = [p for p in read(path).problems if _unwarranted(p, rows)]
    summary: dict[tuple[str, str, str], int] = {}
    for p in wrong:
        key = (p.reason.value, p.column, str(p.value))
        summary[key] = summary.get(key, 0) + 1
    assert not wrong, (f"{len(wrong)} rows rejected for published values "
                       f"(reason, column, value: rows): {summary}; first: {wrong[0]}")


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_totals_per_reporter_flow_commodity_period_match_pandas(path):
    result, rows = read(path), raw_rows(path)
    expected = relabelled(expected_totals(rows), reporter_labels(rows, result.frame))
    found = differences(expected, frame_totals(result.frame), ["net_weight_kg", "value_usd"])
    assert not found, f"{len(found)} of {len(expected)} totals differ:\n" + "\n".join(found[:15])


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_country_table_shows_the_pandas_totals(path):
    result, rows = read(path), raw_rows(path)
    expected = expected_totals(rows).reset_index()
    expected = expected[expected["flow"].isin(["M", "X"])
                        & (expected["reporter_code"].isin(MAPPED_REPORTERS)
                           | expected["reporter_iso"].isin(MAPPED_ISO3))]
    labels = reporter_labels(rows, result.frame)
    expected["reporter"] = expected["reporter_code"].map(labels).fillna(
        "code " + expected["reporter_code"])
    found = []
    views = expected.groupby(["flow", "commodity_code", "period"])
    for (flow, commodity, period), want in views:
        direction = Direction.IMPORTS if flow == "M" else Direction.EXPORTS
        for measure, column, scale in ((Measure.WEIGHT, "net_weight_kg", 1000),
                                       (Measure.VALUE, "value_usd", 1),
                                       (Measure.UNIT_VALUE, "unit_value", 1)):
            table = country_table(result.frame, Selection(
                commodity=commodity, direction=direction, perspective=Perspective.REPORTER,
                measure=measure), period)
            wanted = dict(zip(want["reporter"], want[column] / scale))
            shown = dict(zip(table.index.astype(str), table["value"]))
            for country in sorted(set(wanted) | set(shown)):
                if not same(wanted.get(country, math.nan), shown.get(country, math.nan)) or (
                        (country in wanted) != (country in shown)):
                    found.append(f"{flow} {commodity} {period} {measure.value} {country}: "
                                 f"pandas {wanted.get(country)} ours {shown.get(country)}")
    assert not found, f"{len(found)} country values differ:\n" + "\n".join(found[:15])


WORLD_FILES = [p for p in FILES if (raw_rows(p)["partner_code"] == "0").any()]


@pytest.mark.parametrize("path", WORLD_FILES, ids=[p.parent.name for p in WORLD_FILES])
def test_world_against_partners_matches_pandas(path):
    """`validate`'s check on real files: each World row against the sum of the partners
    (all but World and groups), recomputed here from the file with plain pandas. Annual
    periods only (these files are annual); where a partner row lacks a weight the partners'
    weight is no total (NaN), as the check defines it."""
    from dashboard.analytics.consistency import world_allocation

    result, rows = read(path), raw_rows(path)
    totals = rows[rows["is_total"] & rows["flow"].isin(list(FLOW_NAMES))
                  & (rows["period"].str.len() == 4)]
    keys = ["reporter_code", "flow", "commodity_code", "period"]
    world = totals[totals["partner_code"] == "0"].groupby(keys)["weight"].sum(min_count=1)
    partners = totals[~totals["partner_code"].isin(EXCLUDED)]
    lacking = partners["weight"].isna().groupby([partners[k] for k in keys]).any()
    partner_kg = partners.groupby(keys)["weight"].sum().where(~lacking)
    labels = reporter_labels(rows, result.frame)
    ours = world_allocation(result.frame).set_index(["reporter", "flow", "commodity_code",
                                                     "period"])
    found = []
    for (code, flow, commodity, period), kg in world.items():
        key = (labels.get(code, f"code {code}"), FLOW_NAMES[flow], commodity, period)
        if key not in ours.index:
            found.append(f"{key}: no World comparison")
            continue
        row = ours.loc[key]
        want = partner_kg.get((code, flow, commodity, period), math.nan)
        if not same(row["world_kg"], kg) or not same(row["partners_kg"], want):
            found.append(f"{key}: World pandas {kg} ours {row['world_kg']};"
                         f" partners pandas {want} ours {row['partners_kg']}")
    assert world.size and not found, "\n".join(found[:15])



@pytest.mark.parametrize("path", FILES, ids=[p.parent.name for p in FILES])
def test_reporter_freshness_matches_pandas(path):
    """The header's "Data as of": each reporter's latest month, recomputed from the file's
    own period columns (a year covers its December)."""
    from dashboard.analytics.freshness import latest_by_reporter

    result, rows = read(path), raw_rows(path)
    labels = reporter_labels(rows, result.frame)
    used = rows[rows["line"].isin(result.frame["source_line"])]
    last_month = used["period"].where(used["period"].str.len() == 7, used["period"] + "-12")
    expected = last_month.groupby(used["reporter_code"].map(labels)).max()
    table = latest_by_reporter(result.frame)
    countries = result.frame.loc[result.frame["reporter_kind"] == "country", "reporter"]
    expected = expected[expected.index.isin(set(countries.astype(str)))]
    # (the EU-28 file has a group as its only reporter: no country row, an empty table)
    assert table["latest_month"].to_dict() == expected.to_dict()


@pytest.mark.parametrize("path", FILES, ids=[p.parent.name for p in FILES])
def test_kept_world_allocation_matches_allocation_for(path):
    """The gauges' fast World allocation (kept per flow and commodity) on real files, against
    consistency.allocation_for, which test_world_against_partners_matches_pandas checks
    against plain pandas."""
    from dashboard.analytics import dependency
    from dashboard.analytics.consistency import allocation_for
    from dashboard.analytics.orientation import partition, source_flow

    frame = read(path).frame
    compared = 0
    for direction in Direction:
        flow = source_flow(direction, Perspective.REPORTER).value
        for commodity in frame["commodity_code"].astype(str).unique():
            rows = partition(frame, flow, commodity)
            for reporter in rows["reporter"].astype(str).unique():
                for period in rows["period"].astype(str).unique():
                    fast = dependency.own_world_allocation(frame, direction, commodity,
                                                           reporter, period)
                    reference = allocation_for(rows, reporter, flow, commodity, period)
                    assert (fast is None) == (reference is None), (reporter, period)
                    if reference is not None:
                        for name, theirs in vars(reference).items():
                            mine = getattr(fast, name)
                            assert (mine == theirs or (isinstance(theirs, float) and (
                                math.isclose(mine, theirs, rel_tol=1e-9, abs_tol=1e-6)
                                or (math.isnan(theirs) and math.isnan(mine))))), name
                    compared += 1
    assert compared > 0
