"""The customs file layouts the readers know, recognised from the header row.

Each layout maps its raw columns onto one staging table (all text, one row per data line)
that `validate.build_frame` turns into the trade frame. Header names are compared after
`normalise_name`, so Comtrade Plus camelCase (``partner2Code``) and the snake_case the R
client comtradr writes (``partner2_code``) are the same layout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


def normalise_name(name: str) -> str:
    """Lower-case alphanumerics only: "partner2Code", "partner2_code" -> "partner2code"."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    required: tuple[str, ...]  # normalised header names that identify the layout
    to_staging: Callable[[pd.DataFrame], pd.DataFrame]
    source_names: dict[str, str]  # staging column -> header name quoted in problems


STAGING_COLUMNS = [
    "reporter_code", "reporter_iso", "reporter_desc",
    "partner_code", "partner_iso", "partner_desc",
    "flow", "cmd_code", "cmd_desc", "year", "month", "period",
    "weight", "weight_unit", "qty", "qty_unit", "value", "valuation", "estimated",
    "is_total",
]


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return raw[name].fillna("").astype(str).str.strip()
    return pd.Series("", index=raw.index, dtype="object")


def _is_blank_or(series: pd.Series, *accepted: str) -> pd.Series:
    return series.eq("") | series.isin(accepted)


def _comtrade_plus(raw: pd.DataFrame) -> pd.DataFrame:
    customs = _text(raw, "customscode")
    transport = _text(raw, "motcode")
    second_partner = _text(raw, "partner2code")
    flow = _text(raw, "flowcode")
    return pd.DataFrame({
        "reporter_code": _text(raw, "reportercode"),
        "reporter_iso": _text(raw, "reporteriso"),
        "reporter_desc": _text(raw, "reporterdesc"),
        "partner_code": _text(raw, "partnercode"),
        "partner_iso": _text(raw, "partneriso"),
        "partner_desc": _text(raw, "partnerdesc"),
        "flow": flow,
        "cmd_code": _text(raw, "cmdcode"),
        "cmd_desc": _text(raw, "cmddesc"),
        "year": _text(raw, "refyear"),
        "month": _text(raw, "refmonth"),
        "period": "",
        "weight": _text(raw, "netwgt"),
        "weight_unit": "kg",
        "qty": _text(raw, "qty"),
        "qty_unit": _text(raw, "qtyunitabbr"),
        "value": _text(raw, "primaryvalue"),
        "valuation": flow.map({"M": "CIF", "RM": "CIF", "X": "FOB", "RX": "FOB"}).fillna(""),
        "estimated": _text(raw, "isnetwgtestimated"),
        # Rows are split by customs procedure and transport mode; only the totals
        # (C00, mode 0, second partner 0) may be summed without double counting.
        "is_total": _is_blank_or(customs, "C00") & _is_blank_or(transport, "0")
        & _is_blank_or(second_partner, "0"),
    })


_LEGACY_FLOWS = {"1": "M", "2": "X", "3": "RX", "4": "RM"}


def _legacy_comtrade(raw: pd.DataFrame) -> pd.DataFrame:
    period = _text(raw, "period")
    is_annual = period.str.len().eq(4)
    flow = _text(raw, "tradeflowcode").map(_LEGACY_FLOWS).fillna(_text(raw, "tradeflowcode"))
    customs = _text(raw, "customsproccode")
    transport = _text(raw, "modeoftransportcode")
    second_partner = _text(raw, "2ndpartnercode")
    return pd.DataFrame({
        "reporter_code": _text(raw, "reportercode"),
        "reporter_iso": _text(raw, "reporteriso"),
        "reporter_desc": _text(raw, "reporter"),
        "partner_code": _text(raw, "partnercode"),
        "partner_iso": _text(raw, "partneriso"),
        "partner_desc": _text(raw, "partner"),
        "flow": flow,
        "cmd_code": _text(raw, "commoditycode"),
        "cmd_desc": _text(raw, "commodity"),
        "year": _text(raw, "year"),
        "month": period.str.slice(4, 6).where(~is_annual, "52"),
        "period": "",
        "weight": _text(raw, "netweightkg"),
        "weight_unit": "kg",
        "qty": _text(raw, "qty"),
        "qty_unit": _text(raw, "qtyunit"),
        "value": _text(raw, "tradevalueus"),
        "valuation": flow.map({"M": "CIF", "RM": "CIF", "X": "FOB", "RX": "FOB"}).fillna(""),
        # Legacy flag 0 = as reported; 2, 4, 6 mark estimated quantities.
        "estimated": _text(raw, "flag").isin(["2", "4", "6"]).map({True: "true", False: ""}),
        "is_total": _is_blank_or(customs, "C00") & _is_blank_or(transport, "0")
        & _is_blank_or(second_partner, "0"),
    })


