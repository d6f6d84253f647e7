"""What a dataset offers: commodities, periods and countries, for menus and URL checks."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.analytics.period_rows import describe_period, period_bits
from dashboard.ingest.commodities import describe, national_owner, sort_key
from dashboard.ingest.countries import DRAWN_AS
from dashboard.ingest.period_labels import freq_of, month_labels, months_in, quarter_of_month


@dataclass(frozen=True)
class Catalogue:
    commodities: dict[str, str]  # code -> readable label
    periods: tuple[str, ...]  # years, quarters and months the data can answer, oldest first
    countries: dict[str, str]  # ISO3 -> name, every country in the data (and Other Asia, nes)
    latest_month: str | None
    # year -> 12-bit mask (bit 0 January) of the months some row of the data covers; an
    # annual or quarterly row covers its months. Empty: every period counts as whole.
    months_by_year: dict[str, int] = field(default_factory=dict)

    def months_covered(self, label: str) -> tuple[int, int]:
        """(months of `label` the data has rows for, months in `label`).

        >>> catalogue = Catalogue({}, ("2024", "2025", "2025-Q1"), {}, "2025-03",
        ...                       {"2024": 0xFFF, "2025": 0b111})
        >>> catalogue.months_covered("2025"), catalogue.months_covered("2025-Q1")
        ((3, 12), (3, 3))
        >>> catalogue.complete_periods()[-1], catalogue.period_label("2025")
        ('2025-Q1', '2025 (3 of 12 months)')
        """
        total = months_in(label)
        if not self.months_by_year:
            return total, total
        mask = self.months_by_year.get(label[:4], 0) & period_bits(label)
        return bin(mask).count("1"), total

    def is_complete(self, label: str) -> bool:
        covered, total = self.months_covered(label)
        return covered == total

    def complete_periods(self) -> list[str]:
        """Years and quarters every month of which has data, the one ending last last (a year
        after its own Q4); months only when no quarter is complete."""
        def order(label: str) -> tuple[str, int]:
            return month_labels(label)[-1], months_in(label)  # its last month, then size
        whole = [p for p in self.periods if self.is_complete(p)]
        coarse = [p for p in whole if freq_of(p) != "M"]
        return sorted(coarse or whole, key=order)

    def period_label(self, label: str) -> str:
        """Menu words for a period: "Q1 2025"; a period covered in part says how much."""
        covered, total = self.months_covered(label)
        words = describe_period(label)
        return words if covered == total else f"{words} ({covered} of {total} months)"

    def party_on_shape(self, code: str | None) -> str | None:
        """The party a map shape stands for: the country, else an area drawn on it (a click
        on Taiwan focuses Other Asia, nes when the data has no row under Taiwan's code)."""
        if code in self.countries:
            return code
        return next((area for area, shape in DRAWN_AS.items()
                     if shape == code and area in self.countries), None)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Catalogue:
        # The rare-earth family first (by level, then code), every other code after it.
        codes = sorted(frame["commodity_code"].unique(), key=sort_key)
        # Two columns only: a drop_duplicates of the whole frame copies every column.
        names = (frame[["commodity_code", "commodity_name"]].drop_duplicates("commodity_code")
                 .set_index("commodity_code"))
        commodities = {c: describe(c, names.at[c, "commodity_name"]).label for c in codes}
        commodities |= _shared_national_lines(frame, codes)
        return cls(commodities, _periods(frame), _countries(frame), _latest_month(frame),
                   _months_by_year(frame))


def _shared_national_lines(frame: pd.DataFrame, codes: list[str]) -> dict[str, str]:
    """Labels of the national lines named for one country (China's 2846.90.15) that other
    reporters' rows also carry: the digits are each reporter's own goods, so the menu names
    the HS6 they fall under, not China's line."""
    owned = [c for c in codes if national_owner(c)]
    if not owned:
        return {}
    rows = frame.loc[frame["commodity_code"].isin(owned), ["commodity_code", "reporter"]]
    reporters = rows.drop_duplicates().groupby("commodity_code", observed=True)["reporter"]
    return {code: describe(code, "", frozenset(found)).label
            for code, found in reporters.agg(frozenset).items()
            if not found <= {national_owner(code)}}


def _periods(frame: pd.DataFrame) -> tuple[str, ...]:
    # On the distinct labels (hundreds), not on millions of rows.
    distinct = frame[["period", "freq"]].drop_duplicates()
    labels = {p[:4] for p in distinct["period"]}
    monthly = distinct.loc[distinct["freq"] == "M", "period"].tolist()
    labels |= set(monthly)
    labels |= {f"{m[:4]}-Q{quarter_of_month(int(m[5:7]))}" for m in monthly}
    labels |= set(distinct.loc[distinct["freq"] == "Q", "period"])
    return tuple(sorted(labels))


def _countries(frame: pd.DataFrame) -> dict[str, str]:
    # Countries, and the areas drawn as one (Other Asia, nes: Taiwan), can be focused.
    parts = [frame[[side, f"{side}_name", f"{side}_kind"]].drop_duplicates(side)
             .pipe(lambda f, s=side: f[(f[f"{s}_kind"] == "country") | f[s].isin(list(DRAWN_AS))])
             [[side, f"{side}_name"]]
             .set_axis(["iso3", "name"], axis=1) for side in ("reporter", "partner")]
    both = pd.concat(parts).drop_duplicates("iso3").sort_values("name")
    return dict(zip(both["iso3"], both["name"]))


def _latest_month(frame: pd.DataFrame) -> str | None:
    monthly = frame.loc[frame["freq"] == "M", "period"]
    return monthly.max() if len(monthly) else None


def _months_by_year(frame: pd.DataFrame) -> dict[str, int]:
    # On the distinct labels: a year, quarter or month row covers its months.
    masks: dict[str, int] = {}
    for label in frame["period"].drop_duplicates():
        masks[label[:4]] = masks.get(label[:4], 0) | period_bits(label)
    return masks
