"""Turn a layout's staging table into the trade frame, reporting every unusable row.

Validation is lazy (it collects every problem rather than stopping at the first) and
vectorised: lookups run once per distinct value, so a million rows cost seconds.
Each problem is tied to the staging row's source line; a row with any problem is set
aside whole, so the frame never holds a half-valid row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ingest import commodities, countries, periods, schema
from dashboard.ingest.problems import Problem, Reason
from dashboard.ingest.schema import Flow, PartyKind

_FLOWS = {"M": Flow.IMPORT, "X": Flow.EXPORT, "RM": Flow.RE_IMPORT, "RX": Flow.RE_EXPORT}
_IMPORT_FLOWS = {"M", "RM"}
KG_PER_UNIT = {
    "kg": 1.0, "kgs": 1.0, "kilogram": 1.0, "kilograms": 1.0,
    "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0, "ton": 1000.0, "mt": 1000.0,
    "metric ton": 1000.0, "metric tons": 1000.0,
    "g": 0.001, "gram": 0.001, "grams": 0.001,
    "100 kg": 100.0, "100kg": 100.0, "dt": 100.0,
}
_TRUE = {"true", "1", "yes", "y", "t"}
# Absurd beyond any physical trade: more than all the rare earths mined in a century.
MAX_PLAUSIBLE_KG = 1e12


class _Collector:
    """Gathers problems and marks their rows as set aside."""

    def __init__(self, staging: pd.DataFrame, file: str, names: dict[str, str]):
        self.staging, self.file, self.names = staging, file, names
        self.bad = pd.Series(False, index=staging.index)
        self.problems: list[Problem] = []

    def add(self, mask: pd.Series, field: str, reason: Reason, message) -> None:
        """Report each row in mask; message is a string or a function of the raw value."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        self.bad |= mask
        column = self.names.get(field, field)
        for line, value in zip(self.staging.loc[mask, "line"], self.staging.loc[mask, field]):
            text = message(value) if callable(message) else message
            self.problems.append(Problem(self.file, int(line), column, str(value), reason, text))


