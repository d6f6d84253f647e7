"""Turn a layout's staging table into the trade frame, reporting every unusable row.

Validation is lazy (it collects every problem rather than stopping at the first) and
vectorised: lookups run once per distinct value, so a million rows cost seconds.
Each problem is tied to the staging row's source line; a row with any problem is set
aside whole, so the frame never holds a half-valid row. Each bad cell gets one problem.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from dashboard.ingest import commodities, countries, period_labels, schema
from dashboard.ingest.number_text import (
    bad_number_message,
    conflict_message,
    decimal_convention,
    parse_numbers,
)
from dashboard.ingest.problems import Problem, Reason, shorten
from dashboard.ingest.schema import EuTrade, Flow, PartyKind

_FLOWS = {"M": Flow.IMPORT, "X": Flow.EXPORT, "RM": Flow.RE_IMPORT, "RX": Flow.RE_EXPORT}
_IMPORT_FLOWS = {"M", "RM"}
KG_PER_UNIT = {
    "kg": 1.0, "kgs": 1.0, "kilogram": 1.0, "kilograms": 1.0, "kgm": 1.0,
    "weight in kilograms": 1.0,
    "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0, "ton": 1000.0, "mt": 1000.0,
    "metric ton": 1000.0, "metric tons": 1000.0, "metric tonne": 1000.0,
    "metric tonnes": 1000.0, "tne": 1000.0,
    "g": 0.001, "gram": 0.001, "grams": 0.001,
    "100 kg": 100.0, "100kg": 100.0, "dt": 100.0,
    "lb": 0.45359237, "lbs": 0.45359237, "pound": 0.45359237, "pounds": 0.45359237,
    # Comtrade's weight units (see _comtrade_units), by abbreviation and description.
    "1000 kg": 1000.0, "weight in thousand of kilograms": 1000.0, "weight in grams": 0.001,
    "carat": 0.0002, "weight in carats": 0.0002,  # the metric carat: 200 mg exactly
}
_WEIGHT_NAMES = ", ".join(sorted(u for u in KG_PER_UNIT if not u.startswith("weight in")))
# Quantity units that say no quantity was reported: Comtrade Plus code -1 "N/A" and its
# description, and legacy Comtrade's "No Quantity".
NO_QUANTITY_UNITS = frozenset({"n/a", "not available or not specified or no quantity.",
                               "no quantity"})
# Legacy Comtrade's British spellings of units that are not weights ("Volume in litres" in
# real legacy downloads), beside the Comtrade Plus names in comtrade_quantity_units.csv.
_LEGACY_NON_WEIGHT = frozenset({"volume in litres", "volume in cubic metres",
                                "area in square metres", "length in metres"})
_TRUE = {"true", "1", "yes", "y", "t"}
# Absurd beyond any physical trade: more than all the rare earths mined in a century.
MAX_PLAUSIBLE_KG = 1e12
MAX_PLAUSIBLE_USD = 1e15  # ten times world GDP
# The euro has traded between 0.8 and 1.6 USD: over 10 is a misplaced decimal mark.
MAX_PLAUSIBLE_USD_PER_EUR = 10.0
# value_usd may be rounded to the whole dollar; floats add ~1e-16 relative on top.
USD_ROUNDING = 0.5
_EU_TRADE = {e.value.lower(): e.value for e in EuTrade}
# Written in place of a number that was not reported: read as a blank cell.
MISSING_MARKERS = frozenset({"nan", "n/a", "na", "null", "none", "..", ":", "not available"})


class _Collector:
    """Gathers problems and marks their rows as set aside."""

    def __init__(self, staging: pd.DataFrame, file: str, names: dict[str, str]):
        self.staging, self.file, self.names = staging, file, names
        self.bad = pd.Series(False, index=staging.index)
        self.problems: list[Problem] = []

    def add(self, mask: pd.Series, field: str, reason: Reason, message) -> None:
        """Report each row in mask; message is a string, a function of the raw value, or a
        Series of messages aligned with the staging rows."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        self.bad |= mask
        column = self.names.get(field, field)
        rows = self.staging.loc[mask]
        texts = (message.loc[mask] if isinstance(message, pd.Series)
                 else rows[field].map(message) if callable(message)
                 else [message] * len(rows))
        for line, value, text in zip(rows["line"], rows[field], texts):
            self.problems.append(Problem(self.file, int(line), column, shorten(value), reason,
                                         str(text)))


