"""Generate the SYNTHETIC demo dataset in the exact UN Comtrade Plus layout.

Real Comtrade rows may not be redistributed, so the demo is invented. It is shaped on the
public record in ../shared/reference/facts.md (China supplies the bulk; Japan is historically
the largest importer of dysprosium oxide; Korea's and the Philippines' Q1-2025 dysprosium-oxide
imports from China exceed their 2024 totals; Korea depends on China for ~95% of its
rare-earth metals; shipments of the April-2025-controlled elements fall after 2025-04-04),
but NO NUMBER IN IT IS A STATISTIC. The file name, the metadata sidecar and every chart say so.

Deterministic: the same seed gives the same bytes (gzip header without a timestamp).

    python data/generate_demo.py            # writes data/demo_comtrade_plus_SYNTHETIC.csv.gz

Contents: monthly rows 2019-01 .. 2025-12 for ~40 importing reporters (HS6 280530, 284610,
284690, 850511) and China's exports by destination (the same HS6 codes plus China's national
8-digit oxide lines 28469011/13/15/16/17), with the quirks of real downloads: breakdown rows
(customs procedure / transport mode) beside the C00/0 totals, World (partner 0) rows, partner
490 "Other Asia, nes", estimated weights, annual (refMonth 52) rows, Latin-1 names, and mirror
gaps (CIF vs FOB values, shipments recorded a month apart, exports no importer reports).
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = HERE / "demo_comtrade_plus_SYNTHETIC.csv.gz"
SEED = 20250404
YEARS = range(2019, 2026)
MONTHS = [(y, m) for y in YEARS for m in range(1, 13)]

PLUS_COLUMNS = (  # noqa: SIM905 - the header exactly as a download spells it
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,"
    "reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,"
    "partner2ISO,partner2Desc,classificationCode,classificationSearchCode,"
    "isOriginalClassification,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,customsDesc,"
    "mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,altQtyUnitCode,"
    "altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,"
    "isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,"
    "isAggregate").split(",")

# Comtrade code -> (Comtrade Plus ISO, Comtrade label). Labels as Comtrade spells them,
# including the Latin-1 ones real downloads carry.
PARTIES = {
    0: ("W00", "World"), 36: ("AUS", "Australia"), 40: ("AUT", "Austria"),
    56: ("BEL", "Belgium"), 76: ("BRA", "Brazil"), 104: ("MMR", "Myanmar"),
    124: ("CAN", "Canada"), 156: ("CHN", "China"), 203: ("CZE", "Czechia"),
    208: ("DNK", "Denmark"), 233: ("EST", "Estonia"), 246: ("FIN", "Finland"),
    251: ("FRA", "France"), 276: ("DEU", "Germany"), 344: ("HKG", "China, Hong Kong SAR"),
    348: ("HUN", "Hungary"), 360: ("IDN", "Indonesia"), 376: ("ISR", "Israel"),
    380: ("ITA", "Italy"), 384: ("CIV", "Côte d'Ivoire"), 392: ("JPN", "Japan"),
    410: ("KOR", "Rep. of Korea"), 418: ("LAO", "Lao People's Dem. Rep."),
    458: ("MYS", "Malaysia"), 484: ("MEX", "Mexico"), 490: ("S19", "Other Asia, nes"),
    528: ("NLD", "Netherlands"), 579: ("NOR", "Norway"), 608: ("PHL", "Philippines"),
    616: ("POL", "Poland"), 620: ("PRT", "Portugal"), 643: ("RUS", "Russian Federation"),
    682: ("SAU", "Saudi Arabia"), 699: ("IND", "India"), 702: ("SGP", "Singapore"),
    703: ("SVK", "Slovakia"), 704: ("VNM", "Viet Nam"), 710: ("ZAF", "South Africa"),
    724: ("ESP", "Spain"), 752: ("SWE", "Sweden"), 757: ("CHE", "Switzerland"),
    764: ("THA", "Thailand"), 784: ("ARE", "United Arab Emirates"), 792: ("TUR", "Türkiye"),
    826: ("GBR", "United Kingdom"), 842: ("USA", "USA"),
}

# Importing reporters and their relative size as rare-earth buyers (invented weights).
IMPORTERS = {
    392: 20, 410: 9, 842: 12, 276: 9, 251: 3, 380: 2.5, 826: 2.5, 528: 3, 56: 1.5, 40: 1.5,
    724: 1.2, 616: 1.2, 203: 1, 752: 1, 246: 0.8, 233: 2, 36: 0.8, 124: 1, 484: 0.8,
    76: 1, 699: 4, 704: 4, 764: 3, 458: 3, 608: 2, 360: 0.8, 702: 1, 344: 1.5, 792: 1.2,
    376: 0.5, 784: 0.5, 682: 0.3, 710: 0.4, 643: 1, 757: 0.6, 579: 0.4, 208: 0.5,
    348: 0.6, 703: 0.4, 620: 0.3, 384: 0.05,
}

HS6 = {
    "280530": ("Rare-earth metals, scandium and yttrium", 4_000),
    "284610": ("Compounds of cerium", 9_000),
    "284690": ("Compounds of rare-earth metals, yttrium or scandium (excl. cerium)", 40_000),
    "850511": ("Permanent magnets of metal", 55_000),
}  # code -> (Comtrade description, invented world imports in tonnes per year)
NATIONAL = {  # China's 8-digit oxide lines (2014 tariff) -> (name, Chinese exports t/yr)
    "28469011": ("Yttrium oxide", 900),
    "28469013": ("Neodymium oxide", 1_500),
    "28469015": ("Dysprosium oxide", 160),
    "28469016": ("Terbium oxide", 45),
    "28469017": ("Praseodymium oxide", 400),
}
# Products carrying the seven elements China put under licence on 2025-04-04.
CONTROLLED = {"280530", "850511", "28469011", "28469015", "28469016"}

# Supplier mix per commodity (invented): China first; the rest split the remainder.
OTHER_SUPPLIERS = {
    "280530": {392: 0.4, 704: 0.3, 842: 0.15, 233: 0.15},
    "284610": {392: 0.3, 458: 0.4, 233: 0.3},
    "284690": {458: 0.35, 392: 0.25, 233: 0.15, 704: 0.15, 490: 0.1},
    "850511": {392: 0.45, 276: 0.25, 490: 0.15, 704: 0.15},
}
CHINA_SHARE = {"280530": 0.86, "284610": 0.75, "284690": 0.7, "850511": 0.82}
# Where a reporter's mix is specified (shaped on the published reliance figures).
SPECIFIC_MIX = {
    (410, "280530"): {156: 0.951, 392: 0.025, 704: 0.014, 842: 0.01},
    (410, "284690"): {156: 0.843, 392: 0.06, 233: 0.04, 704: 0.03, 458: 0.027},
    (842, "284690"): {156: 0.70, 458: 0.13, 392: 0.06, 233: 0.05, 276: 0.06},
    (392, "284690"): {156: 0.62, 704: 0.15, 458: 0.13, 233: 0.05, 490: 0.05},
}

# Dysprosium oxide from China, as China records it: monthly tonnes by destination before
# noise, then 2024 and Q1-2025 totals pinned for the three seed destinations.
DY_DESTINATIONS = {392: 6.0, 410: 0.8, 608: 0.4, 704: 0.9, 842: 0.7, 276: 0.5, 699: 0.35,
                   764: 0.3, 458: 0.3, 528: 0.2, 490: 0.45, 344: 0.15, 251: 0.1, 384: 0.0004}
SEED_TOTALS = {  # (2024 total t, Q1-2025 total t); invented, shaped on Adamas' description
    392: (72.0, 8.1), 410: (9.6, 10.5), 608: (4.8, 5.4)}


def policy_factor(year: int, month: int, code: str) -> float:
    """Invented reaction of Chinese shipments to the 2025 licensing (1 = no change)."""
    if code not in CONTROLLED or year < 2025:
        return 1.0
    if month <= 3:
        return 1.25  # buyers ordering ahead of expected controls
    return {4: 0.35, 5: 0.2, 6: 0.3, 7: 0.5, 8: 0.6, 9: 0.65, 10: 0.55, 11: 0.7, 12: 0.75}[month]


def trend(year: int, month: int) -> float:
    """Slow invented growth of demand, about 4% a year."""
    return 1.04 ** (year - 2019 + (month - 1) / 12)


def importer_rows(rng: np.random.Generator) -> list[dict]:
    """Importer-reported totals: reporter x supplier x HS6 x month, in kg and USD CIF."""
    rows = []
    total_size = sum(IMPORTERS.values())
    for reporter, size in IMPORTERS.items():
        for code, (_, world_t) in HS6.items():
            if size < 0.5 and code == "280530":
                continue  # small buyers do not import metals
            mix = SPECIFIC_MIX.get((reporter, code)) or default_mix(code, reporter)
            annual_t = world_t * size / total_size
            for partner, share in mix.items():
                for year, month in MONTHS:
                    china = partner == 156
                    chance = 0.97 if china else 0.55
                    if rng.random() > chance:
                        continue
                    scale = (1 / chance) * policy_factor(year, month, code) if china else (
                        1 / chance)
                    tonnes = annual_t / 12 * share * scale * trend(year, month)
                    tonnes *= rng.lognormal(0, 0.25)
                    rows.append(flow_row(reporter, partner, "M", code, year, month,
                                         tonnes * 1000, unit_price(code, rng) * 1.06))
    return rows


def default_mix(code: str, reporter: int) -> dict[int, float]:
    china = CHINA_SHARE[code]
    others = {p: s * (1 - china) for p, s in OTHER_SUPPLIERS[code].items() if p != reporter}
    return {156: china, **others}


def unit_price(code: str, rng: np.random.Generator) -> float:
    """Invented FOB USD per kg."""
    base = {"280530": 45, "284610": 3, "284690": 18, "850511": 55, "28469011": 7,
            "28469013": 65, "28469015": 260, "28469016": 900, "28469017": 60}[code]
    return base * rng.uniform(0.9, 1.1)


def china_export_rows(importer: list[dict], rng: np.random.Generator) -> list[dict]:
    """China's exports by destination: mirror of the importers' rows, with real-looking gaps.

    A shipment leaves China about a month before the importer records it (timing), values are
    FOB not CIF, and China reports exports to 490 "Other Asia, nes" that no importer reports.
    """
    rows = []
    by_key: dict[tuple, float] = {}
    for r in importer:
        if r["partnerCode"] == 156:
            by_key[(r["reporterCode"], r["cmdCode"], r["refYear"], r["refMonth"])] = r["netWgt"]
    destinations = [*sorted({k[0] for k in by_key}), 490]
    for dest in destinations:
        for code in HS6:
            for index, (year, month) in enumerate(MONTHS):
                now = by_key.get((dest, code, year, month), 0.0)
                later = (by_key.get((dest, code, *MONTHS[index + 1]), 0.0)
                         if index + 1 < len(MONTHS) else now)
                kg = 0.7 * now + 0.3 * later
                if dest == 490:
                    kg = HS6[code][1] * 0.01 / 12 * 1000 * rng.lognormal(0, 0.3) * policy_factor(
                        year, month, code)
                if kg <= 0:
                    continue
                rows.append(flow_row(156, dest, "X", code, year, month,
                                     kg * rng.lognormal(0, 0.04), unit_price(code, rng)))
    rows += national_line_rows(rng)
    return rows


def national_line_rows(rng: np.random.Generator) -> list[dict]:
    """China's 8-digit oxide lines by destination; dysprosium oxide shaped on the seed story."""
    rows = []
    for code, (_, yearly_t) in NATIONAL.items():
        mix = DY_DESTINATIONS if code == "28469015" else {
            d: w for d, w in DY_DESTINATIONS.items() if d != 384}
        weight_sum = sum(mix.values())
        for dest, weight in mix.items():
            series = []
            for year, month in MONTHS:
                tonnes = yearly_t / 12 * weight / weight_sum * trend(year, month)
                tonnes *= policy_factor(year, month, code) * rng.lognormal(0, 0.3)
                series.append(tonnes)
            if code == "28469015":
                series = pin_seed_totals(dest, series)
            for (year, month), tonnes in zip(MONTHS, series):
                if tonnes > 0:
                    rows.append(flow_row(156, dest, "X", code, year, month, tonnes * 1000,
                                         unit_price(code, rng)))
    return rows


