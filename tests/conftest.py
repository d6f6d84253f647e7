"""Fixtures: customs files written to tmp_path from the factories."""

from __future__ import annotations

import os

# Every figure a test builds goes through plotly's validation (off in production for speed).
os.environ.setdefault("RARE_EARTH_VALIDATE_FIGURES", "1")

import pytest
from factories import PLUS_COLUMNS, snake_case_name, write_rows


@pytest.fixture
def plus_file(tmp_path):
    """Write a Comtrade Plus file from rows; returns its path."""
    def make(rows, name="comtrade_plus.csv", encoding="utf-8", snake_case=False):
        columns = list(PLUS_COLUMNS)
        if snake_case:
            renamed = [snake_case_name(c) for c in columns]
            rows = [{snake_case_name(k): v for k, v in r.items()} for r in rows]
            columns = renamed
        return write_rows(tmp_path / name, columns, rows, encoding=encoding)
    return make
