"""source_file is a Categorical (one small code a row, not a path string): from a raw read,
from the Parquet cache and after merging files; what is computed from it does not change."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.compare import source_traces, source_traces_reference
from dashboard.ingest import dataset, readers, schema, validate
from dashboard.ingest.problems import Reason


@pytest.fixture
def files(plus_file, tmp_path):
    """z.csv read first, a.csv second: merge order is not name order. Each file has a row
    the other repeats (same key), with a different weight, and rows of its own."""
    z = plus_file([plus_row(weight="1000"), plus_row(month=2, weight="20"),
                   plus_row(month=3, partner="392")], name="z.csv")
    a = plus_file([plus_row(weight="999"), plus_row(month=2, partner="392"),
                   plus_row(month=4, partner="392", weight="7")], name="a.csv")
    return [z, a]


def assert_sorted_file_labels(frame: pd.DataFrame, names: list[str]) -> None:
    values = frame["source_file"]
    assert isinstance(values.dtype, pd.CategoricalDtype)
    assert values.cat.categories.dtype == pd.StringDtype(na_value=pd.NA)
    assert list(values.cat.categories) == sorted(names)
    schema.check(frame)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"source_file": "string"})


def test_a_raw_read_holds_the_file_as_a_category(files):
    result = readers.read_file(files[0])
    assert_sorted_file_labels(result.frame, [str(files[0])])
    assert result.frame["source_file"].tolist() == [str(files[0])] * 3


def test_the_cache_and_the_merge_keep_one_sorted_category_per_file(files, tmp_path):
    names = [str(f) for f in files]
    fresh = dataset.load(files)
    built = dataset.load(files, cache_dir=tmp_path / "cache")
    hit = dataset.load(files, cache_dir=tmp_path / "cache")
    for loaded in (fresh, built, hit):
        assert_sorted_file_labels(loaded.frame, names)
        pd.testing.assert_frame_equal(loaded.frame, fresh.frame)
    # The same rows as joining the files' frames as plain strings, in the order read.
    parts = [plain(readers.read_file(f).frame) for f in files]
    joined, _ = validate.drop_duplicate_keys(pd.concat(parts, ignore_index=True))
    pd.testing.assert_frame_equal(plain(fresh.frame), joined.reset_index(drop=True))
    assert fresh.frame["source_file"].tolist() == [names[0]] * 3 + [names[1]] * 2


def test_duplicates_across_files_are_reported_as_with_plain_strings(files):
    loaded = dataset.load(files)
    duplicates = [p for p in loaded.problems if p.reason == Reason.DUPLICATE_KEY]
    parts = [plain(readers.read_file(f).frame) for f in files]
    _, expected = validate.drop_duplicate_keys(pd.concat(parts, ignore_index=True))
    assert duplicates == expected
    [duplicate] = duplicates
    assert (duplicate.file, duplicate.line) == (str(files[1]), 2)
    assert f"as {files[0]}:2 (that row is kept)" in duplicate.message
    assert "net weight kg 999 here, 1,000 there" in duplicate.message


def test_traces_name_the_same_files_and_lines_as_with_plain_strings(files):
    frame = dataset.load(files).frame
    got = source_traces(frame, "partner")
    assert got.equals(source_traces(plain(frame), "partner"))
    assert got.equals(source_traces_reference(plain(frame), "partner"))
    assert got.to_dict() == {"CHN": "z.csv lines 2, 3", "JPN": "a.csv lines 3, 4; z.csv lines 4"}


def test_concat_unions_categories_and_never_falls_back_to_strings(files):
    frames = [readers.read_file(f).frame for f in files]
    joined = schema.concat(frames)
    assert_sorted_file_labels(joined, [str(f) for f in files])
    pd.testing.assert_frame_equal(plain(joined),
                                  pd.concat([plain(f) for f in frames], ignore_index=True))
    assert schema.concat([]).equals(schema.empty_frame())


def test_conform_sorts_and_retypes_categories_from_elsewhere():
    out = schema.sorted_labels(pd.Series(pd.Categorical(["b", "a", "b"], categories=["b", "a"])))
    assert list(out.cat.categories) == ["a", "b"] and out.tolist() == ["b", "a", "b"]
    assert out.cat.categories.dtype == pd.StringDtype(na_value=pd.NA)
    with pytest.raises(ValueError, match="categories"):
        schema.check(schema.empty_frame().assign(
            source_file=pd.Categorical([], categories=["b", "a"])))
