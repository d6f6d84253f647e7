"""Mirror statistics: an importer's reported imports beside its partner's reported exports.

The same shipment is reported twice: by the importer (flow "import", valued CIF, with
freight and insurance) and by the exporter (flow "export", valued FOB). The two rarely
agree: CIF/FOB valuation (the IMF uses a CIF/FOB factor of 1.06), timing (goods shipped
in one month arrive in the next), transit and re-exports, and origin versus consignment.
Some partners never report at all (490 "Other Asia, nes" is not a reporter), so only the
exporter's side exists: such flows are listed with status "exporter only".

Both sides are read from the FULL trade frame (not oriented rows). Re-imports and
re-exports are left out; World and country groups are never paired.

`mirror_gap` works on arrays: each commodity's two sides and the sorted list of their pairs
are kept per frame, and a view sums and traces only its own pairs. The pandas steps it
follows are `mirror_reference.mirror_gap_reference`, tested equal to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import Direction, partition_positions
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
# What a side reads: both parties, and what `PeriodIndex` sums and traces.
_SIDE_COLUMNS = ["reporter", "reporter_name", "reporter_kind", "partner", "partner_name",
                 "partner_kind", "flow", "commodity_code", "period", "freq", "net_weight_kg",
                 "value_usd", "weight_estimated", "source_file", "source_line", "value_eur",
                 "usd_per_eur"]
_PAIR = ["importer", "exporter"]
_STATUS_ORDER = {BOTH: 0, EXPORTER_ONLY: 1, IMPORTER_ONLY: 2}
_DTYPES = {**dict.fromkeys(["country", "counterpart", "importer", "exporter", "status",
                            ], "str"),
           "importer_source_rows": object, "exporter_source_rows": object}
_MISSING = {"f": np.nan, "b": False, "O": ""}  # by numpy dtype kind


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
    space = _pair_space(frame, commodity_code)
    imports, exports = (_reported(space, side, period) for side in (0, 1))
    if not (imports.listed | exports.listed).any():
        return pd.DataFrame(columns=MIRROR_COLUMNS)
    own, other = ((space.importer, space.exporter) if Direction(direction) == Direction.IMPORTS
                  else (space.exporter, space.importer))
    chosen = imports.row_count + exports.row_count > 0
    for party, code in ((own, country), (other, counterpart)):
        if code:  # counterpart: the exporter of imports, the importer of exports
            chosen &= party == space.number.get(code, -1)
    pairs = np.flatnonzero(chosen)
    columns = {"importer_number": space.importer[pairs],
               "exporter_number": space.exporter[pairs],
               **_figures(imports, "importer", chosen, pairs),
               **_figures(exports, "exporter", chosen, pairs)}
    columns.update(_gaps(columns))
    columns["other_side_reports"] = _other_side_reports(space, imports, exports, pairs,
                                                        columns["status"])
    return _table(columns, space, own[pairs], other[pairs], period)


@dataclass(frozen=True)
class _Side:
    """One flow's paired rows of a commodity, ready for any period (see PeriodIndex)."""

    index: PeriodIndex  # keyed by "importer<TAB>exporter": a tab sorts before any code
    parties: pd.DataFrame  # code, name, kind of every party in these rows
    pairs: pd.MultiIndex  # (importer, exporter) of each key, in its order (the reference's)


# The last commodities' sides, per frame: a mirror view reads all pairs of a commodity, and
# a change of period then costs array sums instead of a pandas pass over ~400k rows.
_SIDES: KeptPerFrame[_Side] = KeptPerFrame(kept=4)


def _prepared_side(frame: pd.DataFrame, commodity_code: str, flow: Flow) -> _Side:
    return _SIDES.get(frame, (str(commodity_code), flow.value),
                      lambda: _build_side(frame, commodity_code, flow))


def _build_side(frame: pd.DataFrame, commodity_code: str, flow: Flow) -> _Side:
    # The paired rows' used columns only, taken once by position: taking the partition
    # (every column) and masking it copied ~200k rows twice (~150 MB held at 5M rows).
    positions = partition_positions(frame, flow.value, commodity_code)
    kinds = frame[["reporter_kind", "partner_kind"]].take(positions)
    paired = (kinds["reporter_kind"].isin(_PAIRED_KINDS)
              & kinds["partner_kind"].isin(_PAIRED_KINDS)).to_numpy(dtype=bool)
    rows = frame[[c for c in _SIDE_COLUMNS if c in frame.columns]].take(positions[paired])
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