def build_frame(
    staging: pd.DataFrame, file: str, source_names: dict[str, str], *,
    decimal_comma: bool = False,
) -> tuple[pd.DataFrame, list[Problem], dict]:
    """The trade frame for the total rows of one file, the problems, and row counts.

    decimal_comma: how to read a number that could be either ("1,500"); the file's own
    unambiguous numbers decide first (see `number_text.parse_numbers`).
    """
    rows_read = len(staging)
    breakdown = ~staging["is_total"].astype(bool)
    staging = staging.loc[~breakdown].reset_index(drop=True)
    collector = _Collector(staging, file, source_names)
    out = pd.DataFrame(index=staging.index)
    _flows(staging, collector, out)
    _commodity(staging, collector, out)
    _period(staging, collector, out)
    _parties(staging, collector, out)
    _foreign_national_names(staging, out)
    _eu_trade(staging, collector, out)
    _quantities(staging, collector, out, decimal_comma)
    keep = ~collector.bad
    out = out.loc[keep]
    out["source_file"] = schema.one_label(file, len(out))
    out["source_line"] = staging.loc[keep, "line"].astype("int64")
    out["period_start"] = period_labels.period_start(out["period"]) if len(out) else pd.Series(
        [], dtype="datetime64[s]")
    stats = {
        "rows_read": rows_read,
        "breakdown_rows": int(breakdown.sum()),
        "rows_with_problems": int(collector.bad.sum()),
        "rows_used": int(keep.sum()),
    }
    return schema.conform(out), collector.problems, stats


