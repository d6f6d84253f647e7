"""A restart loses nothing a user relied on.

A user uploads a file, looks at a view, copies its link and its export. The server then
restarts (a new app from the same cache folder: new process memory, an empty render
cache). The upload token in the user's tab still serves the same data, the same query
gives the same figure, summary and table, and the export keeps its ETag, so a proxy's
or browser's copy still revalidates with a 304.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA, Settings
from dashboard.web.app import create_app

ENDPOINT = "/_dash-update-component"
HREF = "http://localhost/"
QUERY = "?commodity=280530&period=2024-Q2&perspective=reporter"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return Settings(cache_dir=tmp_path_factory.mktemp("cache"))


def start(settings: Settings):
    """What a (re)start does (see dashboard.wsgi): load through the data cache, build."""
    return create_app(settings, dataset.load([DEFAULT_DATA], cache_dir=settings.data_cache_dir))


def callback(app, first_output: str, values: dict[str, object]) -> dict:
    """Call the callback whose first output is `first_output`; returns its response."""
    output, spec = next((o, s) for o, s in app.callback_map.items()
                        if o.lstrip(".").startswith(first_output))
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]

    def items(part):
        return [{"id": str(d["id"]), "property": d["property"],
                 "value": values.get(f"{d['id']}.{d['property']}")} for d in spec[part]]

    inputs = items("inputs")
    body = {"output": output, "inputs": inputs, "state": items("state"),
            "outputs": [{"id": str(o.component_id), "property": o.component_property}
                        for o in declared],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    response = app.server.test_client().post(ENDPOINT, data=json.dumps(body),
                                              content_type="application/json")
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def upload(app, path) -> str:
    contents = "data:text/csv;base64," + base64.b64encode(path.read_bytes()).decode()
    answer = callback(app, "session-dataset.data",
                      {"upload.contents": contents, "upload.filename": path.name})
    message = answer["upload-message"]["children"]
    assert "rows used" in message, message
    return answer["session-dataset"]["data"]


def map_view(app, token: str | None, query: str = QUERY) -> dict:
    answer = callback(app, "map.figure", {"url.search": query, "session-dataset.data": token,
                                          "url.href": HREF + query})
    return {"figure": answer["map"]["figure"], "summary": answer["map-summary"]["children"],
            "rows": answer["rows-map-table"]["data"]["rowData"]}


def render_cache_entries(app) -> int:
    """How many rendered views the in-process cache holds (web/cache.py's LocalCache)."""
    return len(app.server.extensions["view_cache"].store)


def csv_body(response) -> list[str]:
    """The export's lines without the generation time (a restart may change the second)."""
    return [line for line in response.get_data(as_text=True).splitlines()
            if not line.startswith("# generated")]


def test_an_upload_and_its_views_survive_a_restart(settings, tmp_path):
    rows = [plus_row(reporter=reporter, partner=partner, year=2024, month=month,
                     weight=str(weight * month))
            for month in range(1, 7)
            for reporter, partner, weight in (("410", "156", 700), ("608", "156", 90),
                                              ("410", "392", 40))]
    path = write_rows(tmp_path / "restart_upload.csv", PLUS_COLUMNS, rows)
    embedded_query = "?tab=map&period=2025-Q1&baseline=2024&basis=average&measure=value"

    before = start(settings)
    token = upload(before, path)
    seen = map_view(before, token)
    assert sorted(r["iso3"] for r in seen["rows"]) == ["KOR", "PHL"]
    embedded = map_view(before, None, embedded_query)
    export_url = f"/export/map.csv{QUERY}&dataset={token}"
    exported = before.server.test_client().get(export_url)
    assert exported.status_code == 200
    assert "your upload restart_upload.csv" in exported.get_data(as_text=True)

    after = start(settings)  # the restart
    assert render_cache_entries(after) == 0  # nothing rendered carried over in memory
    assert map_view(after, token) == seen
    assert render_cache_entries(after)  # rebuilt on the first request
    assert map_view(after, None, embedded_query) == embedded
    client = after.server.test_client()
    assert csv_body(client.get(export_url)) == csv_body(exported)
    revalidated = client.get(export_url, headers={"If-None-Match": exported.headers["ETag"]})
    assert revalidated.status_code == 304
    # The restarted page describes the upload, not the embedded data.
    described = callback(after, "page-header.children", {"session-dataset.data": token})
    assert "your upload restart_upload.csv" in json.dumps(described["page-header"])


def test_a_token_whose_files_are_gone_falls_back_to_the_embedded_data(settings, tmp_path):
    """After a restart with an emptied upload folder, an old tab gets the embedded data."""
    before = start(settings)
    rows = [plus_row(reporter="410", year=2024, month=m) for m in (1, 2)]
    token = upload(before, write_rows(tmp_path / "gone.csv", PLUS_COLUMNS, rows))
    shutil.rmtree(settings.upload_dir / token)
    after = start(settings)
    assert map_view(after, token, "?") == map_view(after, None, "?")
