"""Fuzz the plain routes and the upload callback: hostile input never gives a 5xx.

Every export, embed, embed asset and health URL, and the upload callback, with malformed
and hostile values: unknown charts and formats, every view parameter with junk (NaN, inf,
negative and huge numbers, 10 kB strings, markup, NUL, percent-encoded surrogates and
invalid UTF-8), 100 kB query strings, repeated parameters, image sizes out of range, and
uploads that are not files. Each answer must be below 500; a 4xx from a route is JSON of
the one shape (an embed may answer a small HTML page with a notice instead); no answer
shows a traceback.

Rendering a chart is what costs time here, and most junk falls back to the same default
view; `render` is memoised per (chart, view state) so each distinct view is drawn once.
PNG/SVG go through Chromium for a handful of cases only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import fields
from urllib.parse import quote

import pytest

from dashboard import chart_files
from dashboard.web import charts
from dashboard.web.ids import Chart
from dashboard.web.view_state import ViewState

ENDPOINT = "/_dash-update-component"
VIEW_PARAMETERS = [f.name for f in fields(ViewState)]
OTHER_PARAMETERS = ["supplier", "cmd", "width", "height", "scale", "dataset", "zoom", ""]
PLAIN_JUNK = [
    "NaN", "nan", "inf", "-inf", "-1", "-0", "0", "1e309", "-1e309", "1e-400",
    "99999999999999999999999999", "0x10", "1_000", "", " ", "x" * 10_000,
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "\x00", "%00",
    "=1+1", "../../etc/passwd", "\U0001F642", "KOR," * 50, "2025-Q5", "2025-13",
    "true", "[]", "{}", "\r\nX-Injected: 1",
]
# Already percent-encoded: a lone surrogate, invalid and overlong UTF-8, a non-character.
ENCODED_JUNK = ["%ED%A0%80", "%ED%BF%BF", "%FF", "%C0%AE%C0%AE%2F", "%F4%90%80%80", "%EF%BF%BE"]
JUNK = [quote(v, safe="") for v in PLAIN_JUNK] + ENCODED_JUNK
FORMATS = ["csv", "html", "png", "svg"]
NAMES = [c.value for c in Chart] + ["table", "data"]
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages/")


@pytest.fixture(scope="module")
def app(make_app):
    return make_app()


@pytest.fixture(scope="module")
def http(app):
    """The test client, with each distinct (chart, view) drawn once."""
    drawn: dict = {}
    real = charts.render

    def render(chart, state, data, catalogue, view_url="", narrow=False):
        key = (chart, state, id(data), view_url, narrow)
        if key not in drawn:
            drawn[key] = real(chart, state, data, catalogue, view_url, narrow)
        return drawn[key]

    patch = pytest.MonkeyPatch()
    patch.setattr(charts, "render", render)
    yield app.server.test_client()
    patch.undo()


class Tally:
    """Every answer checked; failures collected so one run names them all."""

    def __init__(self):
        self.cases = self.server_errors = 0
        self.failures: list[str] = []

    def check(self, label: str, response) -> None:
        self.cases += 1
        status = response.status_code
        body = response.get_data()
        text = body[:200_000].decode("utf-8", "replace")
        if status >= 500:
            self.server_errors += 1
            self.failures.append(f"{status} {label}: {text[:200]}")
        elif any(marker in text for marker in TRACE_MARKERS):
            self.failures.append(f"traceback text in {label}: {text[:200]}")
        elif 400 <= status < 500:
            problem = error_shape_problem(label, response)
            if problem:
                self.failures.append(f"{status} {label}: {problem}")

    def report(self, capsys, what: str) -> None:
        with capsys.disabled():
            print(f"\n{what}: {self.cases} cases, {self.server_errors} answers 5xx,"
                  f" {len(self.failures)} failures")
        assert self.failures == [], "\n".join(self.failures[:20])
        assert self.server_errors == 0


def error_shape_problem(label: str, response) -> str | None:
    """Why a 4xx answer is not in the one error shape (None when it is)."""
    if label.startswith("GET /embed/") and response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        if response.status_code != 404 or "class='notice'" not in page:
            return "an embed's HTML error page must be a 404 with a notice"
        return None
    if response.mimetype != "application/json":
        return f"mimetype {response.mimetype}, not JSON"
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return "body is not JSON"
    if not isinstance(body, dict) or list(body) != ["error"] or not isinstance(
            body["error"], dict) or set(body["error"]) != {"status", "title", "detail"}:
        return f"not the one error shape: {str(body)[:200]}"
    if body["error"]["status"] != response.status_code:
        return "error.status differs from the HTTP status"
    return None


def query(pairs: list[tuple[str, str]]) -> str:
    """A query string from already percent-encoded values."""
    return "&".join(f"{quote(k, safe='')}={v}" for k, v in pairs)


# Routes that answer without Chromium, to rotate the cases over. The standalone HTML
# (6 MB, plotly.js inlined: ~0.4 s each) gets a few cases of its own.
TEXT_ROUTES = ([f"/export/{name}.csv" for name in NAMES]
               + [f"/embed/{chart.value}" for chart in Chart])


def test_every_parameter_of_every_route_with_junk(http, capsys):
    """Each parameter with every other junk value (alternating), rotated over the routes;
    then each junk value in every parameter at once."""
    tally = Tally()
    case = 0
    for number, parameter in enumerate(VIEW_PARAMETERS + OTHER_PARAMETERS):
        for value in JUNK[number % 2::2]:
            route = TEXT_ROUTES[case % len(TEXT_ROUTES)]
            case += 1
            url = f"{route}?{query([(parameter, value), ('tab', 'surges')])}"
            tally.check(f"GET {url[:120]}", http.get(url))
    for number, value in enumerate(JUNK):
        every = query([(p, value) for p in VIEW_PARAMETERS])
        for route in TEXT_ROUTES[number % 4::4]:
            tally.check(f"GET {route}?<all={value[:40]}>", http.get(f"{route}?{every}"))
    for value, name in ((JUNK[16], "map"), (ENCODED_JUNK[0], "sankey")):
        every = query([(p, value) for p in VIEW_PARAMETERS])
        tally.check(f"GET /export/{name}.html?<all={value[:40]}>",
                    http.get(f"/export/{name}.html?{every}"))
    tally.report(capsys, "junk parameters")


def test_unknown_charts_formats_assets_and_methods(http, capsys):
    tally = Tally()
    names = [*NAMES, "nope", "MAP", "map.csv", "..", "%2e%2e", "%00", "%3Cscript%3E",
             "%ED%A0%80", "%FF", "x" * 5000, "table.."]
    formats = [*FORMATS, "xls", "CSV", "json", "csv%00", "%FF", "png%20", "x" * 5000]
    for name in names:
        for fmt in formats:
            if name in NAMES and fmt in ("png", "svg"):
                continue  # drawn by Chromium: see test_a_handful_of_images
            # A known chart as csv/html is drawn: bad sizes keep it to the cheap refusals.
            suffix = "?width=abc" if name in NAMES else ""
            tally.check(f"GET /export/{name}.{fmt}", http.get(f"/export/{name}.{fmt}{suffix}"))
        tally.check(f"GET /embed/{name}", http.get(f"/embed/{name}?period=%FF"))
    for path in ("/export/", "/export/map", "/export/.csv", "/export/map.", "/export/a/b.csv",
                 "/embed/", "/embed/map/extra", "/embed-assets/", "/healthz/x"):
        tally.check(f"GET {path}", http.get(path))
    for asset in ("host.js", "embed.js", "embed.css", "plotly.min.js", "nope.js", "HOST.JS",
                  "..%2Froutes.py", "%2e%2e%2fapp.py", "host.js%00", "%FF", "x" * 5000,
                  "<script>"):
        tally.check(f"GET /embed-assets/{asset}", http.get(f"/embed-assets/{asset}?v=%FF"))
    for method in ("post", "put", "delete", "patch"):
        for path in ("/export/map.csv", "/embed/map", "/embed-assets/host.js", "/healthz"):
            tally.check(f"{method.upper()} {path}", getattr(http, method)(path, data=b"x"))
    for path in ("/export/map.csv", "/embed/map", "/healthz"):
        tally.check(f"HEAD {path}", http.head(path))
        tally.check(f"OPTIONS {path}", http.options(path))
    tally.report(capsys, "charts, formats, assets, methods")


def test_huge_and_repeated_query_strings(http, capsys):
    tally = Tally()
    huge = [
        "a" * 100_000,
        query([("period", "x" * 100_000)]),
        query([("commodity", "2" * 50_000), ("focus", "K" * 50_000)]),
        "&" * 100_000,
        "=" * 100_000,
        query([("peers", "%2C".join(["KOR"] * 20_000))]),
        query([(f"p{i}", "1") for i in range(15_000)]),
    ]
    repeated = [
        "&".join(["period=2024"] * 5000),
        "&".join(f"period={y}" for y in list(range(1900, 2100)) * 20),
        "&".join(["width=800", "width=abc"] * 500),
        "&".join(["dataset=abc"] * 2000),
        "&".join(["tab=surges", "tab=nope", "rule=robust", "rule=%00"] * 1000),
    ]
    routes = ["/export/map.csv", "/export/surges.csv", "/export/data.csv", "/embed/map",
              "/embed/sankey", "/healthz", "/embed-assets/host.js"]
    for text in huge + repeated:
        for route in routes:
            tally.check(f"GET {route}?<{len(text)} chars: {text[:30]}>",
                        http.get(f"{route}?{text}"))
    tally.report(capsys, "huge and repeated queries")


def test_image_sizes_out_of_range_are_refused_before_drawing(http, capsys):
    tally = Tally()
    bad = ["-1", "0", "199", "4001", "1e309", "NaN", "inf", "-inf", "", "abc", "1%2C5",
           "0x10", "%00", "%FF", "9" * 400]
    for parameter in ("width", "height", "scale"):
        for value in bad:
            if parameter == "scale" and value in ("199", "4001"):
                value = "4.01" if value == "4001" else "0.49"
            for fmt in ("png", "svg"):
                url = f"/export/map.{fmt}?{parameter}={value}"
                response = http.get(url)
                tally.check(f"GET {url}", response)
                if response.status_code != 400:
                    tally.failures.append(f"{url}: {response.status_code}, expected 400")
    tally.report(capsys, "image sizes")


@pytest.mark.skipif(chart_files.find_browser() is None, reason="no Chromium for kaleido")
def test_a_handful_of_images_with_junk_views_are_refused(http, capsys):
    tally = Tally()
    for url in (f"/export/map.png?width=200&height=200&scale=0.5&period=%ED%A0%80&k=nan"
                f"&focus={quote('<img src=x>')}&{'&'.join(['peers=KOR'] * 200)}",
                "/export/sankey.svg?width=200&height=200&top=1e309&tab=%00&commodity=%FF"):
        response = http.get(url)
        tally.check(f"GET {url[:100]}", response)
        assert response.status_code == 400, response.data[:300]
        assert response.mimetype == "application/json"
        assert response.json["error"]["detail"].startswith("Bad parameter: ")
    tally.report(capsys, "images")


# -- the upload callback -----------------------------------------------------------------

def upload_body(app, contents, filename) -> dict:
    output, spec = next((o, s) for o, s in app.callback_map.items()
                        if any(str(i["id"]) == "upload" for i in s["inputs"]))
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    return {
        "output": output,
        "outputs": [{"id": str(o.component_id), "property": o.component_property}
                    for o in declared],
        "inputs": [{"id": "upload", "property": "contents", "value": contents},
                   {"id": "upload-reset", "property": "n_clicks", "value": None}],
        "state": [{"id": "upload", "property": "filename", "value": filename}],
        "changedPropIds": ["upload.contents"],
    }


def b64(data: bytes, kind: str = "text/csv") -> str:
    return f"data:{kind};base64," + base64.b64encode(data).decode()


UPLOAD_CONTENTS = [
    None, "", 0, -1, 1e308, True, [], {}, ["data:,"], {"contents": "x"},
    "not a data url", "data:", "data:,", "data:text/csv,plain,text,not,base64",
    "data:text/csv;base64,!!!not base64!!!", "data:text/csv;base64,QUJD=extra",
    "data:text/csv;base64,", "data:text/csv;base64,====", "data:;base64,QUJD",
    "javascript:alert(1),QUJD", "data:text/html;base64," + base64.b64encode(
        b"<script>alert(1)</script>").decode(),
    b64(b""), b64(b"\x00" * 1000), b64(bytes(range(256)) * 40), b64(b"\xff\xfe" + b"\x00a" * 500),
    b64(b"reporter,partner\n"), b64(b"\x1f\x8b\x08\x00garbage"), b64(b"PK\x03\x04garbage"),
    b64(b"PAR1garbagePAR1"), b64("a,b\n\ud800,1\n".encode("utf-8", "surrogatepass")),
    b64(b"=cmd|' /C calc'!A0,2\n3,4\n"), b64(b"x,y\n" * 2_000_000),
    "data:text/csv;base64," + "A" * 100_001,  # not a multiple of 4
]
UPLOAD_NAMES = [None, "", "trade.csv", "<img src=x onerror=alert(1)>.csv", "../../etc/passwd",
                "..\\..\\boot.ini", "\x00.csv", "x" * 10_000 + ".csv", "\U0001F642.xlsx", ".",
                "con.csv"]


def test_upload_callback_with_malformed_contents(app, http, capsys):
    tally = Tally()
    for i, contents in enumerate(UPLOAD_CONTENTS):
        for filename in (UPLOAD_NAMES[i % len(UPLOAD_NAMES)], "trade.csv"):
            body = json.dumps(upload_body(app, contents, filename))
            response = http.post(ENDPOINT, data=body, content_type="application/json")
            tally.check(f"POST upload contents={str(contents)[:40]!r} name={filename!r:.40}",
                        response)
    for filename in UPLOAD_NAMES[1:]:  # hostile names as non-text types too
        for odd in (1, [filename], {"name": filename}):
            body = json.dumps(upload_body(app, b64(b"a,b\n1,2\n"), odd))
            tally.check("POST upload with a non-text filename",
                        http.post(ENDPOINT, data=body, content_type="application/json"))
    tally.report(capsys, "upload callback")


def test_upload_over_the_request_limit_is_a_413_in_the_one_shape(make_app, capsys):
    """A body over the upload limit is refused by Flask before the readers see it."""
    app = make_app(max_upload_mb=0.5)
    http = app.server.test_client()
    tally = Tally()
    over_limit = upload_body(app, b64(b"a,b\n" + b"1,2\n" * 200_000), "big.csv")  # 0.8 MB
    response = http.post(ENDPOINT, data=json.dumps(over_limit), content_type="application/json")
    tally.check("POST upload over the upload limit", response)
    assert response.status_code == 200 and "0.5 MB limit" in response.get_data(as_text=True)
    over_request = upload_body(app, b64(b"x" * 2_000_000), "huge.csv")  # over 1.7 MB body
    response = http.post(ENDPOINT, data=json.dumps(over_request),
                         content_type="application/json")
    tally.check("POST upload over the request limit", response)
    assert response.status_code == 413
    tally.report(capsys, "upload limits")


# -- regressions: 500s this fuzzing found (fixed in routes.py and readers.py) -----------

def test_raw_non_utf8_bytes_in_the_query_string(http, capsys):
    """Raw bytes a browser never sends (curl and bots do; gunicorn passes them through):
    the export route once decoded the query strictly and answered 500."""
    tally = Tally()
    for raw in (b"period=\xff", b"x=\xc0\xae", b"focus=\xed\xa0\x80", b"\xff=\xff"):
        environ = {"QUERY_STRING": raw.decode("latin-1")}  # WSGI: the bytes as latin-1
        for route in ("/export/map.csv", "/export/data.csv", "/embed/map", "/healthz"):
            tally.check(f"GET {route}?{raw!r}", http.get(route, environ_overrides=environ))
    tally.report(capsys, "raw bytes in the query")


def test_upload_whose_first_line_is_over_128_kb(app, http, capsys):
    """A first line with a field over csv's 131,072-character limit once raised csv.Error
    out of the readers (a 500 here; a crash of `validate`): now an `unknown layout`."""
    tally = Tally()
    for first_line in (b"x" * 200_000, b"reporter," + b"a" * 150_000 + b"\n1,2\n",
                       b'"' + b"q" * 140_000 + b'",b\n'):
        body = json.dumps(upload_body(app, b64(first_line), "long.csv"))
        response = http.post(ENDPOINT, data=body, content_type="application/json")
        tally.check("POST upload with a 140-200 kB first line", response)
        if response.status_code == 200:
            message = response.get_json()["response"]["upload-message"]["children"]
            assert "long.csv" in message and "no known layout" in message, message
    tally.report(capsys, "long first line")


def test_unknown_dash_component_scripts_are_a_404(http, capsys):
    """Dash raises DependencyException for an unknown package: once a 500, now a 404."""
    tally = Tally()
    for path in ("/_dash-component-suites/nope/nope.js", "/_dash-component-suites/dash/x.js",
                 "/_dash-component-suites/plotly/%2e%2e/x.js"):
        response = http.get(path)
        tally.check(f"GET {path}", response)
        assert response.status_code == 404, path
    tally.report(capsys, "Dash's script routes")