def _flows(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    flow = staging["flow"].str.upper()
    blank = flow == ""
    collector.add(blank, "flow", Reason.MISSING_VALUE, "the flow is blank")
    collector.add(~blank & ~flow.isin(list(_FLOWS)), "flow", Reason.UNKNOWN_FLOW,
                  "flow must be import (M), export (X), re-import (RM) or re-export (RX)")
    out["flow"] = flow.map(_FLOWS).astype("object").fillna("")
    valuation = staging["valuation"].str.strip().str.upper()
    collector.add(~valuation.isin(["", "CIF", "FOB"]), "valuation", Reason.UNKNOWN_VALUATION,
                  "valuation must be CIF or FOB (or blank: CIF for imports, FOB for exports)")
    implied = np.where(flow.isin(list(_IMPORT_FLOWS)), "CIF", "FOB")
    out["valuation"] = valuation.where(valuation != "", implied)


def _commodity(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    keys = list(zip(staging["cmd_code"].tolist(), staging["cmd_desc"].tolist(),
                    staging["aggr_level"].tolist()))
    checked = {key: _checked_commodity(*key) for key in set(keys)}
    found = [checked[key][0] for key in keys]
    missing = pd.Series([c is None for c in found], index=staging.index)
    blank = staging["cmd_code"] == ""
    collector.add(blank, "cmd_code", Reason.MISSING_VALUE, "the commodity code is blank")
    collector.add(missing & ~blank, "cmd_code", Reason.BAD_COMMODITY, commodities.explain)
    mismatch = pd.Series([checked[key][1] for key in keys], index=staging.index)
    collector.add(mismatch != "", "cmd_code", Reason.BAD_COMMODITY, mismatch)
    out["commodity_code"] = [c.code if c else "" for c in found]
    out["hs6"] = [c.hs6 if c else "" for c in found]
    out["commodity_name"] = [c.name if c else "" for c in found]


def _foreign_national_names(staging: pd.DataFrame, out: pd.DataFrame) -> None:
    """A national line the catalogue names for one country (China's 2846.90.15), in another
    reporter's rows, is that reporter's own line: named from its file, else its HS6."""
    owner = out["commodity_code"].map(commodities.national_owner)
    foreign = owner.notna() & (owner != out["reporter"])
    if foreign.any():
        out.loc[foreign, "commodity_name"] = [
            commodities.describe(code, desc, frozenset({reporter})).name for code, desc, reporter
            in zip(out.loc[foreign, "commodity_code"], staging.loc[foreign, "cmd_desc"],
                   out.loc[foreign, "reporter"])]


def _checked_commodity(raw: str, desc: str,
                       aggr_level: str) -> tuple[commodities.Commodity | None, str]:
    """The Commodity (None when the code is invalid), and why the file's aggregation level
    contradicts the code ("" when it agrees, is blank, or the code is invalid anyway)."""
    code = commodities.normalise_code(raw)
    if code is None:
        return None, ""
    mismatch = commodities.level_mismatch(code, aggr_level)
    return commodities.describe(code, desc), mismatch or ""


def _period(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    if (staging["period"] != "").any() or (staging["year"] == "").all():
        parsed = {p: period_labels.parse_period(p) or (None, None)
                  for p in staging["period"].unique()}
        labels = staging["period"].map(lambda p: parsed[p][0])
        freqs = staging["period"].map(lambda p: parsed[p][1])
        blank = staging["period"] == ""
        collector.add(blank, "period", Reason.MISSING_VALUE, "the period is blank")
        collector.add(labels.isna() & ~blank, "period", Reason.BAD_PERIOD, period_labels.explain)
        out["period"], out["freq"] = labels.fillna(""), freqs.fillna("")
        return
    built = period_labels.period_from_year_month(staging["year"], staging["month"])
    bad_year = ~pd.to_numeric(staging["year"], errors="coerce").between(
        period_labels.FIRST_YEAR, period_labels.LAST_YEAR)
    collector.add(bad_year, "year", Reason.BAD_PERIOD, "the year must be a number from "
                  f"{period_labels.FIRST_YEAR} to {period_labels.LAST_YEAR}")
    collector.add(~built["valid"] & ~bad_year, "month", Reason.BAD_PERIOD,
                  "month must be 1-12, or 52 for a whole year")
    out["period"], out["freq"] = built["period"].fillna(""), built["freq"].fillna("")


def _parties(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    for side in ("reporter", "partner"):
        code, iso, desc = (staging[f"{side}_{part}"] for part in ("code", "iso", "desc"))
        keys = list(zip(code.tolist(), iso.tolist(), desc.tolist()))
        resolved = {key: _resolve_party(*key) for key in set(keys)}
        parties = [resolved[key] for key in keys]
        errors = pd.Series([p if isinstance(p, str) else "" for p in parties], index=staging.index)
        failed = errors != ""
        blank = (code == "") & (iso == "") & (desc == "")
        collector.add(blank, f"{side}_code", Reason.MISSING_VALUE, f"the {side} is blank")
        # The problem names the column the failed lookup used: code, else ISO, else name.
        used = {f"{side}_code": code != "", f"{side}_iso": (code == "") & (iso != ""),
                f"{side}_desc": (code == "") & (iso == "") & (desc != "")}
        for field, mask in used.items():
            collector.add(failed & mask, field, Reason.UNKNOWN_COUNTRY, errors)
        ok = [p if not isinstance(p, str) else None for p in parties]
        out[side] = [p.code if p else "" for p in ok]
        out[f"{side}_name"] = [p.name if p else "" for p in ok]
        out[f"{side}_kind"] = [p.kind.value if p else PartyKind.COUNTRY.value for p in ok]


def _resolve_party(code: str, iso: str, desc: str):
    """A Party, or the error message when nothing resolves exactly."""
    try:
        if code:
            return countries.from_comtrade_code(code, iso or None)
        if iso:
            try:
                return countries.from_iso(iso)
            except countries.CountryLookupError:
                return countries.from_label(iso)
        return countries.from_label(desc)
    except (countries.CountryLookupError, ValueError) as error:
        return str(error) or f"unknown country {shorten(code or iso or desc, 80)!r}"


def _eu_trade(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    scope = staging["eu_trade"].str.strip().str.lower().map(_EU_TRADE)
    collector.add(scope.isna(), "eu_trade", Reason.UNKNOWN_FLOW,
                  "eu_trade must be intra-EU, extra-EU or blank (not stated)")
    out["eu_trade"] = scope.fillna("")


NUMBER_FIELDS = ("weight", "qty", "value", "value_eur", "usd_per_eur")
"""The staging columns that hold numbers; together they show how a file writes decimals."""


def _quantities(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame,
                decimal_comma: bool) -> None:
    staging = staging.assign(**{field: _blank_markers(staging[field])
                                for field in NUMBER_FIELDS})
    # A file writes all its numbers one way: the columns that show it decide for the rest.
    decimal_comma = decimal_convention(
        pd.concat([staging[field] for field in NUMBER_FIELDS]), decimal_comma)
    unit = _qty_unit(staging)
    weight, weightless = _weight_kg(staging, collector, unit, decimal_comma)
    value = _checked_number(staging, collector, "value", decimal_comma, MAX_PLAUSIBLE_USD)
    collector.add(weightless & (staging["value"] == ""), "value", Reason.MISSING_VALUE,
                  "the row has neither a weight nor a value")
    # Comtrade writes netWgt 0 (and qty 0) on some rows whose quantity unit is N/A (code -1):
    # beside a positive value that 0 means "not reported", not zero tonnes. A 0 with a real
    # unit, or beside no value, stays 0.
    unreported = (weight == 0) & unit.isin(NO_QUANTITY_UNITS) & (value > 0)
    out["net_weight_kg"] = weight.mask(unreported)
    out["value_usd"] = value
    out["weight_estimated"] = staging["estimated"].str.lower().isin(_TRUE)
    _eur_values(staging, collector, out, decimal_comma)


def _eur_values(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame,
                decimal_comma: bool) -> None:
    """value_eur and usd_per_eur (when the file gives them); where both and value_usd are
    given, value_usd must be value_eur x usd_per_eur to the whole dollar."""
    eur = _checked_number(staging, collector, "value_eur", decimal_comma, MAX_PLAUSIBLE_USD)
    rate = _checked_number(staging, collector, "usd_per_eur", decimal_comma,
                           MAX_PLAUSIBLE_USD_PER_EUR)
    collector.add(rate == 0, "usd_per_eur", Reason.BAD_NUMBER,
                  "a rate of 0 USD per EUR converts nothing: leave the cell blank")
    rate = rate.where((rate > 0) & (rate <= MAX_PLAUSIBLE_USD_PER_EUR))
    eur = eur.where(eur <= MAX_PLAUSIBLE_USD)  # a refused cell is reported once, above
    product = eur * rate
    usd = out["value_usd"]
    off = product.notna() & usd.notna() & ~np.isclose(usd, product, rtol=1e-12,
                                                      atol=USD_ROUNDING)
    if off.any():
        message = pd.Series("", index=staging.index).mask(off, (
            "value_usd is not value_eur x usd_per_eur = " + staging["value_eur"] + " x "
            + staging["usd_per_eur"] + " = " + product.map("{:,.2f}".format)
            + " USD (to the whole dollar): one of the three is wrong"))
        collector.add(off, "value", Reason.INCONSISTENT_VALUES, message)
    out["value_eur"], out["usd_per_eur"] = eur, rate


def _blank_markers(text: pd.Series) -> pd.Series:
    """ "n/a", "NaN", ".." and the like say the number was not reported: a blank cell."""
    return text.where(~text.str.strip().str.lower().isin(MISSING_MARKERS), "")


def _checked_number(staging: pd.DataFrame, collector: _Collector, field: str,
                    decimal_comma: bool, limit: float | None = None,
                    rows: pd.Series | None = None) -> pd.Series:
    """The field as numbers; one problem per bad cell among `rows` (default: all)."""
    text = staging[field]
    rows = (text != "") if rows is None else rows & (text != "")
    number, conflict = parse_numbers(text, decimal_comma)
    collector.add(rows & conflict, field, Reason.BAD_NUMBER, conflict_message)
    unreadable = rows & ~conflict & ~np.isfinite(number)
    collector.add(unreadable, field, Reason.BAD_NUMBER, bad_number_message)
    finite = rows & np.isfinite(number)
    collector.add(finite & (number < 0), field, Reason.NEGATIVE_QUANTITY,
                  "a traded quantity or value cannot be negative")
    if limit is not None:
        collector.add(finite & (number > limit), field, Reason.BAD_NUMBER,
                      f"implausibly large (over {limit:.0e}): check the unit and the decimal"
                      " separator")
    return number.where(np.isfinite(number) & (number >= 0) & ~conflict)


def _qty_unit(staging: pd.DataFrame) -> pd.Series:
    """The quantity unit, lower case: as written, else named by its Comtrade unit code."""
    written = staging["qty_unit"].str.strip().str.lower()
    coded = staging["qty_unit_code"].str.strip().str.replace(r"\.0$", "", regex=True)
    from_code = coded.map(_comtrade_units()[0]).fillna("")
    return written.where(written != "", from_code)


def _weight_kg(staging: pd.DataFrame, collector: _Collector, unit: pd.Series,
               decimal_comma: bool) -> tuple[pd.Series, pd.Series]:
    """Net weight in kg, from the weight column or, where it is blank (or 0 beside a quantity
    in a weight unit), the quantity; and the rows that report no weight at all (NaN weight,
    never a problem): blank weight, and no quantity or one in N/A or a unit that is not a
    weight (items, litres...)."""
    given = staging["weight"] != ""
    weightless = ~given & ((staging["qty"] == "") | unit.isin(NO_QUANTITY_UNITS)
                           | unit.isin(_comtrade_units()[1]))
    weight = _checked_number(staging, collector, "weight", decimal_comma, rows=given)
    # Comtrade writes netWgt 0 beside a quantity in kg on some rows (a real file: 0.0 kg
    # beside qty 5,923,063.651 kg and USD 98 million): the quantity is the net weight then.
    in_kg = (parse_numbers(staging["qty"], decimal_comma)[0]
             * unit.map(KG_PER_UNIT).astype("float64"))
    zero_beside_qty = given & (weight == 0) & (in_kg > 0)
    use_qty = (~given & ~weightless) | zero_beside_qty
    qty = _checked_number(staging, collector, "qty", decimal_comma, rows=use_qty)
    weight_unit = staging["weight_unit"].str.strip().str.lower()
    weight_factor = _unit_factor(collector, "weight_unit", weight_unit, given)
    qty_factor = _unit_factor(collector, "qty_unit", unit, use_qty)
    kg = (weight * weight_factor).where(given & ~zero_beside_qty, qty * qty_factor)
    too_large = kg > MAX_PLAUSIBLE_KG
    message = (f"implausibly large weight (over {MAX_PLAUSIBLE_KG:.0e} kg): check the unit and"
               " the decimal separator")
    collector.add(too_large & given, "weight", Reason.BAD_NUMBER, message)
    collector.add(too_large & use_qty, "qty", Reason.BAD_NUMBER, message)
    return kg.where(~too_large), weightless


def _unit_factor(collector: _Collector, field: str, unit: pd.Series,
                 rows: pd.Series) -> pd.Series:
    factor = unit.map(KG_PER_UNIT)
    blank = rows & (unit == "")
    collector.add(blank, field, Reason.MISSING_VALUE,
                  "the quantity has no unit: give one (kg, t, g, 100 kg, lb)")
    collector.add(rows & ~blank & factor.isna(), field, Reason.UNKNOWN_UNIT,
                  lambda u: f"unit {shorten(u, 40)!r} is not a weight, nor a Comtrade quantity"
                            f" unit (u, 2u, l, m³, ...); weights: {_WEIGHT_NAMES}")
    return factor.astype("float64")


@cache
def _comtrade_units() -> tuple[dict[str, str], frozenset[str]]:
    """Comtrade quantity units: code -> abbreviation (lower case), and the abbreviations and
    descriptions (lower case) of the units that are not a weight of the goods (items, pairs,
    litres, m², kg of a contained substance such as "kg met.am." or "kg N", ...).

    Source: comtrade_quantity_units.csv, UN Comtrade's reference list of quantity units
    (QuantityUnits) as shipped by comtradr, inst/extdata/qtyunit.rds, last modified
    2023-01-23 (github.com/ropensci/comtradr, commit 3d5b52d).
    """
    text = resources.files("dashboard.ingest").joinpath("comtrade_quantity_units.csv")
    rows = list(csv.DictReader(text.read_text("utf-8").splitlines()))
    by_code = {row["code"]: row["abbreviation"].lower() for row in rows}
    names = {name.lower() for row in rows for name in (row["abbreviation"], row["description"])}
    return by_code, frozenset((names | _LEGACY_NON_WEIGHT) - set(KG_PER_UNIT) - NO_QUANTITY_UNITS)


def drop_duplicate_keys(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Keep the first row of each key; report the others, naming the line they repeat."""
    key = [c for c in schema.KEY_COLUMNS if c != "source_file"]
    repeated = frame.duplicated(key, keep="first")
    if not repeated.any():
        return frame, []
    first = frame.loc[~frame.duplicated(key, keep="first")].set_index(key)
    problems = []
    for row in frame.loc[repeated].itertuples(index=False):
        original = first.loc[tuple(getattr(row, c) for c in key)]
        problems.append(Problem(
            row.source_file, int(row.source_line), "", " ".join(str(getattr(row, c)) for c in key),
            Reason.DUPLICATE_KEY,
            f"same reporter, partner, flow, commodity and period as "
            f"{original['source_file']}:{original['source_line']} (that row is kept);"
            f" {_compare_figures(row, original)}"))
    return frame.loc[~repeated], problems


def _compare_figures(row, original) -> str:
    pairs = [("net weight kg", row.net_weight_kg, original["net_weight_kg"]),
             ("value USD", row.value_usd, original["value_usd"])]
    differ = [f"{name} {_figure(mine)} here, {_figure(kept)} there" for name, mine, kept in pairs
              if not (mine == kept or (pd.isna(mine) and pd.isna(kept)))]
    return "figures differ: " + ", ".join(differ) if differ else "identical figures"


def _figure(number: float) -> str:
    return "blank" if pd.isna(number) else f"{number:,.10g}"