_TIDY_FLOWS = {"import": "M", "export": "X", "re-import": "RM", "re-export": "RX",
               "m": "M", "x": "X", "rm": "RM", "rx": "RX"}


def _tidy(raw: pd.DataFrame) -> pd.DataFrame:
    flow_text = _text(raw, "flow")
    flow = flow_text.str.lower().map(_TIDY_FLOWS).fillna(flow_text)
    has_kg = "netweightkg" in raw.columns
    return pd.DataFrame({
        "reporter_code": "",
        "reporter_iso": _text(raw, "reporter"),
        "reporter_desc": _text(raw, "reportername"),
        "partner_code": "",
        "partner_iso": _text(raw, "partner"),
        "partner_desc": _text(raw, "partnername"),
        "flow": flow,
        "cmd_code": _text(raw, "commoditycode"),
        "cmd_desc": _text(raw, "commodityname"),
        "year": "",
        "month": "",
        "period": _text(raw, "period"),
        "weight": _text(raw, "netweightkg") if has_kg else _text(raw, "quantity"),
        "weight_unit": "kg" if has_kg else _text(raw, "quantityunit"),
        "qty": "",
        "qty_unit": "",
        "value": _text(raw, "valueusd"),
        "valuation": _text(raw, "valuation").str.upper(),
        "estimated": _text(raw, "weightestimated"),
        "is_total": True,
    })


LAYOUTS = [
    Layout(
        "comtrade_plus", "UN Comtrade Plus final data (camelCase, or comtradr snake_case)",
        ("typecode", "freqcode", "refyear", "refmonth", "reportercode", "flowcode",
         "partnercode", "partner2code", "cmdcode", "customscode", "motcode", "netwgt",
         "primaryvalue"),
        _comtrade_plus,
        {"reporter_code": "reporterCode", "partner_code": "partnerCode", "flow": "flowCode",
         "cmd_code": "cmdCode", "year": "refYear", "month": "refMonth", "weight": "netWgt",
         "weight_unit": "qtyUnitAbbr", "value": "primaryValue"},
    ),
    Layout(
        "comtrade_legacy", "legacy UN Comtrade CSV (35 columns)",
        ("classification", "year", "period", "tradeflowcode", "reportercode", "partnercode",
         "commoditycode", "netweightkg", "tradevalueus"),
        _legacy_comtrade,
        {"reporter_code": "Reporter Code", "partner_code": "Partner Code",
         "flow": "Trade Flow Code", "cmd_code": "Commodity Code", "year": "Year",
         "month": "Period", "weight": "Netweight (kg)", "weight_unit": "Qty Unit",
         "value": "Trade Value (US$)"},
    ),
    Layout(
        "tidy", "the dashboard's tidy CSV or Parquet (see README)",
        ("reporter", "partner", "flow", "commoditycode", "period", "valueusd"),
        _tidy,
        {"reporter_code": "reporter", "partner_code": "partner", "flow": "flow",
         "cmd_code": "commodity_code", "period": "period", "weight": "net_weight_kg",
         "weight_unit": "quantity_unit", "value": "value_usd", "valuation": "valuation"},
    ),
]


def detect(columns: list[str]) -> tuple[Layout | None, dict[str, list[str]]]:
    """The layout whose required columns the header holds, else None and what each lacks."""
    present = {normalise_name(c) for c in columns}
    missing: dict[str, list[str]] = {}
    for layout in LAYOUTS:
        lacking = [c for c in layout.required if c not in present]
        if layout.name == "tidy" and not present & {"netweightkg", "quantity"}:
            lacking.append("netweightkg (or quantity + quantityunit)")
        if not lacking:
            return layout, {}
        missing[layout.name] = lacking
    return None, missing
