"""The benchmark scripts' requests keep the page's callback shapes (benchmarks/benchlib.py).

They replay what the page sends; when the page's callbacks change shape, the recordings and
the bodies they build must follow (cf39314 moved the URL's search from input to state and
made the viewport store the render callbacks' only input: every replay answered 400; the
tabs built on first view then gave each tab its copy of the store, `view-<tab>`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import benchlib  # noqa: E402

MAP_PAYLOAD = Path(__file__).parent / "payloads" / "map_tab.json"
MAP_OUTPUT = ("..map.figure...map.style...map-summary.children...map-table.rowData"
              "...map-table.columnDefs..")
# The map's render request as recorded before cf39314: search, token and width as inputs.
OLD_MAP_BODY = {
    "output": MAP_OUTPUT,
    "outputs": [{"id": "map", "property": "figure"}],
    "inputs": [{"id": "url", "property": "search", "value": "?period=2024"},
               {"id": "session-dataset", "property": "data", "value": None},
               {"id": "viewport-fit", "property": "data", "value": "narrow"}],
    "changedPropIds": ["url.search"],
    "state": [{"id": "url", "property": "href", "value": "http://127.0.0.1:8050/?period=2024"}],
}


@pytest.fixture(scope="module")
def app(make_app):
    return make_app()


def by_id(body: dict) -> dict[tuple[str, str], object]:
    return {(i["id"], i["property"]): i["value"] for i in body["inputs"] + body["state"]}


def test_search_is_found_in_state_input_or_viewport_store():
    recorded = json.loads(MAP_PAYLOAD.read_text())  # url.search "" in state
    assert benchlib.search_of(recorded) == ""
    assert benchlib.search_of(OLD_MAP_BODY) == "?period=2024"
    # The server reads url.search (state), not the store's copy of it.
    state_first = {"inputs": [{"id": "viewport-fit", "property": "data",
                               "value": {"fit": "wide", "search": "?tab=map", "token": None}}],
                   "state": [{"id": "url", "property": "search", "value": "?period=2023"}]}
    assert benchlib.search_of(state_first) == "?period=2023"
    store_only = {"inputs": [{"id": "viewport-fit", "property": "data",
                              "value": {"fit": "wide", "search": "?tab=flows", "token": None}}]}
    assert benchlib.search_of(store_only) == "?tab=flows"
    assert benchlib.search_of({"inputs": [], "state": []}) is None


def test_with_search_changes_search_href_and_store_together():
    recorded = json.loads(MAP_PAYLOAD.read_text())
    values = by_id(benchlib.with_search(recorded, "?period=2023", "http://h/"))
    assert values[("url", "search")] == "?period=2023"
    assert values[("url", "href")] == "http://h/?period=2023"
    # the map tab's copy of the viewport store (view-map), which its render callback reads
    assert values[("view-map", "data")] == {"fit": "wide", "search": "?period=2023",
                                            "token": None}


def test_built_map_request_is_the_recorded_one(app):
    recorded = json.loads(MAP_PAYLOAD.read_text())
    built = benchlib.render_body(app, "", "wide")
    assert built["output"] == recorded["output"]
    for part in ("inputs", "state", "outputs", "changedPropIds"):
        assert built[part] == recorded[part]


def test_old_request_migrates_and_renders(app):
    body = benchlib.migrated(app, OLD_MAP_BODY)
    values = by_id(body)
    assert values[("view-map", "data")] == {"fit": "narrow", "search": "?period=2024",
                                            "token": None}
    assert values[("url", "search")] == "?period=2024"
    assert body["changedPropIds"] == ["view-map.data"]
    client = app.server.test_client()
    assert client.post("/_dash-update-component", json=OLD_MAP_BODY).status_code == 400
    assert client.post("/_dash-update-component", json=body).status_code == 200


def test_naive_reference_gets_the_search_of_a_state_only_request():
    import naive_views

    body = naive_views.naive_body("map", json.loads(MAP_PAYLOAD.read_text()))
    assert body["inputs"] == [{"id": "url", "property": "search", "value": ""}]
