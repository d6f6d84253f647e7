"""Mirror statistics: an importer's reported imports beside its partner's reported exports.

The same shipment is reported twice: by the importer (flow "import", valued CIF, with
freight and insurance) and by the exporter (flow "export", valued FOB). The two rarely
agree: CIF/FOB valuation (the IMF uses a CIF/FOB factor of 1.06), timing (goods shipped
in one month arrive in the next), transit and re-exports, and origin versus consignment.
Some partners never report at all (490 "Other Asia, nes" is not a reporter), so only the
exporter's side exists: such flows are listed with status "exporter only".

Both sides are read from the FULL trade frame (not oriented rows). Re-imports and
re-exports are left out; World and country groups are never paired.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import Direction, partition
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.period_rows import describe_period
from dashboard.ingest.period_labels import freq_of
from dashboard.ingest.schema import Flow

IMF_CIF_FOB_FACTOR = 1.06
CIF_FOB_NOTE = "CIF/FOB: imports are valued CIF, exports FOB; the IMF uses a 1.06 factor."
TIMING_NOTE = ("Timing: goods shipped near the end of a period may be recorded by the"
               " importer in the next one.")
BOTH, EXPORTER_ONLY, IMPORTER_ONLY = "both", "exporter only", "importer only"
MIRROR_COLUMNS = [
    "country", "counterpart", "importer", "importer_name", "importer_kind", "exporter",
    "exporter_name", "exporter_kind", "status", "importer_t", "exporter_t", "gap_t", "gap_pct",
    "importer_value_usd", "exporter_value_usd", "value_gap_pct", "cif_fob_ratio",
    "adjusted_value_gap_pct", "other_side_reports", "note", "importer_row_count",
    "exporter_row_count", "importer_source_rows", "exporter_source_rows"]
_PAIRED_KINDS = ("country", "area_nes")
_UNUSED = {"hs6", "commodity_name", "period_start", "valuation"}
_PAIR = ["importer", "exporter"]
_STATUS_ORDER = {BOTH: 0, EXPORTER_ONLY: 1, IMPORTER_ONLY: 2}


def mirror_gap(frame: pd.DataFrame, commodity_code: str, period: str,
               direction: Direction = Direction.IMPORTS,
               country: str | None = None, counterpart: str | None = None) -> pd.DataFrame:
    """Per (importer, exporter) pair: both sides' tonnes and USD, and the gap between them.

    importer_t / importer_value_usd: what the importer reported importing from the
    exporter (flow "import", CIF); exporter_t / exporter_value_usd: what the exporter
    reported exporting to the importer (flow "export", FOB). gap_t = importer_t -
    exporter_t (t); gap_pct = gap_t / exporter_t (%); value_gap_pct likewise in USD (%);
    cif_fob_ratio = importer_value_usd / exporter_value_usd (about 1.06 expected);
    adjusted_value_gap_pct = the value gap after scaling the FOB side by 1.06 (%).
    status: "both", "exporter only" or "importer only" (gaps are NaN unless "both").
    other_side_reports: for a one-sided flow, whether the silent side reported this
    product with anyone in the period (False: a non-reporter here, e.g. an area such as
    Other Asia, nes, or a country with annual data only when a month is asked); always
    True for "both".

    `direction` names the view's side: IMPORTS makes `country` the importer and
    `counterpart` the exporter, EXPORTS the other way round; `country` (ISO3) keeps only
    that country's pairs. Sorted: "both" first by |gap_t|, then one-sided flows by tonnes.

    >>> frame = pd.DataFrame({"reporter": ["KOR", "CHN", "CHN"],
    ...     "partner": ["CHN", "KOR", "S19"], "reporter_name": ["South Korea", "China", "China"],
    ...     "partner_name": ["China", "South Korea", "Other Asia, nes"],
    ...     "reporter_kind": ["country"] * 3, "partner_kind": ["country", "country", "area_nes"],
    ...     "flow": ["import", "export", "export"], "commodity_code": ["284690"] * 3,
    ...     "period": ["2024"] * 3, "freq": ["A"] * 3, "net_weight_kg": [1200.0, 1000.0, 50.0],
    ...     "value_usd": [10600.0, 10000.0, 500.0], "weight_estimated": [False] * 3,
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> gaps = mirror_gap(frame, "284690", "2024")
    >>> gaps[["importer", "status", "gap_t", "gap_pct", "cif_fob_ratio"]].values.tolist()
    [['KOR', 'both', 0.2, 20.0, 1.06], ['S19', 'exporter only', nan, nan, nan]]
    """
    import_side = _prepared_side(frame, commodity_code, Flow.IMPORT)
    export_side = _prepared_side(frame, commodity_code, Flow.EXPORT)
    imports = _side(import_side, "importer", period)
    exports = _side(export_side, "exporter", period)
    table = imports.join(exports, how="outer").reset_index()
    if table.empty:
        return pd.DataFrame(columns=MIRROR_COLUMNS)
    _add_parties(table, [import_side.parties, export_side.parties], direction)
    _add_gaps(table)
    table = table[table["importer_row_count"] + table["exporter_row_count"] > 0].copy()
    _add_other_side(table)
    if country:
        table = table[table["country"] == country].copy()
    if counterpart:  # the view's partner: the exporter of imports, the importer of exports
        table = table[table["counterpart"] == counterpart].copy()
    table["note"] = _notes(table, period)
    rank = table["gap_t"].abs().fillna(table["importer_t"].fillna(table["exporter_t"]))
    table = table.assign(_status=table["status"].map(_STATUS_ORDER), _rank=rank)
    table = table.sort_values(["_status", "_rank"], ascending=[True, False])
    return table[MIRROR_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class _Side:
    """One flow's paired rows of a commodity, ready for any period (see PeriodIndex)."""

    index: PeriodIndex  # keyed by "importer<TAB>exporter": a tab sorts before any code
    parties: pd.DataFrame  # code, name, kind of every party in these rows
    pairs: pd.MultiIndex  # (importer, exporter) of each of the index's keys, in its order


# The last commodities' sides, per frame: a mirror view reads all pairs of a commodity, and
# a change of period then costs array sums instead of a pandas pass over ~400k rows.
_SIDES: KeptPerFrame[_Side] = KeptPerFrame(kept=4)


def _prepared_side(frame: pd.DataFrame, commodity_code: str, flow: Flow) -> _Side:
    return _SIDES.get(frame, (str(commodity_code), flow.value),
                      lambda: _build_side(frame, commodity_code, flow))


def _build_side(frame: pd.DataFrame, commodity_code: str, flow: Flow) -> _Side:
    rows = partition(frame, flow.value, commodity_code)
    rows = rows[[c for c in rows.columns if c not in _UNUSED]]  # narrower copies below
    rows = rows[rows["reporter_kind"].isin(_PAIRED_KINDS)
                & rows["partner_kind"].isin(_PAIRED_KINDS)]
    importer, exporter = ((rows["reporter"], rows["partner"]) if flow == Flow.IMPORT
                          else (rows["partner"], rows["reporter"]))
    keyed = rows.assign(pair=importer.astype(str) + "\t" + exporter.astype(str))
    parties = pd.concat([
        rows[[f"{side}", f"{side}_name", f"{side}_kind"]].drop_duplicates(side)
        .set_axis(["code", "name", "kind"], axis=1) for side in ("reporter", "partner")])
    index = PeriodIndex(keyed, "pair")
    split = [str(key).split("\t") for key in index.keys]
    pairs = (pd.MultiIndex.from_tuples(split, names=_PAIR) if split
             else pd.MultiIndex.from_arrays([[], []], names=_PAIR))
    return _Side(index, parties, pairs)


def _side(prepared: _Side, side: str, period: str) -> pd.DataFrame:
    """One side's figures per (importer, exporter), counted once; coarse-only pairs marked."""
    totals = prepared.index.totals(period)
    coarse = totals["annual_only"].to_numpy()  # pairs with annual rows only for a quarter
    # the pairs split once per commodity (kept), not per request
    pairs = prepared.pairs[pd.Index(prepared.index.keys).get_indexer(totals.index)]
    out = pd.DataFrame({
        f"{side}_t": totals["net_weight_kg"] / 1000,
        f"{side}_value_usd": totals["value_usd"],
        f"{side}_row_count": totals["row_count"].where(~coarse),
        f"{side}_estimated": totals["estimated"].astype(object).where(~coarse),
        f"{side}_source_rows": totals["source_rows"].astype(object).where(~coarse),
    }).set_axis(pairs)
    out[f"{side}_coarse"] = coarse
    return out.sort_index()


def _add_parties(table: pd.DataFrame, parties: list[pd.DataFrame],
                 direction: Direction) -> None:
    """Names and kinds of both parties, and the view's country / counterpart (in place)."""
    by_code = pd.concat(parties).drop_duplicates("code").set_index("code")
    for side in _PAIR:
        table[f"{side}_name"] = table[side].map(by_code["name"])
        table[f"{side}_kind"] = table[side].map(by_code["kind"])
    own, other = _PAIR if Direction(direction) == Direction.IMPORTS else _PAIR[::-1]
    table["country"], table["counterpart"] = table[own], table[other]


def _add_gaps(table: pd.DataFrame) -> None:
    """Status, tonne and value gaps, the CIF/FOB ratio (in place)."""
    for side in _PAIR:
        table[f"{side}_row_count"] = table[f"{side}_row_count"].fillna(0).astype(int)
        table[f"{side}_source_rows"] = table[f"{side}_source_rows"].fillna("")
        for flag in (f"{side}_coarse", f"{side}_estimated"):
            table[flag] = table[flag].astype("boolean").fillna(False).astype(bool)
    has_imp, has_exp = table["importer_row_count"] > 0, table["exporter_row_count"] > 0
    table["status"] = np.select([has_imp & has_exp, has_exp], [BOTH, EXPORTER_ONLY],
                                default=IMPORTER_ONLY)
    both = table["status"] == BOTH
    exported_t = table["exporter_t"].where(table["exporter_t"] > 0)
    exported_usd = table["exporter_value_usd"].where(table["exporter_value_usd"] > 0)
    table["gap_t"] = (table["importer_t"] - table["exporter_t"]).where(both).round(6)  # 1 g
    table["gap_pct"] = (table["gap_t"] / exported_t * 100).round(6)
    table["cif_fob_ratio"] = (table["importer_value_usd"] / exported_usd).where(both).round(6)
    table["value_gap_pct"] = ((table["cif_fob_ratio"] - 1) * 100).round(6)
    table["adjusted_value_gap_pct"] = (
        (table["cif_fob_ratio"] / IMF_CIF_FOB_FACTOR - 1) * 100).round(6)


def _add_other_side(table: pd.DataFrame) -> None:
    """Whether the silent side of a one-sided flow reports this product at all (in place)."""
    importers = set(table.loc[table["importer_row_count"] > 0, "importer"])
    exporters = set(table.loc[table["exporter_row_count"] > 0, "exporter"])
    table["other_side_reports"] = np.select(
        [table["status"] == EXPORTER_ONLY, table["status"] == IMPORTER_ONLY],
        [table["importer"].isin(importers), table["exporter"].isin(exporters)], default=True)


def _notes(table: pd.DataFrame, period: str) -> list[str]:
    """`_note` of every row (records, not iterrows: a Series per row costs more)."""
    columns = ["status", "importer_name", "exporter_name", "importer_kind", "importer_coarse",
               "exporter_coarse", "other_side_reports", "importer_estimated",
               "exporter_estimated"]
    return [_note(row, period) for row in table[columns].to_dict("records")]


def _note(row: pd.Series | dict, period: str) -> str:
    """Why the two sides may differ, or why only one side is there."""
    when = describe_period(period)
    year = period[:4]
    if row["status"] == BOTH:
        parts = [CIF_FOB_NOTE]
        if freq_of(period) != "A":
            parts.append(TIMING_NOTE)
    elif row["status"] == EXPORTER_ONLY:
        parts = [f"Reported by the exporter only: {row['importer_name']} reported no import"
                 f" from {row['exporter_name']} for {when}."]
        if row["importer_kind"] == "area_nes":
            parts.append(f"{row['importer_name']} is an area, not a reporter.")
        elif row["importer_coarse"]:
            parts.append(f"{row['importer_name']} reported only coarser data for {year}"
                         f" (e.g. the whole year), which cannot be split into {when}.")
        elif not row["other_side_reports"]:
            parts.append(f"{row['importer_name']} reported no imports of this product from"
                         " anyone: no mirror figure exists.")
    else:
        parts = [f"Reported by the importer only: {row['exporter_name']} reported no export"
                 f" to {row['importer_name']} for {when}."]
        if row["exporter_coarse"]:
            parts.append(f"{row['exporter_name']} reported only coarser data for {year}"
                         f" (e.g. the whole year), which cannot be split into {when}.")
        elif not row["other_side_reports"]:
            parts.append(f"{row['exporter_name']} reported no exports of this product to"
                         " anyone: no mirror figure exists.")
    if row["importer_estimated"] or row["exporter_estimated"]:
        parts.append("Includes estimated weights (flagged by the reporter).")
    return " ".join(parts)
