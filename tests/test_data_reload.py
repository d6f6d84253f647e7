"""A running server follows its data folder: new, changed and removed files are served after
the next look, unchanged files come from the per-file cache, and a bad load keeps the old data.

The app here checks on every request (`data_check_s` of a nanosecond), so no test waits for
a clock; the interval itself is tested on the `Context` with a fake clock.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.ingest import dataset, readers
from dashboard.settings import Settings
from dashboard.web import context as context_module
from dashboard.web.app import create_app
from dashboard.web.context import Context, DataWatch

Q2 = "/export/map.csv?period=2024-Q2"
Q3 = "/export/map.csv?period=2024-Q3"


def months(first: int, last: int) -> list[dict]:
    """Korea 1 t and Japan 2.5 t of imports a month, 2024."""
    return [plus_row(reporter=reporter, year=2024, month=month, weight=weight)
            for month in range(first, last + 1)
            for reporter, weight in (("410", "1000"), ("392", "2500"))]


@pytest.fixture
def folder(tmp_path) -> Path:
    """A data folder with a.csv: the first half of 2024."""
    data = tmp_path / "data"
    data.mkdir()
    write_rows(data / "a.csv", PLUS_COLUMNS, months(1, 6))
    return data


@pytest.fixture
def raw_reads(monkeypatch) -> list[str]:
    """The names of the files read raw, in order (a cache hit reads none)."""
    names: list[str] = []
    real = readers.read_file

    def counting(path, **options):
        names.append(Path(path).name)
        return real(path, **options)

    monkeypatch.setattr(readers, "read_file", counting)
    return names


def serve(folder: Path, tmp_path: Path, **options):
    """What a start does (dashboard.wsgi): load through the cache, build; a test client."""
    settings = Settings(data_paths=(folder,), cache_dir=tmp_path / "cache",
                        data_check_s=1e-9, **options)
    app = create_app(settings, dataset.load([folder], cache_dir=settings.data_cache_dir))
    return app.server.test_client()


def rows_of(response) -> list[str]:
    """The CSV's data lines (its header comments, with their generation time, left out)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [line for line in response.get_data(as_text=True).splitlines()[1:]
            if not line.startswith("#")]


def test_an_added_file_is_served_and_the_others_come_from_the_cache(folder, tmp_path,
                                                                     raw_reads, caplog):
    client = serve(folder, tmp_path)
    assert raw_reads == ["a.csv"]
    assert client.get(Q3).status_code == 400  # not a period the data covers yet
    first_half = client.get(Q2).get_data(as_text=True)

    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))
    with caplog.at_level(logging.INFO, logger=context_module.__name__):
        third = rows_of(client.get(Q3))
    assert raw_reads == ["a.csv", "b.csv"]  # a.csv came from the cache
    assert third[1:] == [
        '"Japan","JPN",7.5,False,"complete",3,"b.csv lines 3, 5, 7","country",0,'
        '"the country itself","",""',
        '"South Korea","KOR",3.0,False,"complete",3,"b.csv lines 2, 4, 6","country",0,'
        '"the country itself","",""']
    reloads = [r.getMessage() for r in caplog.records if "data reloaded" in r.getMessage()]
    assert len(reloads) == 1
    assert "1 added (b.csv), 0 changed, 0 removed" in reloads[0]
    assert ": 18 rows in " in reloads[0]
    # The view of Q2 was rendered before: the new data's fingerprint gives it a new key,
    # so its source line now names both files.
    again = client.get(Q2).get_data(as_text=True)
    assert again != first_half and "b.csv" in again.splitlines()[0]
    assert rows_of(client.get(Q2)) == rows_of_text(first_half)
    assert raw_reads == ["a.csv", "b.csv"]


def rows_of_text(text: str) -> list[str]:
    return [line for line in text.splitlines()[1:] if not line.startswith("#")]


def test_a_changed_and_a_removed_file_are_followed(folder, tmp_path, raw_reads, caplog):
    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))
    client = serve(folder, tmp_path)
    assert len(rows_of(client.get(Q3))) == 3
    (folder / "b.csv").unlink()
    write_rows(folder / "a.csv", PLUS_COLUMNS, months(1, 3))  # a.csv now ends in March
    with caplog.at_level(logging.INFO, logger=context_module.__name__):
        assert client.get(Q3).status_code == 400
        assert client.get(Q2).status_code == 400
    assert raw_reads == ["a.csv", "b.csv", "a.csv"]
    assert any("0 added, 1 changed (a.csv), 1 removed (b.csv)" in r.getMessage()
               for r in caplog.records)


