"""Write a large, realistic, duplicate-free file in the UN Comtrade Plus layout (benchmarks only).

The file is a full grid: every reporter x every partner x every rare-earth line x both flows
x every month of 2019-01 .. 2025-12. Like a real download, each total row (customs
procedure C00, transport mode 0) is followed by two breakdown rows (procedure C01 and
transport mode 2100) that the readers set aside, and each reporter, flow, line and month
has one World (partner 0) total row. China also reports its national 8-digit lines.

The grid grows by its number of countries (the reporters are also the partners) until it
holds the requested rows, then stops at exactly that many rows, so the last reporter may be
cut short. Rows are streamed to disk one reporter and flow at a time: 5 million rows never
sit in memory. Same rows and seed, same bytes. A name ending in .gz is gzipped. With
--parts N the rows go to N files (OUT_part1.csv, ...), each starting a new reporter or flow.

    python benchmarks/make_comtrade_plus.py ROWS OUT.csv [--seed 7] [--parts N]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from factories import PLUS_COLUMNS

MONTHS = [(y, m) for y in range(2019, 2026) for m in range(1, 13)]
# Comtrade code -> (Comtrade Plus ISO, Comtrade label), China first, then roughly by size as
# rare-earth traders, so a small grid still holds the main flows.
COUNTRIES = {
    156: ("CHN", "China"), 392: ("JPN", "Japan"), 410: ("KOR", "Rep. of Korea"),
    842: ("USA", "USA"), 276: ("DEU", "Germany"), 608: ("PHL", "Philippines"),
    704: ("VNM", "Viet Nam"), 699: ("IND", "India"), 528: ("NLD", "Netherlands"),
    251: ("FRA", "France"), 458: ("MYS", "Malaysia"), 764: ("THA", "Thailand"),
    380: ("ITA", "Italy"), 826: ("GBR", "United Kingdom"), 233: ("EST", "Estonia"),
    344: ("HKG", "China, Hong Kong SAR"), 56: ("BEL", "Belgium"), 40: ("AUT", "Austria"),
    724: ("ESP", "Spain"), 616: ("POL", "Poland"), 792: ("TUR", "Türkiye"),
    36: ("AUS", "Australia"), 104: ("MMR", "Myanmar"), 643: ("RUS", "Russian Federation"),
    124: ("CAN", "Canada"), 484: ("MEX", "Mexico"), 76: ("BRA", "Brazil"),
    203: ("CZE", "Czechia"), 752: ("SWE", "Sweden"), 702: ("SGP", "Singapore"),
    246: ("FIN", "Finland"), 360: ("IDN", "Indonesia"), 757: ("CHE", "Switzerland"),
    418: ("LAO", "Lao People's Dem. Rep."), 348: ("HUN", "Hungary"), 208: ("DNK", "Denmark"),
    579: ("NOR", "Norway"), 703: ("SVK", "Slovakia"), 376: ("ISR", "Israel"),
    784: ("ARE", "United Arab Emirates"), 710: ("ZAF", "South Africa"),
    682: ("SAU", "Saudi Arabia"), 620: ("PRT", "Portugal"), 384: ("CIV", "Côte d'Ivoire"),
    496: ("MNG", "Mongolia"), 398: ("KAZ", "Kazakhstan"), 32: ("ARG", "Argentina"),
    152: ("CHL", "Chile"), 642: ("ROU", "Romania"), 804: ("UKR", "Ukraine"),
    300: ("GRC", "Greece"), 372: ("IRL", "Ireland"), 818: ("EGY", "Egypt"),
    504: ("MAR", "Morocco"), 586: ("PAK", "Pakistan"), 50: ("BGD", "Bangladesh"),
    170: ("COL", "Colombia"), 604: ("PER", "Peru"), 100: ("BGR", "Bulgaria"),
    705: ("SVN", "Slovenia"), 191: ("HRV", "Croatia"), 440: ("LTU", "Lithuania"),
    554: ("NZL", "New Zealand"), 566: ("NGA", "Nigeria"),
}
OTHER_ASIA = (490, "S19", "Other Asia, nes")  # a partner in real data, never a reporter
WORLD = (0, "W00", "World")
CHINA = 156

HS6 = {  # code -> (Comtrade description, invented USD per kg)
    "280530": ("Rare-earth metals, scandium and yttrium", 45.0),
    "284610": ("Compounds of cerium", 3.0),
    "284690": ("Compounds of rare-earth metals, yttrium or scandium (excl. cerium)", 18.0),
    "850511": ("Permanent magnets of metal", 55.0),
}
_OXIDES = ["Yttrium", "Lanthanum", "Neodymium", "Europium", "Dysprosium", "Terbium",
           "Praseodymium"]
_METALS = ["Neodymium", "Dysprosium", "Terbium", "Lanthanum", "Cerium", "Praseodymium",
           "Yttrium"]
CHINA_LINES = {  # China's national 8-digit lines: only China reports them
    **{f"284690{i}": (f"{e} oxide", 60.0) for i, e in enumerate(_OXIDES, start=11)},
    **{f"280530{i}": (f"{e} metal", 80.0) for i, e in enumerate(_METALS, start=11)},
}
FLOWS = {"M": "Import", "X": "Export"}
BREAKDOWN = 3  # total, customs procedure C01, transport mode 2100


def lines_of(reporter: int) -> dict[str, tuple[str, float]]:
    return {**HS6, **CHINA_LINES} if reporter == CHINA else dict(HS6)


def grid_rows(countries: int) -> int:
    """Rows of the full grid on the first `countries` countries."""
    reporters = list(COUNTRIES)[:countries]
    per_line = len(MONTHS) * (BREAKDOWN * countries + 1)  # n-1 countries + Other Asia + World
    return sum(len(FLOWS) * len(lines_of(r)) * per_line for r in reporters)


def countries_for(rows: int) -> int:
    """The smallest grid that holds `rows` rows."""
    for count in range(2, len(COUNTRIES) + 1):
        if grid_rows(count) >= rows:
            return count
    raise SystemExit(f"at most {grid_rows(len(COUNTRIES)):,} rows: add countries to COUNTRIES")


def blocks(countries: int, seed: int) -> Iterator[pd.DataFrame]:
    """One frame per reporter and flow, in file order."""
    reporters = list(COUNTRIES)[:countries]
    for index, reporter in enumerate(reporters):
        partners = [WORLD, *((c, *COUNTRIES[c]) for c in reporters if c != reporter),
                    OTHER_ASIA]
        for flow_index, flow in enumerate(FLOWS):
            rng = np.random.default_rng([seed, index, flow_index])
            yield block(rng, reporter, flow, partners, index)


def block(rng: np.random.Generator, reporter: int, flow: str, partners: list[tuple],
          size_rank: int) -> pd.DataFrame:
    """All lines x partners x months of one reporter and flow, World and breakdown rows too."""
    lines = lines_of(reporter)
    n_lines, n_partners, n_months = len(lines), len(partners), len(MONTHS)
    shape = (n_lines, n_partners, n_months)
    # Invented tonnages: bigger reporters and China as partner trade more.
    scale = 2e5 / (1 + size_rank) / np.arange(1, n_partners + 1) ** 0.7
    kg = rng.lognormal(0, 1.0, shape) * scale[None, :, None]
    kg[:, 0, :] = kg[:, 1:, :].sum(axis=1)  # World = sum over the partners
    kg = np.round(kg, 1)
    price = np.array([p for _, p in lines.values()])[:, None, None]
    value = np.round(kg * price * rng.uniform(0.8, 1.25, shape))
    value[:, 0, :] = value[:, 1:, :].sum(axis=1)
    # Totals in file order (line, partner, month); World rows have no breakdown rows.
    copies = np.where(np.arange(n_partners) == 0, 1, BREAKDOWN)
    copies = np.broadcast_to(copies[None, :, None], shape).ravel()
    total = np.repeat(np.arange(kg.size), copies)
    kind = np.arange(total.size) - np.repeat(np.cumsum(copies) - copies, copies)
    line_i, partner_i, month_i = np.unravel_index(total, shape)
    share = np.where(kind == 1, rng.uniform(0.3, 0.9, total.size),
                     np.where(kind == 2, rng.uniform(0.5, 1.0, total.size), 1.0))
    weight = np.round(kg.ravel()[total] * share, 1)
    money = np.round(value.ravel()[total] * share)
    estimated = rng.random(kg.size)[total] < 0.03
    return plus_frame(reporter, flow, lines, partners, line_i, partner_i, month_i, kind,
                      weight, money, estimated)


def plus_frame(reporter, flow, lines, partners, line_i, partner_i, month_i, kind, weight,
               money, estimated) -> pd.DataFrame:
    """Fill the 47 Comtrade Plus columns the way a download has them."""
    codes = np.array(list(lines))
    descs = np.array([d for d, _ in lines.values()])
    p_code = np.array([p[0] for p in partners])
    p_iso = np.array([p[1] for p in partners])
    p_desc = np.array([p[2] for p in partners])
    years = np.array([y for y, _ in MONTHS])[month_i]
    months = np.array([m for _, m in MONTHS])[month_i]
    period = years * 100 + months
    flag = np.where(estimated, "True", "False")
    weight_text = pd.Series(weight).map("{:.1f}".format).to_numpy()
    value_text = pd.Series(money).map("{:.0f}".format).to_numpy()
    iso, desc = COUNTRIES[reporter]
    columns = {
        "typeCode": "C", "freqCode": "M", "refPeriodId": period * 100 + 1, "refYear": years,
        "refMonth": months, "period": period, "reporterCode": reporter, "reporterISO": iso,
        "reporterDesc": desc, "flowCode": flow, "flowDesc": FLOWS[flow],
        "partnerCode": p_code[partner_i], "partnerISO": p_iso[partner_i],
        "partnerDesc": p_desc[partner_i], "partner2Code": 0, "partner2ISO": "W00",
        "partner2Desc": "World", "classificationCode": np.where(years >= 2022, "H6", "H5"),
        "classificationSearchCode": "HS", "isOriginalClassification": "True",
        "cmdCode": codes[line_i], "cmdDesc": descs[line_i],
        "aggrLevel": np.where(np.char.str_len(codes[line_i]) > 6, 8, 6), "isLeaf": "True",
        "customsCode": np.where(kind == 1, "C01", "C00"),
        "customsDesc": np.where(kind == 1, "Imports/exports for home use", "TOTAL CPC"),
        "mosCode": 0, "motCode": np.where(kind == 2, 2100, 0),
        "motDesc": np.where(kind == 2, "Sea", "TOTAL MOT"), "qtyUnitCode": 8,
        "qtyUnitAbbr": "kg", "qty": weight_text, "isQtyEstimated": flag, "altQtyUnitCode": "",
        "altQtyUnitAbbr": "", "altQty": "", "isAltQtyEstimated": "False",
        "netWgt": weight_text, "isNetWgtEstimated": flag,
        "grossWgt": pd.Series(weight * 1.02).map("{:.1f}".format).to_numpy(),
        "isGrossWgtEstimated": "False",
        "cifvalue": value_text if flow == "M" else "",
        "fobvalue": value_text if flow == "X" else "", "primaryValue": value_text,
        "legacyEstimationFlag": np.where(estimated, 4, 0), "isReported": "True",
        "isAggregate": np.where(p_code[partner_i] == 0, "True", "False"),
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(len(line_i)))[PLUS_COLUMNS]


def part_paths(target: Path, parts: int) -> list[Path]:
    """x.csv -> x.csv, or x_part1.csv, x_part2.csv, ... (also for .csv.gz)."""
    if parts == 1:
        return [target]
    ext = ".csv.gz" if target.name.endswith(".csv.gz") else target.suffix
    base = target.name.removesuffix(ext)
    return [target.with_name(f"{base}_part{i}{ext}") for i in range(1, parts + 1)]


def write(rows: int, target: Path, seed: int = 7, parts: int = 1) -> dict:
    """Stream exactly `rows` rows to target, or to `parts` files that start a new reporter or
    flow (the readers refuse files over 1 GB; real bulk downloads come in parts too)."""
    countries = countries_for(rows)
    paths, left = part_paths(target, parts), rows
    source = blocks(countries, seed)
    for index, path in enumerate(paths):
        quota = rows if index == len(paths) - 1 else rows // parts
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(",".join(PLUS_COLUMNS) + "\n")
            written = 0
            while written < quota and left:
                part = next(source).iloc[:left]
                part.to_csv(handle, header=False, index=False, lineterminator="\n")
                written, left = written + len(part), left - len(part)
    return {"rows": rows, "countries": countries, "grid_rows": grid_rows(countries),
            "files": [str(p) for p in paths], "bytes": sum(p.stat().st_size for p in paths)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", type=int, default=1, help="split into this many files")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    info = write(args.rows, args.out, args.seed, args.parts)
    print(f"wrote {info['rows']:,} rows ({info['countries']} countries as reporters and "
          f"partners, grid of {info['grid_rows']:,}) to {len(info['files'])} file(s) "
          f"{args.out.parent}/{args.out.name.split('.')[0]}* ({info['bytes'] / 1e6:.0f} MB) "
          f"in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
