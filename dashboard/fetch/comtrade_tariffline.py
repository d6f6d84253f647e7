"""UN Comtrade tariff-line records -> national-line totals in the Comtrade Plus layout.

A tariff-line record (`/data/v1/getTariffline`, `/public/v1/previewTariffline`) carries the
reporter's own code (China's 8 digits, the US's 10) and the breakdowns the reporter
published: transport mode (`motCode`), customs procedure (`customsCode`, with `mosCode`) and
second partner (`partner2Code`). Unlike final data it has no `refYear`, `refMonth` or
`aggrLevel` (the columns `comtradeapicall`'s own tariff-line example prints), so the readers
do not take the response as it is.

Each (period, reporter, flow, partner, national line) becomes one record in the final-data
layout the readers know, marked as the total (customs C00, transport 0, second partner 0):
on each breakdown, the records that are the published total there are kept when present
(so a total beside its parts is not counted twice), and what is left is summed. Sums are
decimal on the numbers as written, so no float noise reaches the file.

Records are set aside, counted by reason, when their code is not a national line the
commodity catalogue takes (HS6 or coarser ones belong to the final data and would duplicate
its rows; 9-, 11- or 12-digit lines the catalogue does not know yet).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from dashboard.ingest import commodities

# Breakdown -> the code of its total (final data's convention).
TOTAL_OF_BREAKDOWN = {"customsCode": "C00", "motCode": "0", "partner2Code": "0"}
GROUP_BY = ("freqCode", "period", "reporterCode", "flowCode", "partnerCode", "cmdCode")
SUMMED = ("netWgt", "grossWgt", "cifvalue", "fobvalue", "primaryValue")
ANNUAL_REF_MONTH = 52  # what final data writes in refMonth for a year
NOT_NATIONAL = "an HS code of 6 digits or fewer, not a national line (the final data hold it)"


@dataclass
class Converted:
    """The records to write and the account of every tariff-line record received."""

    records: list[dict] = field(default_factory=list)
    received: int = 0
    summed: int = 0  # records summed with others into one total (breakdowns)
    beside_total: int = 0  # breakdown records left out because their total was published
    set_aside: dict[str, int] = field(default_factory=dict)  # reason -> records
    arrived: dict[str, set[str]] = field(default_factory=dict)  # reporter ISO -> periods

    def body(self) -> bytes:
        """A response-shaped JSON document the Comtrade JSON reader takes."""
        return json.dumps({"count": len(self.records), "data": self.records, "error": ""},
                          indent=1, default=_number).encode("utf-8")


def convert(body: bytes) -> Converted:
    """The national-line totals of one tariff-line response body (JSON as returned)."""
    answer = json.loads(body, parse_float=Decimal)
    found = answer["data"] if isinstance(answer, dict) else answer
    converted = Converted(received=len(found))
    groups: dict[tuple, list[dict]] = {}
    for record in found:
        raw = str(record.get("cmdCode") or "")
        code = commodities.normalise_code(raw)
        if code is None or commodities.level(code) != "national":
            reason = _not_taken(code, raw)
            converted.set_aside[reason] = converted.set_aside.get(reason, 0) + 1
            continue
        key = (*(_text(record.get(name)) for name in GROUP_BY[:-1]), code)
        groups.setdefault(key, []).append(record)
    for key, records in groups.items():
        kept = _totals_where_published(records)
        converted.beside_total += len(records) - len(kept)
        converted.summed += len(kept) if len(kept) > 1 else 0
        converted.records.append(_total_record(kept, key[-1]))
    for record in converted.records:
        reporter = str(record.get("reporterISO") or record.get("reporterCode"))
        converted.arrived.setdefault(reporter, set()).add(str(record["period"]))
    return converted


def _text(value: object) -> str:
    return "" if value is None else str(value)  # partner 0 (World) stays "0"


def _not_taken(code: str | None, raw: str) -> str:
    """Why a record whose code is not a national line is set aside."""
    if code is None:
        digits = sum(ch.isdigit() for ch in raw)
        return (f"a code of {digits} digits, which the dashboard's commodity catalogue does"
                " not take (national lines of 8 or 10 digits)")
    return NOT_NATIONAL


def _totals_where_published(records: list[dict]) -> list[dict]:
    """On each breakdown, only the records that are its total when any is; else all."""
    for name, total in TOTAL_OF_BREAKDOWN.items():
        totals = [r for r in records if str(total if r.get(name) is None else r[name]) == total]
        if totals:
            records = totals
    return records


def _total_record(records: list[dict], code: str) -> dict:
    first = records[0]
    period = str(first.get("period") or "")
    units = {r.get("qtyUnitCode") for r in records}
    same_unit = len(units) == 1
    total = {
        "typeCode": first.get("typeCode") or "C", "freqCode": first.get("freqCode"),
        "refPeriodId": first.get("refPeriodId"), "refYear": int(period[:4]),
        "refMonth": int(period[4:6]) if len(period) == 6 else ANNUAL_REF_MONTH,
        "period": period,
        **{name: first.get(name) for name in (
            "reporterCode", "reporterISO", "reporterDesc", "flowCode", "flowDesc",
            "partnerCode", "partnerISO", "partnerDesc", "classificationCode")},
        "partner2Code": 0, "cmdCode": code, "cmdDesc": first.get("cmdDesc"),
        "customsCode": "C00", "motCode": 0,
        "qtyUnitCode": first.get("qtyUnitCode") if same_unit else -1,
        "qtyUnitAbbr": first.get("qtyUnitAbbr") if same_unit else "N/A",
        "qty": _sum(records, "qty") if same_unit else None,
        **{name: _sum(records, name) for name in SUMMED},
        "tariffLineRecords": len(records),
    }
    return total


def _sum(records: list[dict], name: str) -> Decimal | int | None:
    """The sum, when every record gives the value; None when any lacks it: a weight known
    for the sea freight but not the air freight is not the line's weight (the total is then
    a value-only row, never an understated one)."""
    values = [r.get(name) for r in records]
    given = [Decimal(v) for v in values if v is not None]
    return sum(given, Decimal(0)) if len(given) == len(values) else None


def _number(value: object) -> int | float:
    """JSON for a Decimal: an int when whole, else the float whose shortest text is it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON: {value!r}")
