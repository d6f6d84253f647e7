"""What a dataset offers: commodities, periods and countries, for menus and URL checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.commodities import describe, sort_key


@dataclass(frozen=True)
class Catalogue:
    commodities: dict[str, str]  # code -> readable label
    periods: tuple[str, ...]  # years, quarters and months the data can answer, oldest first
    countries: dict[str, str]  # ISO3 -> name, every country in the data
    latest_month: str | None

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
    parts = [frame[[side, f"{side}_name", f"{side}_kind"]].drop_duplicates(side)
             .query(f"{side}_kind == 'country'")[[side, f"{side}_name"]]
             .set_axis(["iso3", "name"], axis=1) for side in ("reporter", "partner")]
    both = pd.concat(parts).drop_duplicates("iso3").sort_values("name")
    return dict(zip(both["iso3"], both["name"]))


def _latest_month(frame: pd.DataFrame) -> str | None:
    monthly = frame.loc[frame["freq"] == "M", "period"]
    return monthly.max() if len(monthly) else None
