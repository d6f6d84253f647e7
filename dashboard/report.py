"""Text of `validate`'s report: yearly totals counted once, the file's own consistency, and
the months whose US dollar values are missing for want of an exchange rate.

The figures come from `analytics.consistency`; this module only words and formats them
(amounts through `figures.text.format_amount`, the one formatter people read).
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics import consistency
from dashboard.figures.text import format_amount, plural
from dashboard.ingest.dataset import Provenance

SHOWN_FINDINGS = 20
PARTNERS = "all partners except World and groups (incl. Other Asia nes, other areas, bunkers)"


def _trade(row) -> str:
    """"KOR import from CHN": who reported which flow with whom."""
    way = "from" if str(row.flow) in ("import", "re-import") else "to"
    return f"{row.reporter} {row.flow} {way} {row.partner}"


def _t(kg: float) -> str:
    return format_amount(kg / 1000, "t")


def _percent(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole and pd.notna(whole) and pd.notna(part) else "n/a"


def totals_lines(frame: pd.DataFrame) -> list[str]:
    """Per commodity code: flow, year, t and USD over real partners, World rows beside."""
    totals = consistency.yearly_totals_by_commodity(frame)
    if totals.empty:
        return []
    lines = ["yearly totals by commodity code, counted once (each series' annual row where it"
             " has one, else its months; each code on its own line, a national line is never"
             " added to its HS6 parent):",
             f"  partners = {PARTNERS}; World = the reporters' own World rows, where they have"
             " them"]
    for (code, name), rows in totals.groupby(["commodity_code", "commodity_name"],
                                             dropna=False, sort=True):
        lines.append(f"  {code} {'' if pd.isna(name) else name}")
        lines += [f"    {_totals_line(row)}" for row in rows.itertuples(index=False)]
    return lines


def _totals_line(row) -> str:
    text = (f"{row.flow} {row.year}: {format_amount(row.partners_t, 't')},"
            f" {format_amount(row.partners_usd, 'USD')} (partners)")
    if pd.notna(row.world_t) or pd.notna(row.world_usd):
        text += f"; World rows {format_amount(row.world_t, 't')}," \
                f" {format_amount(row.world_usd, 'USD')}"
    if pd.notna(row.orphan_group_t) or pd.notna(row.orphan_group_usd):
        text += (f"; group rows without member rows (in no other figure)"
                 f" {format_amount(row.orphan_group_t, 't')},"
                 f" {format_amount(row.orphan_group_usd, 'USD')}")
    if row.rows_without_weight:
        text += (f"; {plural(int(row.rows_without_weight), 'partner row')} with a value but"
                 " no net weight")
    return text


def checks_lines(frame: pd.DataFrame) -> list[str]:
    """The "Checks" section: World allocation gaps, annual vs months, orphan group rows."""
    return ["Checks (findings, not problems: these rows are all used, and findings do not"
            " change the exit code)",
            *_allocation_lines(consistency.world_allocation(frame)),
            *_annual_lines(consistency.annual_vs_months(frame)),
            *_orphan_lines(consistency.orphan_group_rows(frame))]


def _allocation_lines(table: pd.DataFrame) -> list[str]:
    gaps = table[table["gap"].astype(bool)]
    lines = [f"  World rows against the sum of {PARTNERS}: {plural(len(table), 'period')}"
             f" checked, {int(table['comparable'].sum()):,} comparable like with like,"
             f" {len(gaps):,} with a gap beyond rounding (0.5% or 1 kg / 1 USD)"]
    if gaps.empty:
        return lines
    lines.append(f"    gap = World minus partners = {consistency.UNALLOCATED};"
                 f" largest {min(len(gaps), SHOWN_FINDINGS)}:")
    order = (gaps["unallocated_kg"].abs().fillna(-1).sort_values(ascending=False, kind="stable")
             .index)
    for row in gaps.loc[order].head(SHOWN_FINDINGS).itertuples(index=False):
        unit, scale = ("t", 1000) if row.share_basis == "weight" else ("USD", 1)
        world = row.world_kg if unit == "t" else row.world_usd
        partners = row.partners_kg if unit == "t" else row.partners_usd
        gap = world - partners
        word = "gap" if gap > 0 else "partners exceed World by"
        lines.append(f"    {row.reporter} {row.flow} {row.commodity_code} {row.period}:"
                     f" World {format_amount(world / scale, unit)},"
                     f" partners {format_amount(partners / scale, unit)},"
                     f" {word} {format_amount(abs(gap) / scale, unit)}"
                     f" ({_percent(abs(gap), world)}) [World: {row.source_rows}]")
    return lines


def _annual_lines(table: pd.DataFrame) -> list[str]:
    complete = table[~table["months_incomplete"].astype(bool)]
    partial = table[table["months_incomplete"].astype(bool)]
    lines = [f"  annual rows against the sum of their months: {len(complete):,} disagree beyond"
             " rounding with all 12 months present (both figures are in the file)"]
    lines += [f"    {_annual_line(row)}" for row in
              _largest(complete, "difference_kg").head(SHOWN_FINDINGS).itertuples(index=False)]
    lines.append(f"  annual rows whose months are incomplete (fewer than 12; the annual row is"
                 f" the only complete figure, a coverage fact): {len(partial):,}")
    lines += [f"    {_annual_line(row)}" for row in
              _largest(partial, "difference_kg").head(SHOWN_FINDINGS).itertuples(index=False)]
    return lines


def _annual_line(row) -> str:
    return (f"{_trade(row)} {row.commodity_code} {row.year}:"
            f" annual {_t(row.annual_kg)}, {format_amount(row.annual_usd, 'USD')};"
            f" {row.months_present} months {_t(row.months_kg)},"
            f" {format_amount(row.months_usd, 'USD')};"
            f" difference {_t(row.difference_kg)} ({_percent(row.difference_kg, row.annual_kg)})"
            f" [annual: {row.annual_source_rows}; months: {row.months_source_rows}]")


def _largest(table: pd.DataFrame, column: str) -> pd.DataFrame:
    order = table[column].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
    return table.loc[order]


def _orphan_lines(table: pd.DataFrame) -> list[str]:
    lines = [f"  group rows (e.g. EU) with no member rows for that reporter, flow, product and"
             f" period: {len(table):,} (in the totals as their own figure, not dropped)"]
    for row in _largest(table, "net_weight_kg").head(SHOWN_FINDINGS).itertuples(index=False):
        lines.append(f"    {_trade(row)} {row.commodity_code} {row.period}:"
                     f" {_t(row.net_weight_kg)}, {format_amount(row.value_usd, 'USD')}"
                     f" (members looked for: {row.member_rule}) [{row.source_rows}]")
    return lines


def missing_rate_lines(provenance: list[Provenance]) -> list[str]:
    """Per file, the months its sidecar lists as converted without a rate (none: no lines)."""
    files = [p for p in provenance if p.months_without_rate]
    if not files:
        return []
    lines = ["USD values missing: no USD per EUR rate for these months, so their rows have"
             " their weight and EUR value but no USD value (a later fetch fills them once the"
             " ECB publishes the rate):"]
    for p in files:
        months = p.months_without_rate
        lines.append(f"  {p.file}: {plural(len(months), 'month')}: {', '.join(months)}")
    return lines
