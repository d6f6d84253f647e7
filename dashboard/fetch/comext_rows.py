"""Comext SDMX-CSV observations -> rows of the dashboard's tidy CSV, euros -> US dollars.

One SDMX-CSV line is one observation: a reporter, partner, CN8 product, flow, indicator
(QUANTITY_IN_100KG or VALUE_IN_EUROS) and month. The two indicators of one flow become one
row: net weight in kg (100 kg x 100), the value in EUR as reported, the month's USD-per-EUR
rate and the value in USD (EUR x that rate, to the cent; blank with the rate when the month
has none). Arithmetic is decimal on the text as written, so no float noise reaches the file.
Each row says whether it is intra- or extra-EU trade (`schema.EuTrade`). A row whose
partner has no place in the trade frame (extra-EU aggregates, say) is not written but
counted by reason; so is a row with neither a weight nor a dollar value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from dashboard.fetch import comext_query as query
from dashboard.fetch.client import BodyCut
from dashboard.ingest import countries
from dashboard.ingest.schema import EuTrade

REQUIRED = ("reporter", "partner", "product", "flow", "indicators", "TIME_PERIOD", "OBS_VALUE")
TIDY_COLUMNS = ("reporter", "reporter_name", "partner", "partner_name", "eu_trade", "flow",
                "commodity_code", "commodity_name", "period", "net_weight_kg", "value_usd",
                "value_eur", "usd_per_eur")
# Comext's partner aggregates of trade between member states (EU27_2020 composition).
INTRA_EU_AGGREGATES = frozenset({"EU27_2020_INTRA", "INT_EU27_2020"})
KG_PER_100KG = Decimal(100)
CENT = Decimal("0.01")


class NotComextCsv(ValueError):
    """A whole answer that is not Comext SDMX-CSV (an error page, another format)."""


@dataclass
class Converted:
    """Rows for the tidy CSV and the account of every observation read."""

    rows: list[dict[str, str]] = field(default_factory=list)
    observations: int = 0
    set_aside: dict[str, int] = field(default_factory=dict)  # reason -> observations
    weight_kg_total: Decimal = Decimal(0)  # of the rows written
    value_eur_total: Decimal = Decimal(0)  # of the rows written
    months_without_rate: set[str] = field(default_factory=set)
    rates_used: dict[str, str] = field(default_factory=dict)  # month -> rate as written
    intra_eu_rows: int = 0  # rows whose partner is an EU member state too
    arrived: dict[str, set[str]] = field(default_factory=dict)  # reporter ISO3 -> months

    def aside(self, reason: str, count: int) -> None:
        self.set_aside[reason] = self.set_aside.get(reason, 0) + count


def check_body(body: bytes) -> None:
    """BodyCut when the CSV stops early; NotComextCsv when it is not Comext's CSV."""
    if not body.strip():
        return
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BodyCut(f"the text stops inside a character at byte {error.start:,}") from None
    records = list(csv.reader(io.StringIO(text)))
    missing = [c for c in REQUIRED if c not in records[0]]
    if missing:
        raise NotComextCsv(f"not Comext SDMX-CSV: the header lacks {', '.join(missing)}"
                           f" (it begins {text[:80]!r})")
    width = len(records[0])
    short = next((n for n, r in enumerate(records[1:], start=2) if r and len(r) != width), None)
    if short is not None or not text.endswith("\n"):
        where = f"line {short:,}" if short is not None else f"byte {len(body):,}"
        raise BodyCut(f"the CSV stops early ({where} is incomplete)")