@dataclass(frozen=True)
class _PairSpace:
    """A commodity's two sides over one sorted list of (importer, exporter) pairs."""

    sides: tuple[_Side, _Side]  # import rows, export rows
    slots: tuple[np.ndarray, np.ndarray]  # per side, each key's position among the pairs
    importer: np.ndarray  # per pair, its importer's number in `codes`
    exporter: np.ndarray
    codes: np.ndarray  # ISO3 of every party, sorted
    names: pd.api.extensions.ExtensionArray  # per party, as `Side.parties` names it
    kinds: pd.api.extensions.ExtensionArray
    number: dict[str, int]  # code -> its number


_SPACES: KeptPerFrame[_PairSpace] = KeptPerFrame(kept=2)


def _pair_space(frame: pd.DataFrame, commodity_code: str) -> _PairSpace:
    return _SPACES.get(frame, str(commodity_code),
                       lambda: _build_space(frame, commodity_code))


def _build_space(frame: pd.DataFrame, commodity_code: str) -> _PairSpace:
    sides = (_prepared_side(frame, commodity_code, Flow.IMPORT),
             _prepared_side(frame, commodity_code, Flow.EXPORT))
    # "importer<TAB>exporter" keys sort as the pairs do: a tab sorts before any code
    keys = np.union1d(sides[0].index.keys, sides[1].index.keys).astype(object)
    split = [str(key).split("\t") for key in keys]
    importers = np.array([pair[0] for pair in split], dtype=object)
    exporters = np.array([pair[1] for pair in split], dtype=object)
    codes = np.unique(np.r_[importers, exporters]).astype(object)
    by_code = pd.concat([side.parties for side in sides]).drop_duplicates("code")
    by_code = by_code.set_index("code")
    listed = pd.Series(codes, dtype="str")
    return _PairSpace(
        sides, (np.searchsorted(keys, sides[0].index.keys),
                np.searchsorted(keys, sides[1].index.keys)),
        np.searchsorted(codes, importers), np.searchsorted(codes, exporters), codes,
        listed.map(by_code["name"]).array, listed.map(by_code["kind"]).array,
        {code: number for number, code in enumerate(codes)})


@dataclass(frozen=True)
class _Reported:
    """One side's rows in a period, and per pair of the space what they count."""

    side: _Side
    slots: np.ndarray
    used: np.ndarray  # the side's index rows that make up the period
    row_count: np.ndarray  # per pair
    listed: np.ndarray  # per pair: rows, or only coarser rows (`PeriodIndex.totals`' keys)
    coarse: np.ndarray  # per pair: only coarser rows (annual rows for a month)


def _reported(space: _PairSpace, which: int, period: str) -> _Reported:
    side, slots = space.sides[which], space.slots[which]
    index = side.index
    used, coarse = index.masks(period)
    count = np.bincount(index.group[used], minlength=len(index.keys))
    only_coarse = (count == 0) & (np.bincount(index.group[coarse],
                                              minlength=len(index.keys)) > 0)
    per_pair = [np.zeros(len(space.importer), dtype=dtype) for dtype in (np.int64, bool, bool)]
    for column, values in zip(per_pair, (count, (count > 0) | only_coarse, only_coarse),
                              strict=True):
        column[slots] = values
    return _Reported(side, slots, used, *per_pair)


def _figures(reported: _Reported, name: str, chosen: np.ndarray,
             pairs: np.ndarray) -> dict[str, np.ndarray]:
    """The side's tonnes, USD, rows, flags and source rows of the chosen pairs."""
    index, used = reported.side.index, reported.used
    group, keys = index.group[used], len(index.keys)
    traced = used & chosen[reported.slots][index.group]  # only the shown pairs' traces
    per_key = {f"{name}_t": _sums(group, index.weight[used], keys) / 1000,
               f"{name}_value_usd": _sums(group, index.value[used], keys),
               f"{name}_estimated": np.bincount(group, weights=index.estimated[used],
                                                minlength=keys) > 0,
               f"{name}_source_rows": index.traces_by_key(traced)}
    out = {}
    for column, values in per_key.items():  # a pair without rows here: NaN, False or ""
        spread = np.full(len(chosen), _MISSING[values.dtype.kind], dtype=values.dtype)
        spread[reported.slots] = values
        out[column] = spread[pairs]
    out[f"{name}_row_count"] = reported.row_count[pairs]
    out[f"{name}_coarse"] = reported.coarse[pairs]
    return out


