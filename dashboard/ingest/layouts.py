"""The customs file layouts the readers know, recognised from the header row.

Each layout maps its raw columns onto one staging table (all text, one row per data line)
that `validate.build_frame` turns into the trade frame. Header names are compared after
`normalise_name`, so Comtrade Plus camelCase (``partner2Code``) and the snake_case the R
client comtradr writes (``partner2_code``) are the same layout.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from dashboard.ingest import schema


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
    reads: tuple[str, ...] = ()  # every normalised header name to_staging looks at
    # Known header names (normalised). When set, any other column is reported as unused:
    # in the tidy format an unknown column is most often a misspelt optional one
    # ("valuaton"), which would otherwise be dropped without a word. Comtrade layouts
    # leave it empty: their files carry many columns this reader rightly ignores.
    known: frozenset[str] = field(default_factory=frozenset)


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return raw[name].fillna("").astype(str).str.strip()
    return pd.Series("", index=raw.index, dtype="object")


# Staging columns only the tidy layout can fill (a Comext fetch writes them).
_NOT_GIVEN = dict.fromkeys(schema.OPTIONAL_COLUMNS, "")


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
        "aggr_level": _text(raw, "aggrlevel"),
        "year": _text(raw, "refyear"),
        "month": _text(raw, "refmonth"),
        "period": "",
        "weight": _text(raw, "netwgt"),
        "weight_unit": "kg",
        "qty": _text(raw, "qty"),
        "qty_unit": _text(raw, "qtyunitabbr"),
        # The unit's code, for files without descriptions (includeDesc=FALSE): -1 = N/A.
        "qty_unit_code": _text(raw, "qtyunitcode"),
        "value": _text(raw, "primaryvalue"),
        "valuation": flow.map({"M": "CIF", "RM": "CIF", "X": "FOB", "RX": "FOB"}).fillna(""),
        "estimated": _text(raw, "isnetwgtestimated"),
        **_NOT_GIVEN,
        # Rows are split by customs procedure and transport mode; only the totals
        # (C00, mode 0, second partner 0) may be summed without double counting.
        "is_total": _is_blank_or(customs, "C00") & _is_blank_or(transport, "0")
        & _is_blank_or(second_partner, "0"),
    })


_LEGACY_FLOWS = {"1": "M", "2": "X", "3": "RX", "4": "RM"}
_TIDY_FLOWS = {"import": "M", "export": "X", "re-import": "RM", "re-export": "RX",
               "m": "M", "x": "X", "rm": "RM", "rx": "RX"}


def _legacy_comtrade(raw: pd.DataFrame) -> pd.DataFrame:
    period = _text(raw, "period")
    is_annual = period.str.len().eq(4)
    code = _text(raw, "tradeflowcode")
    # Comtrade Plus's export in the legacy layout writes flow code 0 and the flow's letter
    # ("M") in "Trade Flow"; real legacy files write 1-4 and "Import", "Export", ...
    by_text = _text(raw, "tradeflow").str.lower().map(_TIDY_FLOWS)
    flow = code.map(_LEGACY_FLOWS).fillna(by_text.where(code.isin(["", "0"]))).fillna(code)
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
        "aggr_level": _text(raw, "aggregatelevel"),
        "year": _text(raw, "year"),
        "month": period.str.slice(4, 6).where(~is_annual, "52"),
        "period": "",
        "weight": _text(raw, "netweightkg"),
        "weight_unit": "kg",
        "qty": _text(raw, "qty"),
        "qty_unit": _text(raw, "qtyunit"),
        # Legacy unit codes are not Comtrade Plus codes (1 = "No Quantity"): the text decides.
        "qty_unit_code": "",
        "value": _text(raw, "tradevalueus"),
        "valuation": flow.map({"M": "CIF", "RM": "CIF", "X": "FOB", "RX": "FOB"}).fillna(""),
        # Legacy flag 0 = as reported; 2, 4, 6 mark estimated quantities.
        "estimated": _text(raw, "flag").isin(["2", "4", "6"]).map({True: "true", False: ""}),
        **_NOT_GIVEN,
        "is_total": _is_blank_or(customs, "C00") & _is_blank_or(transport, "0")
        & _is_blank_or(second_partner, "0"),
    })


def _tidy(raw: pd.DataFrame) -> pd.DataFrame:
    flow_text = _text(raw, "flow")
    flow = flow_text.str.lower().map(_TIDY_FLOWS).fillna(flow_text)
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
        "aggr_level": "",
        "year": "",
        "month": "",
        "period": _text(raw, "period"),
        # net_weight_kg where given; quantity + quantity_unit where it is blank or absent.
        "weight": _text(raw, "netweightkg"),
        "weight_unit": "kg",
        "qty": _text(raw, "quantity"),
        "qty_unit": _text(raw, "quantityunit"),
        "qty_unit_code": "",
        "value": _text(raw, "valueusd"),
        "valuation": _text(raw, "valuation").str.upper(),
        "estimated": _text(raw, "weightestimated"),
        "value_eur": _text(raw, "valueeur"),
        "usd_per_eur": _text(raw, "usdpereur"),
        "eu_trade": _text(raw, "eutrade"),
        "is_total": True,
    })


_PLUS_READS = ("reportercode", "reporteriso", "reporterdesc", "partnercode", "partneriso",
               "partnerdesc", "partner2code", "flowcode", "cmdcode", "cmddesc", "aggrlevel",
               "refyear", "refmonth", "customscode", "motcode", "netwgt", "qty", "qtyunitabbr",
               "qtyunitcode", "primaryvalue", "isnetwgtestimated")
_LEGACY_READS = ("reportercode", "reporteriso", "reporter", "partnercode", "partneriso",
                 "partner", "2ndpartnercode", "tradeflowcode", "tradeflow", "commoditycode",
                 "commodity", "aggregatelevel", "year", "period", "customsproccode",
                 "modeoftransportcode", "netweightkg", "qty", "qtyunit", "tradevalueus", "flag")
_TIDY_READS = ("reporter", "reportername", "partner", "partnername", "flow", "commoditycode",
               "commodityname", "period", "netweightkg", "quantity", "quantityunit",
               "valueusd", "valuation", "weightestimated", "valueeur", "usdpereur", "eutrade")
# Columns of the trade frame itself, so a frame written out as CSV reads back in.
_TRADE_FRAME_COLUMNS = ("reporterkind", "partnerkind", "hs6", "freq", "periodstart",
                        "sourcefile", "sourceline")

LAYOUTS = [
    Layout(
        "comtrade_plus", "UN Comtrade Plus final data (camelCase, or comtradr snake_case)",
        ("typecode", "freqcode", "refyear", "refmonth", "reportercode", "flowcode",
         "partnercode", "partner2code", "cmdcode", "customscode", "motcode", "netwgt",
         "primaryvalue"),
        _comtrade_plus,
        {"reporter_code": "reporterCode", "partner_code": "partnerCode", "flow": "flowCode",
         "cmd_code": "cmdCode", "year": "refYear", "month": "refMonth", "weight": "netWgt",
         "weight_unit": "qtyUnitAbbr", "value": "primaryValue", "reporter_iso": "reporterISO",
         "partner_iso": "partnerISO", "reporter_desc": "reporterDesc",
         "partner_desc": "partnerDesc", "qty": "qty", "qty_unit": "qtyUnitAbbr",
         "qty_unit_code": "qtyUnitCode", "aggr_level": "aggrLevel"},
        _PLUS_READS,
    ),
    Layout(
        "comtrade_legacy", "legacy UN Comtrade CSV (35 columns)",
        ("classification", "year", "period", "tradeflowcode", "reportercode", "partnercode",
         "commoditycode", "netweightkg", "tradevalueus"),
        _legacy_comtrade,
        {"reporter_code": "Reporter Code", "partner_code": "Partner Code",
         "flow": "Trade Flow Code", "cmd_code": "Commodity Code", "year": "Year",
         "month": "Period", "weight": "Netweight (kg)", "weight_unit": "Qty Unit",
         "value": "Trade Value (US$)", "reporter_iso": "Reporter ISO",
         "partner_iso": "Partner ISO", "reporter_desc": "Reporter", "partner_desc": "Partner",
         "qty": "Qty", "qty_unit": "Qty Unit", "aggr_level": "Aggregate Level"},
        _LEGACY_READS,
    ),
    Layout(
        "tidy", "the dashboard's tidy CSV or Parquet (see README)",
        ("reporter", "partner", "flow", "commoditycode", "period", "valueusd"),
        _tidy,
        {"reporter_code": "reporter", "partner_code": "partner", "flow": "flow",
         "cmd_code": "commodity_code", "period": "period", "weight": "net_weight_kg",
         "weight_unit": "quantity_unit", "value": "value_usd", "valuation": "valuation",
         "reporter_iso": "reporter", "partner_iso": "partner", "reporter_desc": "reporter_name",
         "partner_desc": "partner_name", "qty": "quantity", "qty_unit": "quantity_unit",
         "estimated": "weight_estimated", "value_eur": "value_eur",
         "usd_per_eur": "usd_per_eur", "eu_trade": "eu_trade"},
        _TIDY_READS,
        frozenset(_TIDY_READS + _TRADE_FRAME_COLUMNS),
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


def duplicated(columns: list[str], layout: Layout | None = None) -> dict[str, list[int]]:
    """Names that occur more than once (after normalising) -> their field positions; only
    those the layout reads, when one is given (a repeated column nobody reads is harmless).
    """
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(columns):
        key = normalise_name(name)
        if key and (layout is None or key in layout.reads):
            positions.setdefault(key, []).append(index)
    return {key: found for key, found in positions.items() if len(found) > 1}


def unused(layout: Layout, columns: list[str]) -> list[tuple[str, str]]:
    """(column, hint) for each header name the layout does not know, when it checks names.

    Columns with no name at all (a trailing delimiter Excel leaves) are not reported.
    """
    if not layout.known:
        return []
    found = []
    for name in columns:
        key = normalise_name(name)
        if key and key not in layout.known:
            close = difflib.get_close_matches(key, sorted(layout.known), n=1, cutoff=0.75)
            hint = f"; did you mean {_spelled(close[0])}?" if close else ""
            found.append((str(name), hint))
    return found


def _spelled(key: str) -> str:
    """The documented spelling of a normalised tidy name: "valueusd" -> "value_usd"."""
    documented = {normalise_name(n): n for n in (
        "reporter", "reporter_name", "partner", "partner_name", "flow", "commodity_code",
        "commodity_name", "period", "net_weight_kg", "quantity", "quantity_unit", "value_usd",
        "valuation", "weight_estimated", "reporter_kind", "partner_kind", "hs6", "freq",
        "period_start", "source_file", "source_line", "value_eur", "usd_per_eur", "eu_trade")}
    return documented.get(key, key)


def closest_first(missing: dict[str, list[str]]) -> list[Layout]:
    """Layouts ordered by how few required columns the header lacks (the likely intent)."""
    return sorted(LAYOUTS, key=lambda layout: len(missing.get(layout.name, [])))