def build_frame(
    staging: pd.DataFrame, file: str, source_names: dict[str, str]
) -> tuple[pd.DataFrame, list[Problem], dict]:
    """The trade frame for the total rows of one file, the problems, and row counts."""
    rows_read = len(staging)
    breakdown = ~staging["is_total"].astype(bool)
    staging = staging.loc[~breakdown].reset_index(drop=True)
    collector = _Collector(staging, file, source_names)
    out = pd.DataFrame(index=staging.index)
    _flows(staging, collector, out)
    _commodity(staging, collector, out)
    _period(staging, collector, out)
    _parties(staging, collector, out)
    _quantities(staging, collector, out)
    keep = ~collector.bad
    out = out.loc[keep]
    out["source_file"] = file
    out["source_line"] = staging.loc[keep, "line"].astype("int64")
    out["period_start"] = periods.period_start(out["period"]) if len(out) else pd.Series(
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
    known = flow.isin(list(_FLOWS))
    collector.add(~known, "flow", Reason.UNKNOWN_FLOW,
                  "flow must be import (M), export (X), re-import (RM) or re-export (RX)")
    out["flow"] = flow.map(_FLOWS).astype("object").fillna("")
    given = staging["valuation"].where(staging["valuation"].isin(["CIF", "FOB"]), "")
    implied = np.where(flow.isin(list(_IMPORT_FLOWS)), "CIF", "FOB")
    out["valuation"] = given.where(given != "", implied)


def _commodity(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    pairs = staging[["cmd_code", "cmd_desc"]].drop_duplicates()
    described = {}
    for raw, desc in pairs.itertuples(index=False):
        code = commodities.normalise_code(raw)
        described[(raw, desc)] = commodities.describe(code, desc) if code else None
    found = [described[key] for key in zip(staging["cmd_code"], staging["cmd_desc"])]
    missing = pd.Series([c is None for c in found], index=staging.index)
    collector.add(missing, "cmd_code", Reason.BAD_COMMODITY,
                  "commodity code must be HS6 or a national 8 or 10 digit line")
    out["commodity_code"] = [c.code if c else "" for c in found]
    out["hs6"] = [c.hs6 if c else "" for c in found]
    out["commodity_name"] = [c.name if c else "" for c in found]


def _period(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    if (staging["period"] != "").any() or (staging["year"] == "").all():
        parsed = {p: periods.parse_period(p) for p in staging["period"].unique()}
        labels = staging["period"].map(lambda p: parsed[p][0] if parsed[p] else None)
        freqs = staging["period"].map(lambda p: parsed[p][1] if parsed[p] else None)
        collector.add(labels.isna(), "period", Reason.BAD_PERIOD,
                      "period must be a year (2025), quarter (2025-Q1) or month (2025-03)")
        out["period"], out["freq"] = labels.fillna(""), freqs.fillna("")
        return
    built = periods.period_from_year_month(staging["year"], staging["month"])
    bad_year = ~pd.to_numeric(staging["year"], errors="coerce").between(
        periods.FIRST_YEAR, periods.LAST_YEAR)
    collector.add(bad_year, "year", Reason.BAD_PERIOD, "year is not a plausible year")
    collector.add(~built["valid"] & ~bad_year, "month", Reason.BAD_PERIOD,
                  "month must be 1-12, or 52 for a whole year")
    out["period"], out["freq"] = built["period"].fillna(""), built["freq"].fillna("")


def _parties(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    for side in ("reporter", "partner"):
        keys = list(zip(staging[f"{side}_code"], staging[f"{side}_iso"], staging[f"{side}_desc"]))
        resolved = {key: _resolve_party(*key) for key in set(keys)}
        parties = [resolved[key] for key in keys]
        failed = pd.Series([isinstance(p, str) for p in parties], index=staging.index)
        field = f"{side}_code" if (staging[f"{side}_code"] != "").any() else f"{side}_iso"
        messages = {key: value for key, value in resolved.items() if isinstance(value, str)}
        by_value = {key[0] if field.endswith("code") else key[1]: m for key, m in messages.items()}
        collector.add(failed, field, Reason.UNKNOWN_COUNTRY,
                      lambda value, by_value=by_value: by_value.get(value, "unknown country"))
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
        return str(error) or f"unknown country {code or iso or desc!r}"


def _numbers(text: pd.Series) -> pd.Series:
    """Parse numbers written with spaces or thousands commas ("1 234", "1,234.5")."""
    cleaned = text.str.replace(r"[\s\u00a0]", "", regex=True)
    thousands = cleaned.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
    cleaned = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
    return pd.to_numeric(cleaned, errors="coerce")


def _quantities(staging: pd.DataFrame, collector: _Collector, out: pd.DataFrame) -> None:
    weight = _weight_kg(staging, collector)
    value = _checked_number(staging, collector, "value")
    collector.add(weight.isna() & value.isna() & (staging["weight"] == "")
                  & (staging["value"] == ""), "weight", Reason.MISSING_VALUE,
                  "the row has neither a weight nor a value")
    out["net_weight_kg"] = weight
    out["value_usd"] = value
    out["weight_estimated"] = staging["estimated"].str.lower().isin(_TRUE)


def _checked_number(staging: pd.DataFrame, collector: _Collector, field: str) -> pd.Series:
    text = staging[field]
    number = _numbers(text)
    collector.add((text != "") & (number.isna() | np.isinf(number)), field, Reason.BAD_NUMBER,
                  "not a finite number")
    collector.add(number < 0, field, Reason.NEGATIVE_QUANTITY,
                  "a traded quantity or value cannot be negative")
    collector.add(number > MAX_PLAUSIBLE_KG * 1e3, field, Reason.BAD_NUMBER,
                  "implausibly large: check the unit and the decimal separator")
    return number.where(np.isfinite(number) & (number >= 0))


def _weight_kg(staging: pd.DataFrame, collector: _Collector) -> pd.Series:
    """Net weight in kg, from the weight column or, where it is blank, the quantity."""
    use_qty = (staging["weight"] == "") & (staging["qty"] != "")
    staging = staging.assign(
        weight=staging["weight"].where(~use_qty, staging["qty"]),
        weight_unit=staging["weight_unit"].where(~use_qty, staging["qty_unit"]),
    )
    number = _checked_number(staging, collector, "weight")
    unit = staging["weight_unit"].str.strip().str.lower()
    factor = unit.map(KG_PER_UNIT)
    collector.add((staging["weight"] != "") & factor.isna(), "weight_unit", Reason.UNKNOWN_UNIT,
                  lambda u: f"unit {u!r} is not a weight; known: {', '.join(sorted(KG_PER_UNIT))}")
    kg = number * factor
    collector.add(kg > MAX_PLAUSIBLE_KG, "weight", Reason.BAD_NUMBER,
                  "implausibly large weight: check the unit and the decimal separator")
    return kg


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
            f"{original['source_file']}:{original['source_line']} (that row is kept)"))
    return frame.loc[~repeated], problems
