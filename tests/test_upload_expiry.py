"""Uploads expire, are pruned within a total size, keep server-chosen file names, and a
damaged upload folder is reported, never raised and never replaced by the demo data
(issue 14, bullet 3). Time is a fake clock: nothing here sleeps."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import replace

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows
from hostile_files import GOOD_ROW, TIDY_NAMED

from dashboard.ingest import dataset
from dashboard.ingest.limits import UPLOAD_LIMITS, ReadCancelled
from dashboard.settings import DEFAULT_DATA
from dashboard.web import uploads
from dashboard.web.uploads import (
    DAMAGED_MESSAGE,
    EXPIRED_MESSAGE,
    FRAME_FILE,
    META_FILE,
    RAW_FILE,
    Damaged,
    Expired,
    Loaded,
    UploadRefused,
    UploadStore,
)

HOUR = 3600.0
# The fake clock starts at the real time: pruning compares it with files' own times.
START = float(int(time.time()))


class Clock:
    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def base():
    return dataset.load([DEFAULT_DATA / "reference_facts.csv"])


@pytest.fixture(scope="module")
def csv_bytes(tmp_path_factory) -> bytes:
    rows = [plus_row(month=m) for m in range(1, 13)]
    return write_rows(tmp_path_factory.mktemp("f") / "f.csv", PLUS_COLUMNS, rows).read_bytes()


def data_url(raw: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


def store_at(folder, base, clock, **limits) -> UploadStore:
    return UploadStore(folder, 10_000_000, base, clock=clock, **limits)


def test_a_token_expires_after_max_age_in_every_worker(tmp_path, base, csv_bytes):
    clock = Clock()
    first = store_at(tmp_path, base, clock, max_age_hours=24)
    token = first.save("f.csv", data_url(csv_bytes)).token
    other = store_at(tmp_path, base, clock, max_age_hours=24)  # another worker: from disk
    clock.now = START + 23.9 * HOUR
    for store in (first, other):
        found = store.lookup(token)
        assert isinstance(found, Loaded) and len(found.data.frame) == 12
    clock.now = START + 24.1 * HOUR
    assert first.lookup(token) == Expired() and first.lookup(token).message == EXPIRED_MESSAGE
    assert not (tmp_path / token).exists()
    assert other.lookup(token) == Expired()  # its copy in memory expires too
    assert first.load(token) is None


def test_not_a_token_is_no_upload_and_an_unknown_token_has_expired(tmp_path, base):
    store = store_at(tmp_path, base, Clock())
    for nothing in (None, "", 5, ["x"], "../../etc/passwd", "short"):
        assert store.lookup(nothing) is None
    assert store.lookup("A" * 24) == Expired()


def upload_bytes(folder) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


def test_the_oldest_uploads_are_pruned_when_the_folder_outgrows_its_limit(
        tmp_path, base, csv_bytes):
    clock = Clock()
    probe = store_at(tmp_path / "probe", base, clock)
    one = upload_bytes(tmp_path / "probe" / probe.save("f.csv", data_url(csv_bytes)).token)
    store = store_at(tmp_path / "up", base, clock, max_total_mb=2.5 * one / 1e6)
    tokens = []
    for minute in range(3):
        clock.now = START + 60 * minute
        tokens.append(store.save("f.csv", data_url(csv_bytes)).token)
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == sorted(tokens[1:])
    assert store.lookup(tokens[0]) == Expired()
    assert all(isinstance(store.lookup(t), Loaded) for t in tokens[1:])


def test_pruning_at_start_removes_expired_and_half_written_uploads(tmp_path, base, csv_bytes):
    clock = Clock()
    old = store_at(tmp_path, base, clock).save("f.csv", data_url(csv_bytes)).token
    clock.now = START + 2 * HOUR
    young = store_at(tmp_path, base, clock).save("f.csv", data_url(csv_bytes)).token
    half = tmp_path / ("H" * 24)  # a worker died mid-upload: no meta.json
    half.mkdir()
    (half / RAW_FILE).write_bytes(csv_bytes)
    fresh_half = tmp_path / ("F" * 24)  # an upload being read right now
    fresh_half.mkdir()
    clock.now = START + 25 * HOUR
    os.utime(half, (START, START))
    os.utime(fresh_half, (clock.now - 10, clock.now - 10))
    store_at(tmp_path, base, clock, max_age_hours=24)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([young, fresh_half.name])
    assert old not in os.listdir(tmp_path)


@pytest.mark.parametrize("filename", [META_FILE, FRAME_FILE, RAW_FILE, "x.meta.json.part"])
def test_a_file_named_like_a_stored_file_is_stored_as_data(tmp_path, base, csv_bytes,
                                                            filename):
    store = store_at(tmp_path, base, Clock())
    result = store.save(filename, data_url(csv_bytes))
    folder = tmp_path / result.token
    assert sorted(p.name for p in folder.iterdir()) == sorted([RAW_FILE, FRAME_FILE, META_FILE])
    assert (folder / RAW_FILE).read_bytes() == csv_bytes
    assert json.loads((folder / META_FILE).read_text())["filename"] == filename
    found = store_at(tmp_path, base, Clock()).lookup(result.token)
    assert isinstance(found, Loaded) and found.data.provenance[0].file == filename


def _rewrite_meta(change):
    def damage(folder):
        meta = json.loads((folder / META_FILE).read_text())
        (folder / META_FILE).write_text(json.dumps(change(meta)))
    return damage


DAMAGE = {
    "meta missing": lambda folder: (folder / META_FILE).unlink(),
    "meta garbled": lambda folder: (folder / META_FILE).write_bytes(b'{"filename": "f.c\xff'),
    "meta a list": lambda folder: (folder / META_FILE).write_text("[1, 2]"),
    "problems not records": _rewrite_meta(lambda m: m | {"problems": [1, "x"]}),
    "problem with an unknown reason": _rewrite_meta(lambda m: m | {"problems": [{
        "file": "f", "line": 1, "column": "", "value": "", "reason": "nope", "message": ""}]}),
    "problem missing a field": _rewrite_meta(lambda m: m | {"problems": [{"file": "f"}]}),
    "stats missing": _rewrite_meta(lambda m: {k: v for k, v in m.items() if k != "stats"}),
    "stats not counts": _rewrite_meta(lambda m: m | {"stats": {"rows_read": "many"}}),
    "time not a number": _rewrite_meta(lambda m: m | {"uploaded_at": "yesterday"}),
    "frame missing": lambda folder: (folder / FRAME_FILE).unlink(),
    "frame not parquet": lambda folder: (folder / FRAME_FILE).write_bytes(b"PAR1 nonsense"),
    "frame of other columns": lambda folder: pd.DataFrame({"a": [1]}).to_parquet(
        folder / FRAME_FILE),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_upload_is_reported_not_raised_nor_replaced(tmp_path, base, csv_bytes,
                                                              damage):
    clock = Clock()
    token = store_at(tmp_path, base, clock).save("f.csv", data_url(csv_bytes)).token
    damage(tmp_path / token)
    found = store_at(tmp_path, base, clock).lookup(token)
    assert isinstance(found, Damaged), found
    assert found.message == DAMAGED_MESSAGE and found.detail
    assert store_at(tmp_path, base, clock).load(token) is None


def test_a_problems_file_of_the_right_shape_is_read_back(tmp_path, base, csv_bytes):
    bad = csv_bytes + b"410,x\n"
    result = store_at(tmp_path, base, Clock()).save("f.csv", data_url(bad))
    found = store_at(tmp_path, base, Clock()).lookup(result.token)
    assert isinstance(found, Loaded) and found.data.problems == result.problems
    assert [p.line for p in result.problems] == [14]


def test_a_file_over_the_row_limit_is_refused_and_nothing_kept(tmp_path, base, csv_bytes):
    store = store_at(tmp_path, base, Clock(), max_rows=5)
    with pytest.raises(UploadRefused, match=r"f\.csv: it has more than 5 rows, over the 5-row"):
        store.save("f.csv", data_url(csv_bytes))
    assert list(tmp_path.iterdir()) == []


def test_a_read_past_the_time_limit_is_told_to_stop(tmp_path, base, csv_bytes, monkeypatch):
    told, finished = [], threading.Event()

    def slow_read(paths, *, limits):
        told.append(limits.cancel.wait(timeout=60))  # returns as soon as the store gives up
        finished.set()
        raise ReadCancelled("stopped")

    monkeypatch.setattr(uploads.readers, "read_many", slow_read)
    store = store_at(tmp_path, base, Clock(), max_seconds=0.05)
    with pytest.raises(UploadRefused, match=r"reading f\.csv took longer than 0\.05 s"):
        store.save("f.csv", data_url(csv_bytes))
    assert finished.wait(timeout=60) and told == [True]
    assert list(tmp_path.iterdir()) == []


def test_an_upload_keeps_the_first_problems_and_counts_them_all(tmp_path, base):
    text = "\n".join([TIDY_NAMED, ",".join(GOOD_ROW), *["x"] * 5_000]) + "\n"
    limits = replace(UPLOAD_LIMITS, max_problems=10)
    store = store_at(tmp_path, base, Clock(), limits=limits)
    result = store.save("bad.csv", data_url(text.encode()))
    assert result.message.endswith("1 of 5,001 rows used (tidy); 5,000 problems.")
    stored = json.loads((tmp_path / result.token / META_FILE).read_text())["problems"]
    assert len(stored) == 11 and stored[-1]["value"] == "4990"
    assert [p["line"] for p in stored[:10]] == list(range(3, 13))
