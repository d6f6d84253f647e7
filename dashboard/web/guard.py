"""Checks a request before Dash runs it: a malformed callback gets a clean 400, a path
the app does not serve a 404.

Dash answers a payload naming an unknown callback, or inputs it did not declare, with an
exception (a 500). Those are the client's mistakes, so they are refused here, in the one
error shape, and a 500 keeps meaning a bug of ours. Values are typed here for the inputs
that must be text; callbacks treat every value defensively as well.

Dash also answers every unknown path with the page (a 200, for its multi-page apps: this
app has one page, at the base path), and serves `_reload-hash` (the debug hot reloader)
with debug off; both are 404s here.
"""

from __future__ import annotations

from dash import Dash
from flask import request

from dashboard.web.routes import error_response

MAX_BODY_BYTES = 96_000_000  # a 50 MB upload arrives base64-encoded inside the JSON
TEXT_PROPERTIES = {"search", "href", "pathname", "filename"}


def register(app: Dash, debug: bool = False) -> None:
    prefix = app.config.routes_pathname_prefix
    endpoint = f"{prefix}_dash-update-component"
    unserved = {f"{prefix}<path:path>"} | ({f"{prefix}_reload-hash"} if not debug else set())

    @app.server.before_request
    def refuse_unserved_paths():
        rule = request.url_rule
        if rule is not None and rule.rule in unserved:
            return error_response(404, "Not found", "this app serves no page at this address")
        return None

    @app.server.before_request
    def refuse_malformed_callback_requests():
        if request.path != endpoint:
            return None
        if request.method != "POST":
            return error_response(405, "Method not allowed", "callbacks are POST requests")
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return error_response(413, "Too large", "the callback request is too large")
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly nested JSON
            return error_response(400, "Bad callback request", "the body is nested too deeply")
        problem = callback_problem(body, app.callback_map)
        if problem:
            return error_response(400, "Bad callback request", problem)
        return None


def callback_problem(body, callback_map: dict) -> str | None:
    """Why a callback request body cannot be run, or None when it is well formed."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    # Clientside callbacks are in the map too, without a function to run here.
    if not isinstance(output, str) or "callback" not in callback_map.get(output, {}):
        return "the request names no callback of this app"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of 'component.property' texts"
    spec = callback_map[output]
    problem = _outputs_problem(body.get("outputs"), spec)
    if problem:
        return problem
    for part in ("inputs", "state"):
        declared = [(str(d["id"]), d["property"]) for d in spec.get(part, [])]
        given = body.get(part, [])
        if not isinstance(given, list) or len(given) != len(declared):
            return f"{part} must list the callback's {len(declared)} {part}"
        for item, (component, prop) in zip(given, declared):
            if not isinstance(item, dict) or (item.get("id"), item.get("property")) != (
                    component, prop):
                return f"{part} do not match the callback's declared {part}"
            value = item.get("value")
            if prop in TEXT_PROPERTIES and value is not None and not isinstance(value, str):
                return f"{component}.{prop} must be text"
            if not _is_unicode(value):
                return f"{component}.{prop} holds text that is not Unicode (a lone surrogate)"
    return None


def _is_unicode(value, depth: int = 0) -> bool:
    """No lone surrogate ("\\ud800" in JSON) in any text of value: no answer could carry it
    back as UTF-8 (orjson refuses it, and a browser could not read it)."""
    if isinstance(value, str):
        return value.isascii() or not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list) and depth < 64:
        return all(_is_unicode(item, depth + 1) for item in value)
    return True


def _outputs_problem(outputs, spec: dict) -> str | None:
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    expected = [(str(o.component_id), o.component_property) for o in declared]
    given = outputs if isinstance(outputs, list) else [outputs]
    if len(given) != len(expected) or not all(isinstance(o, dict) for o in given):
        return f"outputs must list the callback's {len(expected)} outputs"
    # Outputs declared with allow_duplicate arrive as "property@<hash>".
    if [(o.get("id"), str(o.get("property")).split("@", 1)[0]) for o in given] != expected:
        return "outputs do not match the callback's declared outputs"
    return None
