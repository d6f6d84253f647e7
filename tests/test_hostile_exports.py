"""The exports of an upload holding markup and formulas (Flask's test client): CSV cells
are plain text with formulas neutralised, embeds and HTML or SVG exports carry no raw markup.
tests/browser/test_hardening.py checks the page showing the same upload.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from xml.etree import ElementTree

import pytest
from hostile_upload import FORMULA_CODES, FORMULAS, HOSTILE, HOSTILE_NAME, csv_bytes, hostile_rows

from dashboard import chart_files
from dashboard.web.ids import ID, Chart


@pytest.fixture(scope="module")
def hostile_upload(make_app):
    """The app, and the token of the hostile file uploaded through the upload callback."""
    app = make_app()
    output = next(o for o, s in app.callback_map.items()
                  if any(str(i["id"]) == ID.UPLOAD for i in s["inputs"]))
    spec = app.callback_map[output]
    contents = "data:text/csv;base64," + base64.b64encode(csv_bytes(hostile_rows())).decode()
    body = {"output": output, "outputs": [{"id": str(o.component_id),
                                           "property": o.component_property}
                                          for o in spec["output"]],
            "inputs": [{"id": ID.UPLOAD, "property": "contents", "value": contents},
                       {"id": ID.UPLOAD_RESET, "property": "n_clicks", "value": None}],
            "state": [{"id": ID.UPLOAD, "property": "filename", "value": HOSTILE_NAME}],
            "changedPropIds": ["upload.contents"]}
    client = app.server.test_client()
    answer = client.post("/_dash-update-component", data=json.dumps(body),
                         content_type="application/json").get_json()["response"]
    token = answer[ID.DATASET]["data"]
    assert token, answer[ID.UPLOAD_MESSAGE]
    return client, token


def raw_markup(text: str) -> list[str]:
    """Where `<img` appears unescaped, with some context (empty when nowhere)."""
    return [text[max(0, i - 120):i + 60] for i in range(len(text))
            if text.startswith("<img", i)][:3]


def view(token: str, commodity: str = "284699") -> str:
    return (f"commodity={commodity}&period=2025-Q1&baseline=2024&focus=KOR&peers=JPN"
            f"&dataset={token}")


def csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def is_formula(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts with = + - @ and is not a number."""
    if not cell.startswith(("=", "+", "-", "@")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


def test_csv_exports_keep_markup_as_text_and_neutralise_formulas(hostile_upload):
    client, token = hostile_upload
    for name in [c.value for c in Chart] + ["data"]:
        response = client.get(f"/export/{name}.csv?{view(token)}")
        assert response.status_code == 200, (name, response.data[:200])
        cells = csv_cells(response.data)
        if name in ("map", "data"):
            assert any(HOSTILE in cell for cell in cells), name  # plain text, not dropped
        for cell in cells:
            assert not is_formula(cell), (name, cell)
        assert "_img src_x onerror_alert(1)_.csv" in response.get_data(as_text=True)
    for code, formula in zip(FORMULA_CODES, FORMULAS):
        query = f"commodity={code}&period=2024&dataset={token}"
        cells = csv_cells(client.get(f"/export/data.csv?{query}").data)
        assert "'" + formula in cells, formula  # kept, but a spreadsheet reads it as text
        assert formula not in cells


def test_embeds_and_html_exports_carry_no_raw_markup(hostile_upload):
    client, token = hostile_upload
    for chart in Chart:
        page = client.get(f"/embed/{chart.value}?{view(token)}").get_data(as_text=True)
        assert raw_markup(page) == [], chart
        figure = json.loads(page.split("id='figure'>")[1].split("</script>")[0])
        assert "&lt;img src=x onerror=alert(1)&gt;" in json.dumps(figure), chart
    html = client.get(f"/export/map.html?{view(token)}").get_data(as_text=True)
    assert raw_markup(html) == []
    # In the page's JSON, "&" too is escaped: the drawn text is the escaped markup.
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    hostile_link = client.get(f"/embed/map?{view(token)}&focus={HOSTILE}").get_data(
        as_text=True)
    assert raw_markup(hostile_link) == [] and "&lt;img src=x" in hostile_link  # the notice


@pytest.mark.skipif(chart_files.find_browser() is None, reason="no Chromium for kaleido")
def test_svg_export_has_the_markup_as_escaped_text(hostile_upload):
    client, token = hostile_upload
    svg = client.get(f"/export/map.svg?width=600&height=400&{view(token)}")
    assert svg.status_code == 200, svg.data[:200]
    text = svg.get_data(as_text=True)
    assert raw_markup(text) == []
    root = ElementTree.fromstring(text)  # the SVG as XML: markup is text, never an element
    assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() in ("img", "image")
                and "x" in e.attrib.values()]
    assert HOSTILE in "".join(root.itertext())
