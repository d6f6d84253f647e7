"""Every tab's answer is encoded by orjson directly, and says what plotly's own JSON says.

Dash encodes a callback's answer with plotly's `to_json_plotly`, which takes orjson when it
is installed (3-10x the standard library), but only if orjson takes the values as they are:
one pandas Timestamp anywhere sends the whole answer through plotly's cleaning pass, slower
than the standard library (the series answer: 2.75 ms with `json`, 4.2 ms with that pass).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dash._callback
import orjson
import pytest
from plotly.io.json import to_json_plotly

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import benchlib

TAB_VIEWS = ["?tab=map", "?tab=surges", "?tab=surges&rule=robust&focus=JPN",
             "?tab=dependency", "?tab=flows", "?tab=series", "?tab=series&freq=Q",
             "?tab=mirror"]


@pytest.fixture(scope="module")
def app(make_app):
    return make_app(cache_mb=0)  # every answer computed: a cached one is plain JSON again


@pytest.mark.parametrize("search", TAB_VIEWS)
def test_tab_answer_needs_no_cleaning_and_equals_plotly_json(app, search, monkeypatch):
    answers = []
    encode = dash._callback.to_json

    def kept(value):
        answers.append(value)
        return encode(value)

    monkeypatch.setattr(dash._callback, "to_json", kept)
    response = app.server.test_client().post("/_dash-update-component",
                                             json=benchlib.render_body(app, search))
    assert response.status_code == 200
    [answer] = answers
    try:  # what to_json_plotly tries first; a TypeError sends it through the slow pass
        orjson.dumps(answer, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as error:
        pytest.fail(f"{search}: orjson cannot take the answer as it is: {error}")
    sent = json.loads(response.get_data())
    assert sent == json.loads(to_json_plotly(answer, engine="json"))
    assert any(part.get("figure", {}).get("data") for part in sent["response"].values())
