"""One party's rows of a flow and commodity, taken by position instead of by copying.

A view about one country (its suppliers, its World allocation) needs a few thousand rows of
a partition of ~200k. Taking the partition (`orientation.partition`: every column copied)
and then masking it copies the whole partition twice to keep a sliver; here the partition
stays positions in the frame, each row's reporter and partner are kept as numbers, and only
the party's rows are taken. `orient`'s rules (renamed sides, group rows whose members are
not broken out) are applied to those rows alone, which gives the same rows because each rule
works per reporter of a flow and commodity (`consistency.orphan_group_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics import orientation
from dashboard.analytics.consistency import orphan_group_mask
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.orientation import Perspective

_RENAMED_SIDES = ("", "_name", "_kind")


@dataclass(frozen=True)
class PartyNumbers:
    """A partition's rows as positions, with each row's reporter and partner as numbers."""

    positions: np.ndarray  # in the frame, ascending
    reporter: np.ndarray  # per row, its number in `reporters`
    partner: np.ndarray
    reporters: dict[str, int]  # code -> number
    partners: dict[str, int]

    def rows_of(self, side: str, code: str) -> np.ndarray:
        """Frame positions of the rows whose `side` ("reporter"/"partner") is `code`."""
        number = getattr(self, f"{side}s").get(code)
        if number is None:
            return np.empty(0, dtype=np.int64)
        return self.positions[getattr(self, side) == number]


# Per (flow, commodity): two small integer arrays, what every party's rows are found from.
_NUMBERS: KeptPerFrame[PartyNumbers] = KeptPerFrame(kept=8)


def party_numbers(frame: pd.DataFrame, flow: str, commodity_code: str) -> PartyNumbers:
    """The partition's `PartyNumbers`, kept per frame."""
    def build() -> PartyNumbers:
        positions = orientation.partition_positions(frame, flow, commodity_code)
        numbered = [pd.factorize(frame[side].take(positions)) for side in ("reporter", "partner")]
        (reporter, reporters), (partner, partners) = numbered
        return PartyNumbers(positions, reporter, partner,
                            {str(code): n for n, code in enumerate(reporters)},
                            {str(code): n for n, code in enumerate(partners)})

    return _NUMBERS.get(frame, (str(flow), str(commodity_code)), build)


def oriented_party_rows(frame: pd.DataFrame, flow: str, commodity_code: str,
                        perspective: Perspective, country: str) -> pd.DataFrame:
    """`orientation.orient`'s rows whose `country` is `country`, with every real partner and
    `country` a real party: `with_counterpart(selected_rows(...), None)` of one country."""
    numbers = party_numbers(frame, flow, commodity_code)
    own, other = (("reporter", "partner") if perspective == Perspective.REPORTER
                  else ("partner", "reporter"))
    positions = numbers.rows_of(own, country)
    rows = frame.take(positions)
    orphan = _orphan_groups(frame, numbers, positions, rows)
    renamed = {f"{own}{s}": f"country{s}" for s in _RENAMED_SIDES}
    renamed |= {f"{other}{s}": f"counterpart{s}" for s in _RENAMED_SIDES}
    rows = rows.rename(columns=renamed).assign(orphan_group=orphan)
    real = (orientation.real_parties(rows, "counterpart")
            & orientation.real_parties(rows, "country"))
    return rows[real.to_numpy()]


def _orphan_groups(frame: pd.DataFrame, numbers: PartyNumbers, positions: np.ndarray,
                   rows: pd.DataFrame) -> np.ndarray:
    """`orphan_group_mask` of the partition at `positions`: computed on the rows of the
    reporters with a group partner among them (the mask is per reporter), False elsewhere."""
    grouped = (rows["partner_kind"] == "group").to_numpy()
    if not grouped.any():
        return np.zeros(len(rows), dtype=bool)
    wanted = [numbers.reporters[str(code)] for code in rows["reporter"][grouped].unique()]
    around = numbers.positions[np.isin(numbers.reporter, wanted)]  # ascending, as the frame's
    mask = orphan_group_mask(frame.take(around)).to_numpy()
    return mask[np.searchsorted(around, positions)]
