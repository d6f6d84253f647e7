"""The trade frame: the one contract readers produce and everything else consumes.

One row is one reported trade flow: a reporter told its customs statistics that it
imported (or exported) a commodity from (or to) a partner in a period.

Columns (all present in every frame, in this order):

    reporter, partner          ISO3 code for a country, or an aggregate code (see kinds)
    reporter_name, partner_name readable English name
    reporter_kind, partner_kind "country" or an aggregate kind: "world", "group",
                               "area_nes", "special"; only "country" is ever drawn on a map
    eu_trade                   "intra-EU" or "extra-EU" when the source says (Comext), else ""
    flow                       "import" | "export" | "re-import" | "re-export"
    commodity_code             HS6 ("284690") or a national 8-10 digit line ("28469015")
    hs6                        the HS6 parent of commodity_code
    commodity_name             readable product name
    period                     canonical label: "2025" (year), "2025-Q1", "2025-03"
    freq                       "A" (year), "Q" (quarter) or "M" (month)
    period_start               first day of the period (datetime64)
    net_weight_kg              net weight in kilograms (NaN when not reported)
    value_usd                  trade value in US dollars (NaN when not reported)
    value_eur                  trade value in euros as reported (NaN unless the source is in EUR)
    usd_per_eur                the exchange rate value_usd was converted at, US dollars per
                               euro (NaN when there was no conversion)
    valuation                  "CIF" (imports) or "FOB" (exports)
    weight_estimated           True when the source flags the weight as estimated
    source_file                file the row was read from (a Categorical: see LABEL_COLUMNS)
    source_line                1-based line number in that file (header is line 1)

Columns with a handful of distinct values repeated on every row are Categoricals
(LABEL_COLUMNS): their categories are the distinct values present, sorted and held as
"string", so sorting or `pd.factorize(sort=True)` orders them as it would the plain strings.
`concat` joins frames without losing that; a plain `pd.concat` of frames from different files
would turn them back into strings (~90 bytes a row for a file path: 148 MB at 1.7M rows).

eu_trade, value_eur and usd_per_eur are optional: only some sources give them, and `conform`
fills them (blank, NaN) in a frame that lacks them.

A row reported by the importer (flow "import") and the same flow reported by the exporter
(flow "export", reporter and partner swapped) are both kept: they are the two sides of a
mirror comparison, never added together.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd


class Flow(StrEnum):
    IMPORT = "import"
    EXPORT = "export"
    RE_IMPORT = "re-import"
    RE_EXPORT = "re-export"


class PartyKind(StrEnum):
    COUNTRY = "country"
    WORLD = "world"
    GROUP = "group"  # e.g. European Union
    AREA_NES = "area_nes"  # "not elsewhere specified", e.g. Other Asia, nes
    SPECIAL = "special"  # bunkers, free zones, special categories


# Parties whose rows are real trade: World and groups sum other rows, so never count them.
REAL_PARTY_KINDS = (PartyKind.COUNTRY.value, PartyKind.AREA_NES.value, PartyKind.SPECIAL.value)


class EuTrade(StrEnum):
    """Whether a flow stays inside the EU, in Comext's sense: the EU27_2020 composition (the
    27 member states since 2020-02-01) for every period, so the United Kingdom is extra-EU
    throughout and a series never changes kind at a membership date."""

    INTRA = "intra-EU"
    EXTRA = "extra-EU"
    UNKNOWN = ""  # the source does not say: every layout but the tidy one


class Freq(StrEnum):
    ANNUAL = "A"
    QUARTERLY = "Q"
    MONTHLY = "M"


class Valuation(StrEnum):
    CIF = "CIF"
    FOB = "FOB"


COLUMNS: dict[str, str] = {
    "reporter": "string",
    "reporter_name": "string",
    "reporter_kind": "string",
    "partner": "string",
    "partner_name": "string",
    "partner_kind": "string",
    "eu_trade": "string",
    "flow": "string",
    "commodity_code": "string",
    "hs6": "string",
    "commodity_name": "string",
    "period": "string",
    "freq": "string",
    "period_start": "datetime64[s]",
    "net_weight_kg": "float64",
    "value_usd": "float64",
    # float64 like the other figures: a rate as the ECB writes it (1.576969565217391) needs
    # 16 digits for value_eur x usd_per_eur to give value_usd back to the cent.
    "value_eur": "float64",
    "usd_per_eur": "float64",
    "valuation": "string",
    "weight_estimated": "bool",
    "source_file": "category",
    "source_line": "int64",
}

# Held as Categoricals of "string" categories, sorted: the dtypes above say "category".
LABEL_COLUMNS = tuple(name for name, dtype in COLUMNS.items() if dtype == "category")
# The dtype "string" names (not "str", which a Parquet read gives and which == "string" too).
LABEL_CATEGORIES_DTYPE = pd.StringDtype(na_value=pd.NA)

# Columns only some sources give, and what a frame without them holds.
OPTIONAL_COLUMNS: dict[str, object] = {
    "eu_trade": EuTrade.UNKNOWN.value, "value_eur": float("nan"), "usd_per_eur": float("nan")}

# One reported figure per key: a second row with the same key is a duplicate.
KEY_COLUMNS = ["reporter", "partner", "flow", "commodity_code", "period", "source_file"]

VALUES = {
    "flow": {f.value for f in Flow},
    "reporter_kind": {k.value for k in PartyKind},
    "partner_kind": {k.value for k in PartyKind},
    "freq": {f.value for f in Freq},
    "valuation": {v.value for v in Valuation},
    "eu_trade": {e.value for e in EuTrade},
}


def empty_frame() -> pd.DataFrame:
    """A trade frame with no rows and the right column types."""
    return conform(pd.DataFrame({name: [] for name in COLUMNS}))


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Order and type the columns of a frame that holds all of COLUMNS (the optional ones
    are filled when absent)."""
    absent = {name: value for name, value in OPTIONAL_COLUMNS.items()
              if name not in frame.columns}
    if absent:
        frame = frame.assign(**absent)
    missing = [name for name in COLUMNS if name not in frame.columns]
    if missing:
        raise ValueError(f"trade frame lacks columns: {', '.join(missing)}")
    out = frame.loc[:, list(COLUMNS)].astype(COLUMNS)
    for name in LABEL_COLUMNS:
        out[name] = sorted_labels(out[name])
    return out.reset_index(drop=True)