def observations(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8-sig")
    return [r for r in csv.DictReader(io.StringIO(text)) if any(r.values())]


def convert(body: bytes, rate_of: Callable[[str], Decimal | None]) -> Converted:
    """The tidy rows of one Comext answer; rate_of(month) is USD per EUR, or None."""
    out = Converted()
    flows: dict[tuple[str, ...], dict[str, Decimal]] = {}
    for obs in observations(body):
        out.observations += 1
        number = _decimal(obs["OBS_VALUE"])
        if number is None:
            out.aside("observation without a usable number (blank, negative or not a number)", 1)
            continue
        key = (obs["reporter"], obs["partner"], obs["product"], obs["flow"],
               obs["TIME_PERIOD"])
        found = flows.setdefault(key, {})
        if obs["indicators"] in found or obs["indicators"] not in (
                query.WEIGHT_INDICATOR, query.VALUE_INDICATOR):
            out.aside(f"indicator {obs['indicators']!r} repeated or not asked for", 1)
            continue
        found[obs["indicators"]] = number
    for flow_key, figures in flows.items():
        _add_row(out, flow_key, figures, rate_of)
    return out


def _add_row(out: Converted, key: tuple[str, ...], figures: dict[str, Decimal],
             rate_of: Callable[[str], Decimal | None]) -> None:
    reporter_code, partner_code, product, flow_code, month = key
    count = len(figures)
    reporter, partner = _party(reporter_code), _party(partner_code)
    if isinstance(partner, str) or isinstance(reporter, str) or flow_code not in query.FLOWS:
        why = (reporter if isinstance(reporter, str) else partner if isinstance(partner, str)
               else f"flow {flow_code!r} is neither 1 (import) nor 2 (export)")
        out.aside(why, count)
        return
    weight = figures.get(query.WEIGHT_INDICATOR)
    eur = figures.get(query.VALUE_INDICATOR)
    rate = rate_of(month)
    usd = (eur * rate).quantize(CENT) if eur is not None and rate is not None else None
    if eur is not None and rate is None:
        out.months_without_rate.add(month)
    if weight is None and usd is None:
        out.aside("a value in EUR only, and no exchange rate for its month: neither a weight"
                  " nor a USD value to write", count)
        return
    if rate is not None:
        out.rates_used[month] = str(rate)
    kg = weight * KG_PER_100KG if weight is not None else None
    out.weight_kg_total += kg or 0
    out.value_eur_total += eur or 0
    out.intra_eu_rows += partner_code in query.EU27
    out.arrived.setdefault(reporter.code, set()).add(month)
    out.rows.append({
        "reporter": reporter.code, "reporter_name": reporter.name,
        "partner": partner.code, "partner_name": partner.name,
        "eu_trade": eu_trade(reporter_code, partner_code),
        "flow": query.FLOWS[flow_code], "commodity_code": product,
        "commodity_name": "", "period": month,
        "net_weight_kg": plain(kg), "value_usd": plain(usd), "value_eur": plain(eur),
        "usd_per_eur": str(rate) if rate is not None and eur is not None else ""})


def eu_trade(reporter_code: str, partner_code: str) -> str:
    """"intra-EU" or "extra-EU" for a Comext reporter and partner, "" when neither applies.

    Membership is EU27_2020's for every month, as in Comext's own intra- and extra-EU
    aggregates: the UK (GB) is extra-EU even before it left on 2020-02-01, so these rows
    add up to Comext's EU27_2020 totals. World and the "Q" codes (not specified, stores,
    confidential) are "": they are not one side of the line.

    >>> eu_trade("DE", "FR"), eu_trade("DE", "GB"), eu_trade("DE", "WORLD")
    ('intra-EU', 'extra-EU', '')
    """
    if reporter_code not in query.EU27:
        return EuTrade.UNKNOWN.value
    if partner_code in query.EU27 or partner_code in INTRA_EU_AGGREGATES:
        return EuTrade.INTRA.value
    mapped = query.PARTNER_CODES.get(partner_code)
    is_country = ((mapped is not None and not mapped.startswith("_") and mapped != "WLD")
                  or (mapped is None and len(partner_code) == 2 and partner_code.isalpha()))
    return EuTrade.EXTRA.value if is_country else EuTrade.UNKNOWN.value


def _party(code: str) -> countries.Party | str:
    """The party of a Comext reporter or partner code, or why it has none."""
    mapped = query.PARTNER_CODES.get(code)
    try:
        if mapped:
            return countries.from_iso(mapped)
        if len(code) == 2 and code.isalpha():
            return countries.from_iso(code)
    except countries.CountryLookupError:
        pass
    return (f"Comext code {code!r} has no party in the trade frame (an aggregate such as"
            " extra-EU, or a code without ISO 3166 entry)")


def _decimal(text: str | None) -> Decimal | None:
    try:
        number = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def plain(number: Decimal | None) -> str:
    """A decimal as plain digits without trailing zeros: 2375.00 -> "2375", None -> ""."""
    if number is None:
        return ""
    return format(number.normalize(), "f")


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TIDY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
