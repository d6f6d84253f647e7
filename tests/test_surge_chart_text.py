"""The surge chart's hover lines break where `textwrap.wrap(text, 90)` breaks them: its
plain-words path packs lines itself, and must agree with textwrap on any text."""

from __future__ import annotations

import textwrap

from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboard.figures.surge_charts import HOVER_WIDTH, _wrap

# Words of hover texts, and what sends a text to textwrap: hyphens, tabs, line breaks,
# non-breaking and other spaces, runs of spaces, words longer than a line.
pieces = st.one_of(
    st.sampled_from(["Source", "rows:", "trade.csv", "lines", "2,", "(+19", "more);", "t,",
                     "41.2", "Q1", "2025:", "-", "year-on-year", "a--b", " ", "  ", "\t", "\n",
                     "\xa0", "\u3000", "x" * HOVER_WIDTH, "y" * (HOVER_WIDTH + 1), ""]),
    st.text(min_size=1, max_size=12))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(pieces, max_size=60), st.sampled_from([" ", "", "  "]))
@example(["Source rows: " + ", ".join(map(str, range(2, 40)))], " ")
@example(["x" * HOVER_WIDTH, "y"], " ")
@example(["x" * 44, "y" * 45], " ")  # exactly a line
@example(["a" * 80, "year-on-year"], " ")  # textwrap breaks after a hyphen
@example(["a" * 80, "b\tc", "d" * 9], " ")
def test_hover_lines_break_where_textwrap_breaks_them(parts, glue):
    text = glue.join(parts)
    assert _wrap(text) == "<br>".join(textwrap.wrap(text, HOVER_WIDTH))


def test_a_long_source_line_text_is_packed_into_lines_of_at_most_90_characters():
    text = "Source rows: trade.csv lines " + ", ".join(str(n) for n in range(1000, 1040))
    lines = _wrap(text).split("<br>")
    # "Source rows: trade.csv lines" (28) + 10 x " 1000," (6); then 15 words of 5 and their
    # 14 spaces; the last 15 ("1039" without a comma).
    assert [len(line) for line in lines] == [28 + 10 * 6, 15 * 5 + 14, 14 * 5 + 4 + 14]
    assert " ".join(lines) == text


def test_a_line_of_exactly_90_characters_stays_one_line():
    assert _wrap("x" * 44 + " " + "y" * 45) == "x" * 44 + " " + "y" * 45
    assert _wrap("x" * 44 + " " + "y" * 46) == "x" * 44 + "<br>" + "y" * 46


def test_a_hyphenated_word_at_the_end_of_a_line_is_broken_after_a_hyphen():
    assert _wrap("a" * 80 + " year-on-year") == "a" * 80 + " year-on-<br>year"