def sorted_labels(values: pd.Series) -> pd.Series:
    """values as a Categorical of "string" categories, sorted (kept if already so; unused
    categories stay: a file whose rows were all duplicates is still a file that was read)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype(LABEL_CATEGORIES_DTYPE).astype("category")
    categories = values.cat.categories
    if categories.dtype == LABEL_CATEGORIES_DTYPE and categories.is_monotonic_increasing:
        return values
    wanted = pd.Index(categories.astype(LABEL_CATEGORIES_DTYPE)).sort_values()
    return values.cat.set_categories(wanted)


def one_label(value: str, rows: int) -> pd.Categorical:
    """A label column of `rows` rows all holding value, its one category (even at 0 rows, so
    the chunks of one file share their dtype and join without a recode)."""
    categories = pd.Index([value], dtype=LABEL_CATEGORIES_DTYPE)
    return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=categories)


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Trade frames joined, one after another (a new index), label columns staying
    Categoricals: each frame's categories are widened to the union first (a cheap recode of
    small integer codes), since `pd.concat` of differing categories gives back strings."""
    if not frames:
        return empty_frame()
    return pd.concat(share_labels(frames), ignore_index=True)


def share_labels(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """The frames with the same categories in each label column: their union, sorted."""
    shared = {}
    for name in LABEL_COLUMNS:
        names = pd.Index([], dtype=LABEL_CATEGORIES_DTYPE).append(
            [pd.Index(f[name].cat.categories, dtype=LABEL_CATEGORIES_DTYPE) for f in frames])
        shared[name] = pd.CategoricalDtype(names.unique().sort_values())
    return [f.astype(shared) for f in frames]


def check(frame: pd.DataFrame) -> None:
    """Raise ValueError when a frame breaks the contract (columns, types, value sets)."""
    if list(frame.columns) != list(COLUMNS):
        raise ValueError(f"columns differ from the trade frame: {list(frame.columns)}")
    for name, dtype in COLUMNS.items():
        if str(frame[name].dtype) != dtype:
            raise ValueError(f"column {name} has dtype {frame[name].dtype}, expected {dtype}")
    for name in LABEL_COLUMNS:
        categories = frame[name].cat.categories
        if categories.dtype != LABEL_CATEGORIES_DTYPE or not (
                categories.is_monotonic_increasing and categories.is_unique):
            raise ValueError(f"column {name} has categories that are not sorted distinct"
                             f" string values: {list(categories[:5])}")
    for name, allowed in VALUES.items():
        bad = set(frame[name].dropna().unique()) - allowed
        if bad:
            raise ValueError(f"column {name} holds values outside {sorted(allowed)}: {sorted(bad)}")
    if any((frame[name] < 0).any() for name in ("net_weight_kg", "value_usd", "value_eur",
                                                  "usd_per_eur")):
        raise ValueError("negative quantities in a trade frame")