def pin_seed_totals(dest: int, series: list[float]) -> list[float]:
    """Scale 2024 and Q1 2025 so the story the page opens on holds exactly."""
    out = list(series)
    months_2024 = [i for i, (y, _) in enumerate(MONTHS) if y == 2024]
    q1_2025 = [i for i, (y, m) in enumerate(MONTHS) if y == 2025 and m <= 3]
    if dest in SEED_TOTALS:
        for indexes, target in zip((months_2024, q1_2025), SEED_TOTALS[dest]):
            current = sum(out[i] for i in indexes)
            for i in indexes:
                out[i] *= target / current
    elif dest == 384:  # a tiny buyer: 2 kg -> 20 kg must not read as a surge
        for i in months_2024:
            out[i] = 0.0
        out[months_2024[5]] = 0.003
        for i in q1_2025:
            out[i] = 0.0
        out[q1_2025[1]] = 0.025
    return out


def flow_row(reporter: int, partner: int, flow: str, code: str, year: int, month: int,
             kg: float, usd_per_kg: float) -> dict:
    kg = round(kg, 1)
    value = round(kg * usd_per_kg)
    return {"reporterCode": reporter, "partnerCode": partner, "flowCode": flow,
            "cmdCode": code, "refYear": year, "refMonth": month, "netWgt": kg,
            "primaryValue": value, "customsCode": "C00", "motCode": 0, "estimated": False}