@pytest.mark.parametrize("keep_valid_rows", [False, True])
def test_a_broken_new_file_keeps_the_old_data(folder, tmp_path, caplog, keep_valid_rows):
    """Refused with its problems unless the server serves valid rows; never a 500."""
    client = serve(folder, tmp_path, keep_valid_rows=keep_valid_rows)
    before = rows_of(client.get(Q2))
    (folder / "c.csv").write_text("not,a,trade\nfile,at,all\n")
    with caplog.at_level(logging.INFO, logger=context_module.__name__):
        response = client.get(Q2)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert rows_of(response) == before
    if keep_valid_rows:  # the new load, with c.csv's problem, is served
        assert "data reloaded (1 added (c.csv)" in messages
        assert "c.csv" in response.get_data(as_text=True).splitlines()[0]
    else:
        assert "1 added (c.csv)" in messages and "kept the data loaded before" in messages
        assert "1 problems in the data" in messages
        assert "c.csv" not in response.get_data(as_text=True).splitlines()[0]


def test_a_load_that_fails_keeps_the_old_data(folder, tmp_path, monkeypatch, caplog):
    client = serve(folder, tmp_path)
    before = rows_of(client.get(Q2))

    def failing(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(dataset, "load", failing)
    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))
    with caplog.at_level(logging.INFO, logger=context_module.__name__):
        assert rows_of(client.get(Q2)) == before
    assert client.get(Q3).status_code == 400
    assert any("kept the data loaded before: disk gone" in r.getMessage()
               for r in caplog.records)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_folder_is_looked_at_most_every_check_s(folder, monkeypatch):
    clock, looks = Clock(), []
    real = dataset.source_stamp
    loaded = dataset.load([folder])
    monkeypatch.setattr(dataset, "source_stamp", lambda paths: looks.append(1) or real(paths))
    context = Context(loaded, watch=DataWatch((folder,), None, check_s=30, clock=clock))
    assert len(looks) == 0  # the data carries the stamp it was read at
    first = context.bundle(None)
    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))
    clock.now += 29.9
    assert context.bundle(None) is first and len(looks) == 0
    clock.now += 0.1
    second = context.bundle(None)
    # one look, and the reload's own stamp of what it reads
    assert len(looks) == 2 and len(second.data.frame) == len(first.data.frame) + 6
    clock.now += 10
    assert context.bundle(None) is second and len(looks) == 2


def test_a_file_written_while_the_server_started_is_loaded_at_the_first_look(folder):
    """Between the start's load and the watch's first stamp, a fetch may write a file."""
    clock = Clock()
    loaded = dataset.load([folder])
    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))  # after the read, before serving
    context = Context(loaded, watch=DataWatch((folder,), None, check_s=30, clock=clock))
    assert len(context.bundle(None).data.frame) == 12
    clock.now += 30
    assert len(context.bundle(None).data.frame) == 18


def test_zero_never_looks(folder, monkeypatch):
    looks = []
    loaded = dataset.load([folder])
    monkeypatch.setattr(dataset, "source_stamp", lambda paths: looks.append(1) or {})
    clock = Clock()
    context = Context(loaded, watch=DataWatch((folder,), None, 0, clock=clock))
    clock.now += 1e9
    context.bundle(None)
    assert looks == []


def test_requests_during_a_reload_get_the_old_bundle_at_once(folder, monkeypatch):
    """One thread loads; another request neither waits nor sees a half-made bundle."""
    clock = Clock()
    context = Context(dataset.load([folder]), watch=DataWatch((folder,), None, 1, clock=clock))
    old = context.bundle(None)
    loading, release, real = threading.Event(), threading.Event(), dataset.load

    def slow_load(*args, **kwargs):
        loading.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(dataset, "load", slow_load)
    write_rows(folder / "b.csv", PLUS_COLUMNS, months(7, 9))
    clock.now += 1
    reloaded: list = []
    loader = threading.Thread(target=lambda: reloaded.append(context.bundle(None)))
    loader.start()
    assert loading.wait(30)
    assert context.bundle(None) is old  # the reload holds the lock: no wait, old data
    release.set()
    loader.join(30)
    assert reloaded[0] is not old and context.bundle(None) is reloaded[0]
    assert len(old.data.frame) == 12 and len(reloaded[0].data.frame) == 18
