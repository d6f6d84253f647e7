"""The methods document (docs/methods.md) as a page the app serves itself, offline.

Charts and rule texts link to its sections ("/methods#safeguard-rule"), so a reader can
check how every number is computed without leaving an intranet with no internet.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
from pathlib import Path

from markdown_it import MarkdownIt

METHODS_FILE = Path(__file__).resolve().parents[2] / "docs" / "methods.md"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Methods - Rare-earth trade dashboard</title>
<style>
body {{ font: 16px/1.55 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; }}
code {{ background: #f3f3f3; padding: 0 .2em; }}
pre {{ background: #f3f3f3; padding: .6em; overflow-x: auto; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .2em .5em; }}
</style></head>
<body><p><a href="{home}">Back to the dashboard</a></p>
{body}
</body></html>
"""


def slug(text: str) -> str:
    """GitHub's heading anchor: "Surge rules (WTO)" -> "surge-rules-wto".

    >>> slug("Partners and World"), slug("The safeguard rule: simplified")
    ('partners-and-world', 'the-safeguard-rule-simplified')
    """
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def render(markdown: str) -> str:
    """The document as HTML, every heading with its anchor; raw HTML in it is escaped."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(markdown)
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open" and inline.type == "inline":
            opening.attrSet("id", slug(inline.content))
    return parser.renderer.render(tokens, parser.options, {})


@functools.cache
def methods_page(home: str) -> str:
    """The whole page; `home` is the dashboard's own URL path (for the link back)."""
    body = render(METHODS_FILE.read_text(encoding="utf-8"))
    return PAGE.format(home=html.escape(home, quote=True), body=body)
