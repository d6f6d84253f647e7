"""The ECB's monthly average US dollar per euro rate (EXR M.USD.EUR.SP00.A), read from the
ECB's SDMX-ML, to convert Comext's euros to US dollars month by month.

Eurostat's ert_bil_eur_m republishes the same ECB reference rates. A month the answer does
not hold has no rate: its dollar values stay empty, never filled from another month.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from dashboard.fetch.client import BodyCut, HttpClient
from dashboard.fetch.errors import Failure, FetchError

DEFAULT_URL = "https://data-api.ecb.europa.eu/service/data/EXR/M.USD.EUR.SP00.A"
SERIES = "EXR M.USD.EUR.SP00.A"
SOURCE = ("European Central Bank, euro foreign exchange reference rates, US dollar per euro,"
          f" monthly average ({SERIES}; republished by Eurostat as ert_bil_eur_m)")
ACCEPT = "application/vnd.sdmx.genericdata+xml;version=2.1, application/xml;q=0.9"


@dataclass(frozen=True)
class Rates:
    """USD per EUR by month ("2024-01" -> Decimal), as the ECB wrote them, and where from."""

    by_month: dict[str, Decimal] = field(default_factory=dict)
    url: str = ""
    note: str = ""  # why there are no rates at all, when the service had none

    def rate(self, month: str) -> Decimal | None:
        return self.by_month.get(month)


def parse(body: bytes) -> dict[str, Decimal]:
    """Month -> rate from SDMX-ML 2.1 data, generic (ObsDimension/ObsValue elements) or
    structure-specific (TIME_PERIOD/OBS_VALUE attributes). An observation without a number
    ("NaN", blank) is no rate. Raises ValueError for a body that is not such XML.

    >>> parse(b'<m:D xmlns:m="x"><Obs TIME_PERIOD="2019-12" OBS_VALUE="1.1113"/></m:D>')
    {'2019-12': Decimal('1.1113')}
    """
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise ValueError(f"not XML ({error})") from None
    found: dict[str, Decimal] = {}
    for obs in root.iter():
        if _local(obs.tag) != "Obs":
            continue
        period, value = obs.get("TIME_PERIOD"), obs.get("OBS_VALUE")
        for child in obs:
            if _local(child.tag) == "ObsDimension":
                period = child.get("value")
            elif _local(child.tag) == "ObsValue":
                value = child.get("value")
        number = _positive(value)
        if period and number is not None:
            found[period] = number
    return found


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _positive(text: str | None) -> Decimal | None:
    try:
        number = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None


def _check(body: bytes) -> None:
    try:
        ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise BodyCut(f"the XML stops early or is not XML ({error}) at byte {len(body):,}"
                      ) from None


def fetch(client: HttpClient, url: str, first_month: str, last_month: str) -> Rates:
    """The rates for first_month..last_month. A 404 is the ECB's "no results": no rates,
    said in `note`; any other failure stops the run like a Comext failure does."""
    params = {"startPeriod": first_month, "endPeriod": last_month}
    try:
        body, _ = client.get_read(url, params, _check, {"Accept": ACCEPT})
    except FetchError as error:
        if error.failure.reason is Failure.SERVICE_ERROR and "HTTP 404" in error.failure.message:
            return Rates({}, url, f"the ECB had no rates for {first_month}..{last_month}"
                                  f" ({error.failure.message})")
        raise
    return Rates(parse(body), url)
