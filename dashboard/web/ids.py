"""Component IDs: one place, grep-able, never retyped by hand."""

from enum import StrEnum


class ID(StrEnum):
    URL = "url"
    NOTICE = "url-notice"
    DATA_NOTICE = "data-notice"
    COMMODITY = "control-commodity"
    DIRECTION = "control-direction"
    PERSPECTIVE = "control-perspective"
    PARTNER = "control-partner"
    MEASURE = "control-measure"
    PERIOD = "control-period"
    BASELINE = "control-baseline"
    BASIS = "control-basis"
    CHANGE = "control-change"
    FOCUS = "control-focus"
    PRESET_WHOLE_YEAR = "preset-whole-year"
    PRESET_AVERAGE = "preset-average"
    PRESET_SAME_PERIOD = "preset-same-period"
    COMPARISON_TEXT = "comparison-text"
    MAP = "map"
    MAP_SUMMARY = "map-summary"
    TABLE = "map-table"
    FOCUS_PANEL = "focus-panel"
