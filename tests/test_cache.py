"""The read cache: a hit equals a fresh read; a change or a broken file is a miss, not a crash."""

from __future__ import annotations

import json
import os
import shutil
import threading

import pandas as pd
import pytest
from factories import plus_row

from dashboard.ingest import dataset, frame_cache, readers, schema


@pytest.fixture
def folder(plus_file, tmp_path):
    """Two customs files (breakdown rows, World, a bad row, a duplicate across files) and a
    sidecar; returns the data folder."""
    plus_file([plus_row(weight="1000"), plus_row(weight="600", customs="C01"),
               plus_row(partner="0", weight="1000"), plus_row(month=2, weight="-5"),
               plus_row(month=3, partner="384")], name="a.csv")
    plus_file([plus_row(weight="999"), plus_row(month=4, reporter="392")], name="b.csv")
    (tmp_path / "a.meta.json").write_text(json.dumps(
        {"title": "A", "source": "Test source A", "licence": "CC0", "synthetic": True}))
    return tmp_path


@pytest.fixture
def raw_reads(monkeypatch):
    """Counts the raw files read, so a test can tell a cache hit from a miss."""
    count = {"files": 0}
    real = readers.read_file

    def counting(path, **options):
        count["files"] += 1
        return real(path, **options)

    monkeypatch.setattr(readers, "read_file", counting)
    return count


def assert_same(got: dataset.Dataset, expected: dataset.Dataset) -> None:
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert got.problems == expected.problems
    assert got.stats == expected.stats
    assert got.layouts == expected.layouts
    assert got.provenance == expected.provenance


def test_hit_gives_the_same_dataset_without_reading_raw_files(folder, tmp_path, raw_reads):
    cache_dir = tmp_path / "cache"
    fresh = dataset.load([folder])
    first = dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 4  # 2 without cache, 2 to build the cache
    hit = dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 4
    assert fresh.problems and fresh.stats["breakdown_rows"] == 1  # a non-trivial dataset
    schema.check(hit.frame)
    assert_same(first, fresh)
    assert_same(hit, fresh)
    assert hit.source_line == fresh.source_line and hit.synthetic


def test_load_reads_like_read_many(folder):
    """dataset merges per-file results itself (for progress); it must match readers."""
    files = dataset.trade_files([folder])
    expected = readers.read_many(files)
    got = dataset.load([folder])
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    assert (got.problems, got.stats, got.layouts) == (
        expected.problems, expected.stats, expected.layouts)


def test_progress_is_told_after_each_raw_file(folder, tmp_path):
    calls = []
    dataset.load([folder], cache_dir=tmp_path / "cache",
                 progress=lambda rows, rate: calls.append((rows, rate)))
    assert [rows for rows, _ in calls] == [5, 7]
    assert all(rate > 0 for _, rate in calls)
    dataset.load([folder], cache_dir=tmp_path / "cache", progress=calls.append)
    assert len(calls) == 2  # a hit reads no raw rows


