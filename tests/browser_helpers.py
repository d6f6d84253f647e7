"""Helpers for browser tests: waiting on the map and reading what it draws."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / ".cache" / "screenshots"


def wait_for_map(page) -> None:
    page.wait_for_selector("#map .choroplethlayer path", timeout=30_000)
    page.wait_for_function("!document.querySelector('[data-dash-is-loading]')")


def graph_data(page) -> list[dict]:
    return page.evaluate(
        "() => document.querySelector('#map .js-plotly-plot').data"
        ".map(t => ({name: t.name, locations: Array.from(t.locations || [])}))")


def value_locations(page) -> list[str]:
    return next((t["locations"] for t in graph_data(page) if t["name"] == "value"), [])
