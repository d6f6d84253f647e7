"""The pandas definition of `mirror.mirror_gap`: one table per side, joined, columns added.

`mirror.mirror_gap` computes the same table on arrays (a kept pair space, only the view's
pairs summed and traced); this module is the readable reference it is tested against
(`tests/test_mirror_fast.py`), exactly, column by column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.mirror import (
    _PAIR,
    _STATUS_ORDER,
    BOTH,
    EXPORTER_ONLY,
    IMF_CIF_FOB_FACTOR,
    IMPORTER_ONLY,
    MIRROR_COLUMNS,
    _notes,
    _prepared_side,
    _Side,
)
from dashboard.analytics.orientation import Direction
from dashboard.ingest.schema import Flow


def mirror_gap_reference(frame: pd.DataFrame, commodity_code: str, period: str,
                         direction: Direction = Direction.IMPORTS,
                         country: str | None = None,
                         counterpart: str | None = None) -> pd.DataFrame:
    """`mirror.mirror_gap`, in pandas steps (see its docstring for the columns)."""
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


def _side(prepared: _Side, side: str, period: str) -> pd.DataFrame:
    """One side's figures per (importer, exporter), counted once; coarse-only pairs marked."""
    totals = prepared.index.totals(period)
    coarse = totals["annual_only"].to_numpy()  # pairs with annual rows only for a quarter
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