def _sums(group: np.ndarray, values: np.ndarray, keys: int) -> np.ndarray:
    """Per key sum of the known values; NaN where a key has none (`PeriodIndex.totals`)."""
    known = ~np.isnan(values)
    sums = np.bincount(group[known], weights=values[known], minlength=keys)
    return np.where(np.bincount(group[known], minlength=keys) > 0, sums, np.nan)


def _gaps(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Status, tonne and value gaps (1 g, 1e-6 %), the CIF/FOB ratio, as arrays."""
    imported_t, exported = columns["importer_t"], columns["exporter_t"]
    has_imp, has_exp = columns["importer_row_count"] > 0, columns["exporter_row_count"] > 0
    status = np.select([has_imp & has_exp, has_exp], [BOTH, EXPORTER_ONLY],
                       default=IMPORTER_ONLY)
    both = has_imp & has_exp
    usd = columns["exporter_value_usd"]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap_t = np.round(np.where(both, imported_t - exported, np.nan), 6)
        gap_pct = np.round(gap_t / np.where(exported > 0, exported, np.nan) * 100, 6)
        ratio = np.round(np.where(both, columns["importer_value_usd"]
                                  / np.where(usd > 0, usd, np.nan), np.nan), 6)
    return {"status": status, "gap_t": gap_t, "gap_pct": gap_pct, "cif_fob_ratio": ratio,
            "value_gap_pct": np.round((ratio - 1) * 100, 6),
            "adjusted_value_gap_pct": np.round((ratio / IMF_CIF_FOB_FACTOR - 1) * 100, 6)}


def _other_side_reports(space: _PairSpace, imports: _Reported, exports: _Reported,
                        pairs: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Whether the silent side of a one-sided flow reports this product with anyone."""
    importing = np.zeros(len(space.codes), dtype=bool)
    importing[space.importer[imports.row_count > 0]] = True
    exporting = np.zeros(len(space.codes), dtype=bool)
    exporting[space.exporter[exports.row_count > 0]] = True
    return np.select([status == EXPORTER_ONLY, status == IMPORTER_ONLY],
                     [importing[space.importer[pairs]], exporting[space.exporter[pairs]]],
                     default=True)


def _table(columns: dict[str, np.ndarray], space: _PairSpace, own: np.ndarray,
           other: np.ndarray, period: str) -> pd.DataFrame:
    """The table, sorted: "both" first by |gap_t|, then one-sided flows by tonnes."""
    gap = np.abs(columns["gap_t"])
    rank = np.where(np.isnan(gap), np.where(np.isnan(columns["importer_t"]),
                                            columns["exporter_t"], columns["importer_t"]), gap)
    status = np.array([_STATUS_ORDER[s] for s in columns["status"].tolist()], dtype=np.int64)
    order = np.lexsort((-rank, status))  # stable: equal ranks keep the pairs' order
    out = {name: values[order] for name, values in columns.items()}
    for side in _PAIR:
        party = out.pop(f"{side}_number")
        out[side] = space.codes[party]
        out[f"{side}_name"] = space.names.take(party)
        out[f"{side}_kind"] = space.kinds.take(party)
    out["country"], out["counterpart"] = space.codes[own[order]], space.codes[other[order]]
    notes = _notes(out, period)  # no notes: a float column, as pandas makes of []
    out["note"] = pd.Series(notes, dtype="str" if notes else np.float64)
    # The reference's dtypes, also for an empty table (its traces stay objects).
    for name, dtype in _DTYPES.items():
        out[name] = pd.Series(out[name], dtype=dtype)
    return pd.DataFrame({name: out[name] for name in MIRROR_COLUMNS})


def _notes(table: pd.DataFrame | dict, period: str) -> list[str]:
    """`_note` of every row of a table or of columns (zipped: a Series per row costs more)."""
    names = ["status", "importer_name", "exporter_name", "importer_kind", "importer_coarse",
             "exporter_coarse", "other_side_reports", "importer_estimated",
             "exporter_estimated"]
    return [_note(dict(zip(names, row, strict=True)), period)
            for row in zip(*(table[name] for name in names), strict=True)]


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
