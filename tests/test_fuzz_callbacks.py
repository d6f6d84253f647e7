"""Fuzz Dash's callback endpoint: malformed bodies and hostile values never give a 5xx."""

from __future__ import annotations

import json

import pytest

ENDPOINT = "/_dash-update-component"
MAP_OUTPUT = b"..map.figure...map-summary.children...map-table.rowData...map-table.columnDefs.."
HOSTILE_VALUES = [
    None, "", 0, -1, 1.5e308, True, [], {}, [None], {"a": [1, 2]}, "x" * 100_000,
    "<img src=x onerror=alert(1)>", "../../etc/passwd", "?commodity=%00&period=\u0000",
    "?" + "a=1&" * 3000, "?focus=KOR&peers=" + ",".join(["KOR"] * 50), "data:,", "=1+1",
    "?period=2025-Q1&baseline=2025-Q1", "?k=1e309&z=-0&floor=nan&top=1e9", "\ud800",
]


@pytest.fixture(scope="module")
def client(make_app):
    app = make_app(max_upload_mb=1)
    return app, app.server.test_client()


def valid_body(output: str, spec: dict) -> dict:
    inputs = [{"id": str(i["id"]), "property": i["property"], "value": None}
              for i in spec["inputs"]]
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    outputs = [{"id": str(o.component_id), "property": o.component_property} for o in declared]
    return {"output": output, "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": inputs,
            "state": [{"id": str(s["id"]), "property": s["property"], "value": None}
                      for s in spec.get("state", [])],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else []}


def assert_clean(response) -> None:
    assert response.status_code < 500, response.data[:400]
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert set(error) == {"status", "title", "detail"}
        assert "Traceback" not in response.get_data(as_text=True)


def test_every_input_of_every_callback_with_hostile_values(client):
    app, http = client
    cases = 0
    for output, spec in app.callback_map.items():
        if "callback" not in spec:
            continue  # a clientside callback: it runs in the browser, nothing to post
        for position in range(len(spec["inputs"])):
            for value in HOSTILE_VALUES:
                body = valid_body(output, spec)
                body["inputs"][position]["value"] = value
                body["changedPropIds"] = [
                    f"{body['inputs'][position]['id']}.{body['inputs'][position]['property']}"]
                data = json.dumps(body, allow_nan=True)
                assert_clean(http.post(ENDPOINT, data=data, content_type="application/json"))
                cases += 1
    assert cases > 500


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b"null", b"{}", b'{"output": 1}', b'{"output": "nope..x"}',
    b'{"output": "' + MAP_OUTPUT + b'", "inputs": []}',
    b'{"output": "' + MAP_OUTPUT + b'",'
    b' "inputs": [{"id": "url", "property": "search", "value": 5},'
    b' {"id": "session-dataset", "property": "data", "value": null}],'
    b' "state": [{"id": "url", "property": "href", "value": null}]}',
    b'{"output": "' + MAP_OUTPUT + b'",'
    b' "inputs": [{"id": "evil", "property": "search", "value": ""},'
    b' {"id": "session-dataset", "property": "data", "value": null}], "state": []}',
    b'{"a": ' * 5000 + b"1" + b"}" * 5000,
])
def test_malformed_bodies_get_a_400_in_the_one_error_shape(client, body):
    _, http = client
    response = http.post(ENDPOINT, data=body, content_type="application/json")
    assert response.status_code == 400
    assert_clean(response)


def test_wrong_method_and_huge_body(client):
    _, http = client
    assert_clean(http.get(ENDPOINT))
    huge = b'{"output": "' + b"x" * 3_000_000 + b'"}'
    response = http.post(ENDPOINT, data=huge, content_type="application/json")
    assert response.status_code in (400, 413)
    assert_clean(response)


def test_well_formed_requests_pass_the_guard_also_with_allow_duplicate_outputs(client):
    """The browser names allow_duplicate outputs "property@<hash>": those must run."""
    app, http = client
    duplicates = [key for key in app.callback_map if "@" in key]
    assert duplicates
    for output in duplicates:
        body = valid_body(output, app.callback_map[output])
        named = [part.rsplit(".", 1) for part in output.strip(".").split("...")]
        outputs = [{"id": component, "property": prop} for component, prop in named]
        body["outputs"] = outputs if len(outputs) > 1 else outputs[0]
        response = http.post(ENDPOINT, json=body)
        assert response.status_code in (200, 204), (output, response.data[:300])


def test_a_lone_surrogate_anywhere_in_an_input_is_a_clean_400(client):
    app, http = client
    output, spec, at = next((o, s, n) for o, s in app.callback_map.items() if "callback" in s
                            for n, i in enumerate(s["inputs"]) if i["property"] == "data")

    def answer(value):
        body = valid_body(output, spec)
        body["inputs"][at]["value"] = value
        return http.post(ENDPOINT, data=json.dumps(body), content_type="application/json")

    for value in ["\ud800", {"search": "?focus=\udfff"}, [["ok", "x\ud83d"]]]:
        response = answer(value)
        assert response.status_code == 400, value
        assert "lone surrogate" in response.get_json()["error"]["detail"]
    assert answer({"search": "?q=\U0001f600"}).status_code != 400  # a pair: valid Unicode
