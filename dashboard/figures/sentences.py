"""One sentence under each analytics chart, from the same numbers the chart draws.

For readers who cannot see the chart, and for anyone who wants the point in words.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard.analytics.period_rows import describe_period
from dashboard.figures.dependency_charts import world_text
from dashboard.figures.text import format_amount, format_number, format_share, plural


def _names(names: list, limit: int = 4) -> str:
    """The first `limit` names, "A, B and C (and 2 more)"."""
    shown = [str(n) for n in names[:limit]]
    more = len(names) - len(shown)
    text = ", ".join(shown[:-1]) + (f" and {shown[-1]}" if len(shown) > 1 else shown[0])
    return text + (f" (and {more} more)" if more > 0 else "")


def surge_sentence(table: pd.DataFrame, words: dict[str, str], params) -> str:
    """"Rule: ... 2 countries flagged: South Korea (Q1 2025: 10.5 t; all of 2024: 9.6 t ...)".

    From the table's columns as lists (`surge_sentences_reference`: the same words from
    pandas selections, tested equal)."""
    what = f"{words['commodity']} {words['counterpart']}"
    flagged = np.flatnonzero(table["flagged"].to_numpy(dtype=bool)).tolist()
    if not flagged:
        assessed = sum(status != "below floor" for status in table["status"].tolist())
        return (f"No country's {what} in {describe_period(params.period)} meets the rule"
                f" ({plural(assessed, 'country')} assessed above the"
                f" {format_amount(params.floor_t, 't')} floor).")
    names = table["country_name"].tolist()
    first = flagged[0]
    return (f"{plural(len(flagged), 'country')} flagged for "
            f"{what}: {_names([names[i] for i in flagged])}. {names[first]}: "
            f"{table['explanation'].iat[first]}")


def series_sentence(series: pd.DataFrame, name: str, period: str) -> str:
    """The series' span and its highest monthly rate; `series` is `country_series` output
    (positions as its index)."""
    if series.empty:
        return f"No rows for {name} in this selection: focus a country to see its series."
    labels = series["period"].tolist()
    per_month = series["weight_t_per_month"].to_numpy(dtype=float)
    peak = int(np.nanargmax(per_month))  # the first highest; no rate at all: ValueError
    return (f"{name}'s series runs from {describe_period(labels[0])} to "
            f"{describe_period(labels[-1])}; its highest monthly rate was "
            f"{format_amount(float(per_month[peak]), 't')} per month in "
            f"{describe_period(labels[peak])}. The compared period, "
            f"{describe_period(period)}, is shaded.")


def dependency_sentence(metrics, name: str, reference: pd.DataFrame) -> str:
    if metrics is None:
        return f"No import rows for {name} in this period: focus another country or period."
    text = (f"In {describe_period(metrics.period)}, {name} bought "
            f"{format_share(metrics.top_supplier_share)} of its "
            f"{format_amount(metrics.total_t, 't')} from {metrics.top_supplier_name}; the top "
            f"three supplied {format_share(metrics.top3_share)}; HHI "
            f"{format_number(metrics.hhi)} on a 0-1 scale ({metrics.concentration_band}), "
            f"{plural(int(metrics.supplier_count), 'supplier')}.")
    if not math.isnan(metrics.world_t):
        text += " " + world_text(metrics)
    published = reference[reference.get("value", pd.Series(dtype=str)).fillna("") != ""] if len(
        reference) else reference
    if len(published):
        fact = published.iloc[0]
        text += (f" Published figure, not computed here: {_published(fact)} "
                 f"({fact['scope']}, {fact['year']}; {fact['source']}).")
    return text


def ranking_sentence(ranking: pd.DataFrame, supplier_name: str, chosen: bool) -> str:
    default = "" if chosen else " (no partner chosen, so China is used; pick a partner to change)"
    if ranking.empty:
        return f"No importer has data on {supplier_name} for this period{default}."
    exposed = ranking[ranking["supplier_share"] >= 0.65]
    top = ranking.iloc[0]
    return (f"{len(exposed)} of {plural(len(ranking), 'importer')} got at least 65% of their"
            f" volume from {supplier_name}{default}; most exposed: {top['country_name']} "
            f"({format_share(top['supplier_share'])} of {format_amount(top['total_t'], 't')}).")


def flows_sentence(flows: pd.DataFrame, words: dict[str, str]) -> str:
    if flows.empty:
        return f"No flows of {words['commodity']} in {words['period']}."
    total = flows["weight_t"].sum()
    largest = flows.sort_values("weight_t", ascending=False).iloc[0]
    return (f"{format_amount(total, 't')} of {words['commodity']} in {words['period']}; the "
            f"largest flow: {largest['source_name']} to {largest['target_name']}, "
            f"{format_amount(largest['weight_t'], 't')} "
            f"({format_share(largest['weight_t'] / total)}).")


def timeseries_sentence(series: pd.DataFrame, mode: str) -> str:
    """"Latest: South Korea 12.3 t in March 2025; ..." per country name (in order of first
    appearance), its last row with a value; `series` is `volume_series` output. From the
    columns as lists (`series_sentences_reference`: by pandas grouping, tested equal)."""
    if series.empty:
        return "No series: focus a country (click the map) or add comparison countries."
    names = series["country_name"].tolist()
    values = series["value"].to_numpy(dtype=np.float64, na_value=np.nan)
    periods = series["period"].tolist()
    latest: dict = {}  # name -> its last row with a value; first appearance sets the order
    for at, (name, value) in enumerate(zip(names, values.tolist(), strict=True)):
        if pd.isna(name):
            continue  # a row without a name is in no group, as in `groupby`
        latest.setdefault(name, None)
        if value == value:
            latest[name] = at
    parts = []
    for name, at in latest.items():
        if at is None:
            continue
        value = (format_share(values[at]) if mode == "share"
                 else format_amount(values[at], "t"))
        parts.append(f"{name} {value} in {describe_period(str(periods[at]))}")
    return "Latest: " + "; ".join(parts) + ". Dashed lines mark policy events (hover for sources)."


def mirror_sentence(gaps: pd.DataFrame) -> str:
    if gaps.empty:
        return "No flow in this selection was reported by both sides."
    both = gaps[gaps["status"] == "both"]
    one_side = len(gaps) - len(both)
    if both.empty:
        return f"{_flows(one_side)} reported by one side only; none by both."
    widest = both.loc[both["gap_t"].abs().idxmax()]
    return (f"{_flows(len(both))} reported by both sides; the widest gap: "
            f"{widest['importer_name']} from {widest['exporter_name']}, "
            f"{format_amount(widest['importer_t'], 't')} reported by the importer against "
            f"{format_amount(widest['exporter_t'], 't')} by the exporter. {_flows(one_side)} "
            "reported by one side only.")


def _flows(count: int) -> str:
    """"1 flow was", "3 flows were"."""
    return f"{plural(count, 'flow')} {'was' if count == 1 else 'were'}"


def _published(fact: pd.Series) -> str:
    """A published figure as printed: "95.1% of imports", "1,234 t" (numbers re-read)."""
    unit = str(fact.get("unit", "")).strip()
    try:
        number = format_number(float(str(fact["value"]).replace(",", "")))
    except ValueError:
        number = str(fact["value"])
    return f"{number}{unit}" if unit.startswith("%") else f"{number} {unit}".strip()
