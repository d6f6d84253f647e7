"""Every demo chart view draws the same figure, rows and sentence as when the digests were stored.

A refactoring guard: tests/fixtures/figure_digests.json holds, for each view below and each
chart, the SHA-256 of the figure's JSON (default, wide rendering), of the rows behind it
(CSV) and of its one-sentence summary. A change of numbers shows in all three; a change
of caption wording only in "figure". After an intended change, regenerate with
`.venv/bin/python tests/test_figures_unchanged.py` and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

DIGESTS = Path(__file__).parent / "fixtures" / "figure_digests.json"

# View states (URL queries on the demo data): the defaults, each surge rule, the other
# tabs' controls, quarters, shares, a comparison and the exporter's side.
QUERIES = [
    "",
    "?tab=surges&rule=prior_year",
    "?tab=surges&rule=year_earlier&floor=5&threshold=1.5",
    "?tab=surges&rule=safeguard&k=1.5",
    "?tab=surges&rule=robust&z=2.5",
    "?tab=surges&rule=prior_year&freq=Q",
    "?tab=series&series=share&peers=JPN,PHL",
    "?tab=series&freq=Q&series=tonnes",
    "?period=2025-Q1&baseline=2024&basis=average&focus=KOR&measure=value&tab=flows",
    "?period=2024&baseline=2023&change=absolute&direction=exports&perspective=reporter",
    "?tab=dependency",
    "?tab=mirror&period=2024&baseline=2023",
]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def chart_digests() -> dict[str, dict[str, dict[str, str]]]:
    """{query: {chart: {"figure", "table", "summary": sha256}}} on the demo data."""
    import plotly.io as pio

    from dashboard.analytics.catalogue import Catalogue
    from dashboard.ingest import dataset
    from dashboard.settings import DEFAULT_DATA
    from dashboard.web import charts
    from dashboard.web.ids import Chart
    from dashboard.web.view_state import default_view, from_query

    data = dataset.load([DEFAULT_DATA])
    catalogue = Catalogue.of(data.frame)
    out: dict[str, dict[str, dict[str, str]]] = {}
    for query in QUERIES:
        state, _ = from_query(query, default_view(catalogue), catalogue)
        out[query] = {}
        for chart in Chart:
            view = charts.render(chart, state, data, catalogue)
            figure = json.dumps(json.loads(pio.to_json(view.figure)), sort_keys=True)
            out[query][chart.value] = {
                "figure": _digest(figure),
                "table": _digest(view.table.to_csv(index=False)),
                "summary": _digest(view.summary),
            }
    return out


@pytest.fixture(scope="module")
def digests_now():
    return chart_digests()


@pytest.mark.parametrize("query", QUERIES)
def test_demo_views_draw_what_they_drew(digests_now, query):
    stored = json.loads(DIGESTS.read_text())
    assert digests_now[query] == stored[query]


def test_every_stored_view_is_still_checked():
    assert sorted(json.loads(DIGESTS.read_text())) == sorted(QUERIES)


if __name__ == "__main__":
    os.environ.setdefault("RARE_EARTH_VALIDATE_FIGURES", "1")  # as tests/conftest.py does
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    DIGESTS.write_text(json.dumps(chart_digests(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS}")