@pytest.mark.parametrize(("name", "raw_files"), [("a.csv", 1), ("a.meta.json", 0)])
def test_touched_file_is_read_again_alone(folder, tmp_path, raw_reads, name, raw_files):
    """A touched file is read raw again, the untouched one comes from the cache; a sidecar
    is read directly on every load, so touching one reads no raw file."""
    cache_dir = tmp_path / "cache"
    dataset.load([folder], cache_dir=cache_dir)
    stat = (folder / name).stat()
    os.utime(folder / name, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert_same(dataset.load([folder], cache_dir=cache_dir), dataset.load([folder]))
    assert raw_reads["files"] == 2 + raw_files + 2  # built, re-read, the fresh read
    dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 2 + raw_files + 2  # then a hit again


def test_changed_sidecar_text_reaches_provenance(folder, tmp_path):
    cache_dir = tmp_path / "cache"
    dataset.load([folder], cache_dir=cache_dir)
    (folder / "a.meta.json").write_text(json.dumps({"source": "A corrected source line"}))
    got = dataset.load([folder], cache_dir=cache_dir)
    assert "A corrected source line" in got.source_line


def test_an_added_file_is_the_only_one_read_raw(folder, tmp_path, plus_file, monkeypatch):
    """A new file beside cached ones: read alone, and the dataset equals a fresh read of
    all three, duplicates across files included (c.csv repeats a row of a.csv)."""
    cache_dir = tmp_path / "cache"
    dataset.load([folder], cache_dir=cache_dir)
    plus_file([plus_row(month=9, reporter="842"), plus_row(weight="5")], name="c.csv")
    read = []
    real = readers.read_file
    monkeypatch.setattr(readers, "read_file", lambda path, **o: read.append(path.name)
                        or real(path, **o))
    got = dataset.load([folder], cache_dir=cache_dir)
    assert read == ["c.csv"]
    fresh = dataset.load([folder])
    assert_same(got, fresh)
    assert "USA" in set(got.frame["reporter"])
    assert got.stats["duplicate_rows"] == 2  # b.csv's and c.csv's repeat of a.csv's row


def test_a_removed_file_leaves_the_dataset(folder, tmp_path, raw_reads):
    cache_dir = tmp_path / "cache"
    dataset.load([folder], cache_dir=cache_dir)
    (folder / "b.csv").unlink()
    got = dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 2  # a.csv from the cache, b.csv gone
    assert "JPN" not in set(got.frame["reporter"])  # b.csv held Japan's only row
    assert_same(got, dataset.load([folder]))


def test_the_source_stamp_changes_with_what_a_load_reads(folder, plus_file):
    before = dataset.source_stamp([folder])
    assert set(before) == {str(folder / n) for n in ("a.csv", "a.meta.json", "b.csv")}
    assert before[str(folder / "b.csv")][0] == (folder / "b.csv").stat().st_size
    assert dataset.source_stamp([folder]) == before
    (folder / "notes.md").write_text("not data")
    assert dataset.source_stamp([folder]) == before
    (folder / dataset.POLICY_EVENTS_FILE).write_text("date,event\n")
    with_events = dataset.source_stamp([folder])
    assert set(with_events) - set(before) == {str(folder / dataset.POLICY_EVENTS_FILE)}
    (folder / "b.meta.json").write_text("{}")
    assert len(dataset.source_stamp([folder])) == len(with_events) + 1


def test_cache_version_change_invalidates(folder, tmp_path, raw_reads, monkeypatch):
    cache_dir = tmp_path / "cache"
    dataset.load([folder], cache_dir=cache_dir)
    monkeypatch.setattr(frame_cache, "CACHE_VERSION", frame_cache.CACHE_VERSION + 1)
    dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 4


@pytest.mark.parametrize("damage", [
    lambda entry: (entry / frame_cache.FRAME_FILE).write_bytes(b"not parquet"),
    lambda entry: (entry / frame_cache.FRAME_FILE).write_bytes(
        (entry / frame_cache.FRAME_FILE).read_bytes()[:200]),
    lambda entry: (entry / frame_cache.FRAME_FILE).unlink(),
    lambda entry: (entry / frame_cache.META_FILE).write_text("{truncated"),
    lambda entry: (entry / frame_cache.META_FILE).write_text(json.dumps({"key": None})),
], ids=["garbage-frame", "truncated-frame", "missing-frame", "garbage-meta", "empty-meta"])
def test_corrupt_cache_is_ignored_and_rebuilt(folder, tmp_path, raw_reads, damage):
    cache_dir = tmp_path / "cache"
    fresh = dataset.load([folder], cache_dir=cache_dir)
    damage(frame_cache.file_entry_dir(cache_dir, folder / "a.csv"))
    shutil.rmtree(cache_dir / frame_cache.MERGED_FOLDER)  # else it answers without a.csv's
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
    assert raw_reads["files"] == 3  # a.csv read again, b.csv from the cache
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
    assert raw_reads["files"] == 3  # the rebuilt entry is used


def test_frame_from_another_write_is_a_miss(folder, tmp_path, raw_reads):
    """A reader racing a writer may see one file new and the other old: never mix them."""
    cache_dir = tmp_path / "cache"
    fresh = dataset.load([folder], cache_dir=cache_dir)
    foreign = frame_cache.file_entry_dir(cache_dir, folder / "b.csv") / frame_cache.FRAME_FILE
    own = frame_cache.file_entry_dir(cache_dir, folder / "a.csv") / frame_cache.FRAME_FILE
    own.write_bytes(foreign.read_bytes())
    shutil.rmtree(cache_dir / frame_cache.MERGED_FOLDER)
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
    assert raw_reads["files"] == 3


@pytest.mark.parametrize("damage", [
    lambda entry: (entry / frame_cache.FRAME_FILE).write_bytes(b"not parquet"),
    lambda entry: (entry / frame_cache.META_FILE).write_text("{truncated"),
], ids=["garbage-frame", "garbage-meta"])
def test_a_damaged_merged_entry_is_rebuilt_from_the_files_entries(folder, tmp_path, raw_reads,
                                                                    damage):
    cache_dir = tmp_path / "cache"
    fresh = dataset.load([folder], cache_dir=cache_dir)
    assert raw_reads["files"] == 2
    damage(frame_cache.merged_dir(cache_dir, [folder]))
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
    assert raw_reads["files"] == 2  # no raw read: each file's entry was whole


def test_a_start_with_nothing_changed_reads_the_merged_entry_only(folder, tmp_path,
                                                                  monkeypatch):
    cache_dir = tmp_path / "cache"
    fresh = dataset.load([folder], cache_dir=cache_dir)
    merges = []
    real_merge = dataset.readers.merge_results
    monkeypatch.setattr(dataset.readers, "merge_results",
                        lambda *a, **k: merges.append(1) or real_merge(*a, **k))
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
    assert merges == []
    (folder / "a.csv").touch()  # a changed file: the files' entries are merged again
    dataset.load([folder], cache_dir=cache_dir)
    assert merges == [1]


def test_unwritable_cache_dir_still_loads(folder, tmp_path):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder should be")
    got = dataset.load([folder], cache_dir=not_a_folder)
    assert got.stats["rows_read"] == 7


def test_a_loader_waits_for_the_one_building_and_uses_its_entry(folder, tmp_path, raw_reads,
                                                                monkeypatch):
    """Workers starting together must not each read the raw files (gigabytes at 5M rows)."""
    cache_dir = tmp_path / "cache"
    missed, real_read, loaded = threading.Event(), frame_cache.read, []

    def read(*args):
        entry = real_read(*args)
        missed.set()  # set at the first file: the waiter then reaches the lock
        return entry

    monkeypatch.setattr(frame_cache, "read", read)
    with frame_cache.lock(cache_dir, [folder]):  # this test is the process building the entry
        waiter = threading.Thread(
            target=lambda: loaded.append(dataset.load([folder], cache_dir=cache_dir)))
        waiter.start()
        assert missed.wait(30)  # the waiter found no entry; it now waits for the lock
        files = dataset.trade_files([folder])
        options = dataset._read_options(dataset.DEFAULT_LIMITS)
        for path, result in zip(files, dataset._read_raw(files, None), strict=True):
            details = {"stats": result.stats, "layouts": result.layouts}
            entry = frame_cache.Entry(result.frame, result.problems, details)
            frame_cache.write(cache_dir, path, frame_cache.fingerprint(path, options), entry)
    waiter.join(30)
    assert len(loaded) == 1
    assert raw_reads["files"] == 2  # read once, by the builder


def test_the_data_fingerprint_changes_when_only_a_value_does():
    """A corrected value (or a weight now reported) must change every cache key and ETag;
    a fingerprint of row count and total weight kept serving the stale view."""
    from pathlib import Path

    from dashboard.ingest import dataset

    data = dataset.load([Path(__file__).parents[1] / "data"])
    before = data.fingerprint()
    assert data.fingerprint() == before  # stable for the same data
    data.frame.loc[data.frame.index[7], "value_usd"] += 1.0
    assert data.fingerprint() != before


def test_a_file_replaced_while_it_is_read_is_never_cached_as_the_new_one(folder, tmp_path,
                                                                        monkeypatch):
    """The entry's key is the file as it was when reading began: a file replaced during a
    raw read (a fetch writing into the served folder) must be read again next time, not
    served forever as the old frame under the new file's key."""
    cache_dir = tmp_path / "cache"
    real = readers.read_file
    replaced = []

    def read_then_replace(path, **options):
        result = real(path, **options)
        if path.name == "a.csv" and not replaced:  # a fetch replaces it meanwhile
            path.write_bytes((path.parent / "b.csv").read_bytes())  # other rows
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
            replaced.append(path)
        return result

    monkeypatch.setattr(readers, "read_file", read_then_replace)
    dataset.load([folder], cache_dir=cache_dir)
    assert replaced
    fresh = dataset.load([folder])  # no cache: what the files hold now
    assert_same(dataset.load([folder], cache_dir=cache_dir), fresh)