def world_rows(rows: list[dict]) -> list[dict]:
    """Partner 0 (World) rows: each reporter's total per commodity and month, as Comtrade has."""
    frame = pd.DataFrame(rows)
    totals = frame.groupby(["reporterCode", "flowCode", "cmdCode", "refYear", "refMonth"],
                           as_index=False)[["netWgt", "primaryValue"]].sum()
    out = []
    for r in totals.itertuples(index=False):
        out.append({"reporterCode": r.reporterCode, "partnerCode": 0, "flowCode": r.flowCode,
                    "cmdCode": r.cmdCode, "refYear": r.refYear, "refMonth": r.refMonth,
                    "netWgt": round(r.netWgt, 1), "primaryValue": r.primaryValue,
                    "customsCode": "C00", "motCode": 0, "estimated": False})
    return out


def breakdown_rows(rows: list[dict], rng: np.random.Generator) -> list[dict]:
    """Customs-procedure and transport-mode splits of some totals (never to be summed)."""
    out = []
    for r in rows:
        if r["partnerCode"] == 0 or rng.random() > 0.08:
            continue
        part = round(r["netWgt"] * rng.uniform(0.2, 0.8), 1)
        for customs, mot, kg in (("C01", 0, part), ("C02", 0, round(r["netWgt"] - part, 1)),
                                 ("C00", 2100, part), ("C00", 1000, round(r["netWgt"] - part, 1))):
            share = kg / r["netWgt"] if r["netWgt"] else 0
            out.append({**r, "customsCode": customs, "motCode": mot, "netWgt": kg,
                        "primaryValue": round(r["primaryValue"] * share)})
    return out


