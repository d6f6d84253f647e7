"""A Comtrade Plus upload whose text is markup or spreadsheet formulas, and its file name.

Shared by tests/test_hostile_exports.py (the exports of it) and
tests/browser/test_hardening.py (the page showing it).
"""

from __future__ import annotations

import csv
import io

from factories import PLUS_COLUMNS, plus_row

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_NAME = f"{HOSTILE}.csv"
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-1+1", "@SUM(A1)"]
# National lines sort after 284699, which stays the upload's default commodity.
FORMULA_CODES = ("28469910", "28469911", "28469912", "28469913")

def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, PLUS_COLUMNS, lineterminator="\n")  # quotes doubled properly
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def hostile_rows() -> list[dict]:
    """Korea and Japan import an unknown rare-earth code from China, which reports the
    same flows as exports (for the mirror); descriptions are markup or formulas."""
    rows = []
    for year, months in ((2023, range(1, 13)), (2024, range(1, 13)), (2025, range(1, 4))):
        for month in months:
            for reporter, weight in (("410", 900 + 40 * month), ("392", 400)):
                rows.append(plus_row(reporter=reporter, partner="156", cmd="284699", year=year,
                                     month=month, weight=str(weight), cmd_desc=HOSTILE))
                rows.append(plus_row(reporter="156", partner=reporter, flow="X", cmd="284699",
                                     year=year, month=month, weight=str(weight - 7),
                                     cmd_desc=HOSTILE))
            for code, text in zip(FORMULA_CODES, FORMULAS):
                rows.append(plus_row(reporter="608", partner="156", cmd=code, year=year,
                                     month=month, weight="250", cmd_desc=text))
    rows.append({**rows[0], "netWgt": HOSTILE, "period": "202501", "refMonth": "1"})
    return rows
