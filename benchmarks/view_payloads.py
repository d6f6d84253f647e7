"""Render-callback requests for a list of views, built from the app's callback map (no browser).

    .venv/bin/python benchmarks/view_payloads.py OUT.json [--narrow]

Writes the same file as `record_callbacks.py` (a list of labelled bodies POSTed to
/_dash-update-component), for `callbacks.py` to replay: for each view below, the request of
the render callback of the view's tab, with every input and state the callback declares
(since cf39314: the viewport store `{"fit": "wide"|"narrow", "search", "token"}` as input;
the URL's search, the dataset token and the href as state), as the page sends it when it
changes to that view; and, under "layouts", the same views opened as a page: the first
layout (`/_dash-layout` with the page's address as Referer and the width cookie) draws the
opened view itself, no render request is sent. Built from the callback map the way
`tests/callback_requests.py` builds its bodies, so a callback that gains an input keeps
working; the views are those `page_actions.json` reaches (each tab, the
comparison presets, perspective, measure, commodity, period, focus, surge rules, top N,
series mode and frequency, mirror). Only the render callbacks: the cheap ones (URL sync,
links, headings) are measured from a Chromium recording (`record_callbacks.py`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchlib import render_body
from record_callbacks import callback_name

VIEWS = [
    "", "?baseline=2024&basis=total", "?baseline=2024&basis=average",
    "?perspective=reporter", "?measure=value", "?commodity=280530",
    "?commodity=850511&period=2024&perspective=reporter", "?period=2025-03",
    "?period=2023&baseline=", "?focus=JPN",
    "?tab=surges", "?tab=surges&rule=safeguard", "?tab=surges&rule=robust&focus=JPN",
    "?tab=surges&rule=year_earlier&commodity=280530", "?tab=surges&rule=prior_year&freq=Q",
    "?tab=dependency", "?tab=dependency&focus=DEU", "?tab=dependency&perspective=reporter",
    "?tab=flows", "?tab=flows&top=12", "?tab=flows&top=4&commodity=850511",
    "?tab=series", "?tab=series&series=share", "?tab=series&series=share&freq=Q",
    "?tab=series&peers=JPN,DEU",
    "?tab=mirror", "?tab=mirror&commodity=280530&period=2024",
]


def render_bodies(app, views: list[str], fit: str) -> list[dict]:
    """One labelled body per view: the render callback of the view's tab, as the page sends
    it when it changes to that view (`benchlib.render_body`)."""
    out = []
    for query in views:
        body = render_body(app, query, fit)
        out.append({"name": callback_name(body), "step": f"view {query or '/'}", "body": body})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--narrow", action="store_true", help="draw for a phone")
    args = parser.parse_args()
    from dashboard.ingest import dataset
    from dashboard.settings import DEFAULT_DATA, Settings
    from dashboard.web.app import create_app

    app = create_app(Settings(data_paths=(DEFAULT_DATA,)), dataset.load([DEFAULT_DATA]))
    fit = "narrow" if args.narrow else "wide"
    payloads = render_bodies(app, VIEWS, fit)
    layouts = [{"step": f"open {query or '/'}", "search": query, "fit": fit} for query in VIEWS]
    args.out.write_text(json.dumps({"recorded": time.strftime("%Y-%m-%d %H:%M"),
                                    "data": "built from the callback map",
                                    "path": "/", "payloads": payloads, "layouts": layouts},
                                   indent=1))
    print(f"{len(payloads)} render requests and {len(layouts)} first layouts for "
          f"{len(VIEWS)} views written to {args.out}")


if __name__ == "__main__":
    main()