def annual_rows(rows: list[dict]) -> list[dict]:
    """Viet Nam reported only yearly in 2019-2020 (mixed frequency); Germany's 2023 annual
    rows sit beside its monthly ones (a combined download), which must not double 2023."""
    frame = pd.DataFrame(rows)
    vietnam = (frame["reporterCode"] == 704) & (frame["refYear"] <= 2020)
    germany = (frame["reporterCode"] == 276) & (frame["refYear"] == 2023)
    annual = (frame[vietnam | germany]
              .groupby(["reporterCode", "partnerCode", "flowCode", "cmdCode", "refYear"],
                       as_index=False)[["netWgt", "primaryValue"]].sum())
    annual = annual.assign(refMonth=52, customsCode="C00", motCode=0, estimated=False,
                           netWgt=annual["netWgt"].round(1))
    kept = [r for r, drop in zip(rows, vietnam) if not drop]
    return kept + annual.to_dict("records")


def to_plus_frame(rows: list[dict], rng: np.random.Generator) -> pd.DataFrame:
    """Fill every Comtrade Plus column the way a download has it."""
    f = pd.DataFrame(rows)
    annual = f["refMonth"] == 52
    period = f["refYear"].astype(str).where(
        annual, f["refYear"].astype(str) + f["refMonth"].astype(int).map("{:02d}".format))
    estimated = (rng.random(len(f)) < 0.03) | ((f["reporterCode"] == 699) & (f["refYear"] >= 2024))
    national = f["cmdCode"].str.len() > 6
    desc = f["cmdCode"].map({**{c: d for c, (d, _) in HS6.items()},
                             **{c: n for c, (n, _) in NATIONAL.items()}})
    exports = f["flowCode"] == "X"
    out = pd.DataFrame({
        "typeCode": "C", "freqCode": np.where(annual, "A", "M"),
        "refPeriodId": period.where(~annual, f["refYear"].astype(str) + "01") + "01",
        "refYear": f["refYear"], "refMonth": f["refMonth"], "period": period,
        "reporterCode": f["reporterCode"],
        "reporterISO": f["reporterCode"].map(lambda c: PARTIES[c][0]),
        "reporterDesc": f["reporterCode"].map(lambda c: PARTIES[c][1]),
        "flowCode": f["flowCode"], "flowDesc": np.where(exports, "Export", "Import"),
        "partnerCode": f["partnerCode"],
        "partnerISO": f["partnerCode"].map(lambda c: PARTIES[c][0]),
        "partnerDesc": f["partnerCode"].map(lambda c: PARTIES[c][1]),
        "partner2Code": 0, "partner2ISO": "W00", "partner2Desc": "World",
        "classificationCode": np.where(f["refYear"] >= 2022, "H6", "H5"),
        "classificationSearchCode": "HS", "isOriginalClassification": "True",
        "cmdCode": f["cmdCode"], "cmdDesc": desc, "aggrLevel": np.where(national, 8, 6),
        "isLeaf": "True", "customsCode": f["customsCode"],
        "customsDesc": f["customsCode"].map({"C00": "TOTAL CPC", "C01": "Imports/exports for "
                                             "home use", "C02": "Inward processing"}),
        "mosCode": 0, "motCode": f["motCode"],
        "motDesc": f["motCode"].map({0: "TOTAL MOT", 1000: "Air", 2100: "Sea"}),
        "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": f["netWgt"],
        "isQtyEstimated": np.where(estimated, "True", "False"),
        "altQtyUnitCode": "", "altQtyUnitAbbr": "", "altQty": "", "isAltQtyEstimated": "False",
        "netWgt": f["netWgt"], "isNetWgtEstimated": np.where(estimated, "True", "False"),
        "grossWgt": (f["netWgt"] * 1.02).round(1), "isGrossWgtEstimated": "False",
        "cifvalue": np.where(exports, "", f["primaryValue"].astype(str)),
        "fobvalue": np.where(exports, f["primaryValue"].astype(str), ""),
        "primaryValue": f["primaryValue"], "legacyEstimationFlag": np.where(estimated, 4, 0),
        "isReported": "True", "isAggregate": np.where(f["partnerCode"] == 0, "True", "False"),
    })
    order = ["reporterCode", "flowCode", "cmdCode", "partnerCode", "refYear", "refMonth"]
    return out.sort_values(order, kind="stable")[PLUS_COLUMNS]


def build() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    importer = importer_rows(rng)
    exporter = china_export_rows(importer, rng)
    china_imports = [flow_row(156, p, "M", "284690", y, m, t * 1000 * rng.lognormal(0, 0.3),
                              unit_price("284690", rng) * 1.06)
                     for p, t in ((104, 900.0), (418, 250.0), (458, 300.0)) for y, m in MONTHS]
    totals = importer + exporter + china_imports
    totals = annual_rows(totals)
    everything = totals + world_rows(totals) + breakdown_rows(totals, rng)
    return to_plus_frame(everything, rng)


def write(frame: pd.DataFrame, path: Path = OUT) -> None:
    """Latin-1 (cp1252) text like a web download, gzipped with no timestamp: same bytes."""
    text = frame.to_csv(index=False, lineterminator="\n")
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("cp1252"))
    path.write_bytes(raw.getvalue())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    demo = build()
    write(demo, target)
    print(f"wrote {len(demo):,} rows to {target} ({target.stat().st_size / 1e6:.1f} MB)")
