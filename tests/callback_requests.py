"""Callback request bodies built from the app's own callback map, as the browser sends them.

Built from the map, not from a recorded payload, so a callback that gains an input keeps
its tests: every declared input and state is sent, the URL's search and href as given.
"""

from __future__ import annotations


def tab_request(app, first_output: str, search: str,
                href: str = "http://127.0.0.1:8050/") -> dict:
    """The body of the callback whose outputs start with `first_output` ("map.figure")."""
    output = next(name for name in app.callback_map
                  if name.lstrip(".").startswith(first_output))
    spec = app.callback_map[output]
    values = {("url", "search"): search, ("url", "href"): href}

    def items(part: str) -> list[dict]:
        return [{"id": str(d["id"]), "property": d["property"],
                 "value": values.get((str(d["id"]), d["property"]))} for d in spec[part]]

    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    inputs = items("inputs")
    return {"output": output, "inputs": inputs, "state": items("state"),
            "outputs": [{"id": str(o.component_id), "property": o.component_property}
                        for o in declared],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
