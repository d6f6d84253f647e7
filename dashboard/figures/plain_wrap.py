"""`textwrap.wrap` for plain words, at a fraction of its cost: hover and note lines.

A hover text is mostly plain words and single spaces ("Source rows: f.csv lines 2, 3,
..."), and figures wrap dozens of them per request; textwrap's regex over every one cost
~30 us each. Plain text is packed greedily here, as textwrap packs it; anything else
(hyphens, other whitespace, runs of spaces, a word longer than a line) goes to textwrap
itself. tests/test_dependency_tab_fast.py checks both agree on any text.
"""

from __future__ import annotations

import textwrap


def wrapped_lines(text: str, width: int) -> str:
    """`"<br>".join(textwrap.wrap(text, width))`: lines of at most `width` characters."""
    if not text:
        return ""
    words = text.split(" ")
    if ("-" in text or "" in words or not text.isprintable()
            or max(map(len, words)) > width):
        return "<br>".join(textwrap.wrap(text, width))
    lines, line = [], words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return "<br>".join(lines)
