"""Small synthetic factories: customs files in each real layout."""

from __future__ import annotations

from pathlib import Path

PLUS_COLUMNS = [
    "typeCode",
    "freqCode",
    "refPeriodId",
    "refYear",
    "refMonth",
    "period",
    "reporterCode",
    "reporterISO",
    "reporterDesc",
    "flowCode",
    "flowDesc",
    "partnerCode",
    "partnerISO",
    "partnerDesc",
    "partner2Code",
    "partner2ISO",
    "partner2Desc",
    "classificationCode",
    "classificationSearchCode",
    "isOriginalClassification",
    "cmdCode",
    "cmdDesc",
    "aggrLevel",
    "isLeaf",
    "customsCode",
    "customsDesc",
    "mosCode",
    "motCode",
    "motDesc",
    "qtyUnitCode",
    "qtyUnitAbbr",
    "qty",
    "isQtyEstimated",
    "altQtyUnitCode",
    "altQtyUnitAbbr",
    "altQty",
    "isAltQtyEstimated",
    "netWgt",
    "isNetWgtEstimated",
    "grossWgt",
    "isGrossWgtEstimated",
    "cifvalue",
    "fobvalue",
    "primaryValue",
    "legacyEstimationFlag",
    "isReported",
    "isAggregate",
]

LEGACY_COLUMNS = [
    "Classification",
    "Year",
    "Period",
    "Period Desc.",
    "Aggregate Level",
    "Is Leaf Code",
    "Trade Flow Code",
    "Trade Flow",
    "Reporter Code",
    "Reporter",
    "Reporter ISO",
    "Partner Code",
    "Partner",
    "Partner ISO",
    "2nd Partner Code",
    "2nd Partner",
    "2nd Partner ISO",
    "Customs Proc. Code",
    "Customs",
    "Mode of Transport Code",
    "Mode of Transport",
    "Commodity Code",
    "Commodity",
    "Qty Unit Code",
    "Qty Unit",
    "Qty",
    "Alt Qty Unit Code",
    "Alt Qty Unit",
    "Alt Qty",
    "Netweight (kg)",
    "Gross weight (kg)",
    "Trade Value (US$)",
    "CIF Trade Value (US$)",
    "FOB Trade Value (US$)",
    "Flag",
]

_PARTIES = {
    "410": ("KOR", "Rep. of Korea"),
    "156": ("CHN", "China"),
    "392": ("JPN", "Japan"),
    "0": ("W00", "World"),
    "490": ("S19", "Other Asia, nes"),
    "842": ("USA", "USA"),
    "384": ("CIV", "Côte d'Ivoire"),
    "608": ("PHL", "Philippines"),
}


def plus_row(
    reporter="410",
    partner="156",
    flow="M",
    cmd="280530",
    year=2024,
    month=1,
    weight="1000",
    value="50000",
    customs="C00",
    mot="0",
    partner2="0",
    estimated="False",
    cmd_desc="Rare-earth metals",
) -> dict[str, str]:
    """One Comtrade Plus row as text; month 52 makes an annual row."""
    annual = month == 52
    period = f"{year}" if annual else f"{year}{month:02d}"
    rep_iso, rep_desc = _PARTIES.get(reporter, ("", ""))
    par_iso, par_desc = _PARTIES.get(partner, ("", ""))
    valuation = ("", value) if flow == "X" else (value, "")
    return {
        "typeCode": "C",
        "freqCode": "A" if annual else "M",
        "refPeriodId": f"{period}01",
        "refYear": str(year),
        "refMonth": str(month),
        "period": period,
        "reporterCode": reporter,
        "reporterISO": rep_iso,
        "reporterDesc": rep_desc,
        "flowCode": flow,
        "flowDesc": "Import" if flow == "M" else "Export",
        "partnerCode": partner,
        "partnerISO": par_iso,
        "partnerDesc": par_desc,
        "partner2Code": partner2,
        "partner2ISO": "W00",
        "partner2Desc": "World",
        "classificationCode": "H6",
        "classificationSearchCode": "HS",
        "isOriginalClassification": "True",
        "cmdCode": cmd,
        "cmdDesc": cmd_desc,
        "aggrLevel": "6",
        "isLeaf": "True",
        "customsCode": customs,
        "customsDesc": "",
        "mosCode": "0",
        "motCode": mot,
        "motDesc": "",
        "qtyUnitCode": "8",
        "qtyUnitAbbr": "kg",
        "qty": weight,
        "isQtyEstimated": "False",
        "altQtyUnitCode": "",
        "altQtyUnitAbbr": "",
        "altQty": "",
        "isAltQtyEstimated": "False",
        "netWgt": weight,
        "isNetWgtEstimated": estimated,
        "grossWgt": "",
        "isGrossWgtEstimated": "False",
        "cifvalue": valuation[0],
        "fobvalue": valuation[1],
        "primaryValue": value,
        "legacyEstimationFlag": "0",
        "isReported": "True",
        "isAggregate": "True",
    }


def write_rows(
    path: Path,
    columns: list[str],
    rows: list[dict[str, str]],
    encoding: str = "utf-8",
    sep: str = ",",
) -> Path:
    def quote(text: str) -> str:
        return f'"{text}"' if (sep in text or '"' in text) else text

    lines = [sep.join(columns)] + [sep.join(quote(r.get(c, "")) for c in columns) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def snake_case_name(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return out.replace("_i_s_o", "_iso")
