"""What a dataset offers: commodities, periods and countries, for menus and URL checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.commodities import describe


@dataclass(frozen=True)
class Catalogue:
    commodities: dict[str, str]  # code -> readable label
    periods: tuple[str, ...]  # years, quarters and months the data can answer, oldest first
    countries: dict[str, str]  # ISO3 -> name, every country in the data
    latest_month: str | None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Catalogue:
        codes = sorted(frame["commodity_code"].unique(), key=lambda c: (len(c), c))
        names = frame.drop_duplicates("commodity_code").set_index("commodity_code")
        commodities = {c: describe(c, names.at[c, "commodity_name"]).label for c in codes}
        return cls(commodities, _periods(frame), _countries(frame), _latest_month(frame))


def _periods(frame: pd.DataFrame) -> tuple[str, ...]:
    labels = set(frame["period"].str.slice(0, 4))
    monthly = frame.loc[frame["freq"] == "M", "period"].unique()
    labels |= set(monthly)
    labels |= {f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}" for m in monthly}
    labels |= set(frame.loc[frame["freq"] == "Q", "period"].unique())
    return tuple(sorted(labels))


def _countries(frame: pd.DataFrame) -> dict[str, str]:
    parts = [frame.loc[frame[f"{side}_kind"] == "country", [side, f"{side}_name"]]
             .set_axis(["iso3", "name"], axis=1) for side in ("reporter", "partner")]
    both = pd.concat(parts).drop_duplicates("iso3").sort_values("name")
    return dict(zip(both["iso3"], both["name"]))


def _latest_month(frame: pd.DataFrame) -> str | None:
    monthly = frame.loc[frame["freq"] == "M", "period"]
    return monthly.max() if len(monthly) else None
