"""What a dataset offers: commodities, periods and countries, for menus and URL checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.commodities import describe, sort_key
from dashboard.ingest.countries import DRAWN_AS


@dataclass(frozen=True)
class Catalogue:
    commodities: dict[str, str]  # code -> readable label
    periods: tuple[str, ...]  # years, quarters and months the data can answer, oldest first
    countries: dict[str, str]  # ISO3 -> name, every country in the data (and Other Asia, nes)
    latest_month: str | None

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
        return cls(commodities, _periods(frame), _countries(frame), _latest_month(frame))


def _periods(frame: pd.DataFrame) -> tuple[str, ...]:
    # On the distinct labels (hundreds), not on millions of rows.
    distinct = frame[["period", "freq"]].drop_duplicates()
    labels = {p[:4] for p in distinct["period"]}
    monthly = distinct.loc[distinct["freq"] == "M", "period"].tolist()
    labels |= set(monthly)
    labels |= {f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in monthly}
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
