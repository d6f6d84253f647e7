"""Memory: freed memory goes back after a response is sent; the frame's columns are one chunk.

No timings and no RSS thresholds here (the machine is shared): these tests check that the
release hook runs, when it does and does not, that it changes no response, and that a
loaded frame keeps its values and contract with each Arrow column in one array.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.ingest import dataset, schema
from dashboard.web import memory

MAP_PAYLOAD = Path(__file__).parent / "payloads" / "map_tab.json"
MAP_QUERY = "?commodity=280530&period=2024&baseline=2023&perspective=reporter"


def chunks(frame: pd.DataFrame) -> dict[str, int]:
    """Number of Arrow chunks of each Arrow-backed column."""
    return {name: frame[name].array.__arrow_array__().num_chunks for name in frame.columns
            if isinstance(frame[name].array, pd.arrays.ArrowExtensionArray)}


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory):
    """Two customs files, so the merged frame's columns arrive in several chunks."""
    folder = tmp_path_factory.mktemp("data")
    for name, reporter in (("a.csv", "410"), ("b.csv", "392")):
        rows = [plus_row(reporter=reporter, year=year, month=month, weight=str(1000 + month))
                for year in (2023, 2024) for month in range(1, 13)]
        write_rows(folder / name, PLUS_COLUMNS, rows)
    return folder


@pytest.fixture(scope="module")
def data(data_folder):
    return dataset.load([data_folder])


def map_request(client, query: str = MAP_QUERY):
    payload = json.loads(MAP_PAYLOAD.read_text())
    payload["state"][0]["value"] = query
    return client.post("/_dash-update-component", json=payload)


def test_release_runs_after_a_render_is_sent_and_changes_no_response(
        data, make_app, monkeypatch):
    released = []
    monkeypatch.setattr(memory, "release", lambda: released.append(True))
    monkeypatch.setattr(memory, "GROWTH_MB", 0)  # release after every request
    app = make_app(data)
    assert released == [True], "start-up's temporaries are released once"
    released.clear()
    releaser = app.server.extensions["memory_releaser"]
    response = map_request(app.server.test_client())
    assert response.status_code == 200
    assert released == [], "nothing is released before the response is sent"
    response.close()  # what a WSGI server does once the body is written
    assert released == [True] and releaser.releases == 1

    monkeypatch.setattr(memory, "register", lambda server, releaser=None: None)
    without = make_app(data)
    plain = map_request(without.server.test_client())
    assert "memory_releaser" not in without.server.extensions
    assert plain.get_json() == response.get_json()
    assert plain.get_json()["response"]["map"]["figure"]["data"]  # a real render
    assert dict(plain.headers) == dict(response.headers)


def test_release_waits_for_the_worker_to_grow():
    freed = []
    patient = memory.Releaser(growth_mb=1e9, free=lambda: freed.append(True))
    assert patient() is False and freed == [] and patient.releases == 0
    eager = memory.Releaser(growth_mb=0, free=lambda: freed.append(True))
    assert eager() is True and freed == [True] and eager.releases == 1
    assert eager.floor == memory.resident_bytes()  # the next growth counts from here
    eager.floor += 2**30  # the worker shrank since (a collection freed memory)
    assert eager() is True and eager.releases == 2, "growth 0 releases every time"


def test_release_empties_arrows_pool_then_trims_malloc(monkeypatch):
    calls = []

    class Pool:
        def release_unused(self):
            calls.append("arrow")

    monkeypatch.setattr(memory.pyarrow, "default_memory_pool", Pool)
    monkeypatch.setattr(memory, "_TRIM", lambda: calls.append("malloc_trim"))
    memory.release()
    assert calls == ["arrow", "malloc_trim"]
    monkeypatch.setattr(memory, "_TRIM", None)  # not glibc: Arrow's pool only, no error
    memory.release()
    assert calls == ["arrow", "malloc_trim", "arrow"]


def status_rss_bytes() -> int:
    """VmRSS from /proc/self/status (kB there): the kernel's own words for the same number."""
    line = next(x for x in Path("/proc/self/status").read_text().splitlines()
                if x.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="no /proc on this system")
def test_resident_bytes_is_this_process_rss_and_grows_with_touched_memory():
    import numpy as np

    assert abs(memory.resident_bytes() - status_rss_bytes()) < 8 * 2**20
    before = memory.resident_bytes()
    touched = np.ones(64 * 2**20 // 8)  # 64 MB, every page written
    grown = memory.resident_bytes() - before
    assert 48 * 2**20 < grown < 128 * 2**20, grown
    del touched


def test_loaded_frame_has_one_chunk_per_column_from_raw_files_and_from_the_cache(
        data_folder, data, tmp_path):
    files = dataset.trade_files([data_folder])
    merged = pd.concat([dataset.readers.read_file(f).frame for f in files], ignore_index=True)
    assert max(chunks(merged).values()) > 1, "the test needs a chunked frame to start from"
    built = dataset.load([data_folder], cache_dir=tmp_path / "cache")  # a miss: raw read
    hit = dataset.load([data_folder], cache_dir=tmp_path / "cache")
    for loaded in (data, built, hit):
        schema.check(loaded.frame)
        assert set(chunks(loaded.frame).values()) == {1}
        pd.testing.assert_frame_equal(loaded.frame, data.frame)
    assert len(data.frame) == 48


def test_one_chunk_per_column_keeps_values_dtypes_and_missing_values():
    parts = [pd.DataFrame({"text": pd.array(["a", None], dtype="string"), "number": [1.0, 2.0]}),
             pd.DataFrame({"text": pd.array(["c"], dtype="string"), "number": [None]})]
    frame = pd.concat(parts, ignore_index=True)
    expected = frame.copy()
    assert chunks(frame) == {"text": 2}
    out = dataset.one_chunk_per_column(frame)
    assert chunks(out) == {"text": 1}
    pd.testing.assert_frame_equal(out, expected)
    assert str(out["text"].dtype) == "string" and out["text"].isna().tolist() == [
        False, True, False]
