"""Every id a callback names is in the whole page (every tab built, every grid in).

Dash's own check in the browser is off (suppress_callback_exceptions: a tab's charts and
the grids come into the page later, dashboard/web/chart_blocks.py); this is that check."""

from __future__ import annotations

import json

from dashboard.web import layout
from dashboard.web.context import Bundle
from dashboard.web.ids import TAB_VIEW_TYPE


def page_ids(component) -> set[str]:
    """Every id in a component tree, dict ids as Dash writes them (sorted JSON)."""
    found = set()
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not hasattr(node, "to_plotly_json"):
            continue
        node_id = getattr(node, "id", None)
        if isinstance(node_id, dict):
            found.add(json.dumps(node_id, sort_keys=True, separators=(",", ":")))
            found.add(f"{node_id['type']}:*")
        elif node_id is not None:
            found.add(str(node_id))
        stack.append(getattr(node, "children", None))
    return found


def callback_ids(app) -> set[str]:
    ids = set()
    for spec in app.callback_map.values():
        outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
        named = [o.component_id_str() for o in outputs]
        named += [str(d["id"]) for part in ("inputs", "state") for d in spec.get(part, [])]
        for component in named:
            if component.startswith("{"):
                parsed = json.loads(component)
                wildcard = any(isinstance(v, list) for v in parsed.values())
                component = f"{parsed['type']}:*" if wildcard else json.dumps(
                    parsed, sort_keys=True, separators=(",", ":"))
            ids.add(component)
    return ids


def test_every_callback_id_is_in_the_whole_page(make_app, demo_data):
    app = make_app()
    bundle = Bundle.of(demo_data)
    whole = layout.page(demo_data, bundle.catalogue, bundle.defaults, {}, everything=True)
    ids = page_ids(whole)
    assert callback_ids(app) - ids == set()
    assert f"{TAB_VIEW_TYPE}:*" in ids
    # The first page lacks some (the check has something to find).
    first = layout.page(demo_data, bundle.catalogue, bundle.defaults, {})
    assert callback_ids(app) - page_ids(first) != set()
