"""Settings are defined once (the dataclass) and read the same from the environment."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from dashboard.settings import ENVIRONMENT, Settings

SET_ON_THE_COMMAND_LINE = {"host", "port", "debug"}  # `serve` options; gunicorn binds itself


def test_no_variables_mean_the_dataclass_defaults():
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"RARE_EARTH_CACHE_MB": "  "}) == Settings()


def test_every_deployment_setting_has_its_variable():
    named = {name for name, _ in ENVIRONMENT.values()}
    assert named == {f.name for f in fields(Settings)} - SET_ON_THE_COMMAND_LINE


def test_variables_are_read_into_their_types():
    settings = Settings.from_env({
        "RARE_EARTH_DATA": "/a:/b", "RARE_EARTH_UPLOAD_MAX_AGE_HOURS": "2.5",
        "RARE_EARTH_UPLOAD_MAX_ROWS": "10", "RARE_EARTH_ALLOWED_HOSTS": "a.example b.example",
        "RARE_EARTH_KEEP_VALID_ROWS": "true", "RARE_EARTH_BASE_PATH": "x"})
    assert settings.data_paths == (Path("/a"), Path("/b"))
    assert settings.upload_max_age_hours == 2.5 and settings.upload_max_rows == 10
    assert settings.allowed_hosts == ("a.example", "b.example")
    assert settings.keep_valid_rows is True and settings.base_path == "/x/"


def test_the_data_check_interval_is_read_and_checked():
    assert Settings().data_check_s == 30.0
    assert Settings.from_env({"RARE_EARTH_DATA_CHECK_S": "0"}).data_check_s == 0.0
    assert Settings.from_env({"RARE_EARTH_DATA_CHECK_S": "2.5"}).data_check_s == 2.5
    for bad in ("-1", "nan"):
        with pytest.raises(ValueError, match="data_check_s"):
            Settings.from_env({"RARE_EARTH_DATA_CHECK_S": bad})
