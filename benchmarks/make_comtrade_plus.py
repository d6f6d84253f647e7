"""Write a large synthetic file in the UN Comtrade Plus layout, for benchmarks only.

Rows: reporters x partners x commodities x months, each total row followed by two
breakdown rows (customs procedure C01 and transport mode 2100), plus World rows, as
real downloads have. Usage: python benchmarks/make_comtrade_plus.py ROWS OUT.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from factories import PLUS_COLUMNS

REPORTERS = [36, 40, 56, 76, 124, 156, 203, 208, 246, 251, 276, 344, 348, 360, 376, 380, 392,
             410, 458, 484, 490, 528, 554, 579, 608, 616, 620, 643, 682, 699, 702, 704, 710,
             724, 752, 757, 764, 784, 792, 826, 842]
COMMODITIES = ["280530", "284610", "284690", "850511", "28469011", "28469013", "28469015",
               "28469016"]


def make(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    totals = rows // 3 + 1
    reporter = rng.choice(REPORTERS, totals)
    partner = rng.choice([*REPORTERS, 0], totals)
    year = rng.integers(2016, 2026, totals)
    month = rng.integers(1, 13, totals)
    weight = np.round(rng.lognormal(8, 2, totals), 1)
    frame = pd.DataFrame({
        "typeCode": "C", "freqCode": "M", "refYear": year, "refMonth": month,
        "reporterCode": reporter, "flowCode": rng.choice(["M", "X"], totals),
        "partnerCode": partner, "partner2Code": 0, "classificationCode": "H6",
        "cmdCode": rng.choice(COMMODITIES, totals), "customsCode": "C00", "motCode": 0,
        "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "netWgt": weight, "qty": weight,
        "isNetWgtEstimated": rng.random(totals) < 0.05,
        "primaryValue": np.round(weight * rng.uniform(5, 500, totals), 0),
    })
    frame["period"] = frame["refYear"] * 100 + frame["refMonth"]
    frame["refPeriodId"] = frame["period"] * 100 + 1
    customs = frame.assign(customsCode="C01", netWgt=frame["netWgt"] / 2)
    transport = frame.assign(motCode=2100, netWgt=frame["netWgt"] / 2)
    out = pd.concat([frame, customs, transport]).sort_index(kind="stable").head(rows)
    return out.reindex(columns=PLUS_COLUMNS)


if __name__ == "__main__":
    count, target = int(sys.argv[1]), Path(sys.argv[2])
    make(count).to_csv(target, index=False, lineterminator="\n")
    print(f"wrote {count:,} rows to {target} ({target.stat().st_size / 1e6:.0f} MB)")
