"""Production serving over plain HTTP: gunicorn with two workers under /rare-earths/
(`gunicorn_servers` in tests/conftest.py; tests/browser/test_production.py drives the
same servers in Chromium).
"""

from __future__ import annotations

import base64

from factories import PLUS_COLUMNS, plus_row, write_rows
from gunicorn_server import PREFIX, get

from dashboard.web.uploads import UploadStore


def test_any_worker_answers_for_an_upload(gunicorn_servers, production_folder):
    """An upload is kept on disk under the cache folder, so both workers can export it."""
    folder = production_folder
    rows = [plus_row(reporter="410", year=2024, month=month) for month in (1, 2, 3)]
    path = write_rows(folder / "korea.csv", PLUS_COLUMNS, rows)
    store = UploadStore(folder / "keep-cache" / "uploads", 1_000_000, base=None)
    result = store.save("korea.csv", "data:text/csv;base64,"
                        + base64.b64encode(path.read_bytes()).decode())
    assert result.token, result.message
    origin = f"http://127.0.0.1:{gunicorn_servers['keep'].port}"
    for period in ("2024", "2024-Q1", "2024-01", "2024-02", "2024-03", "2024-Q1"):
        status, headers, body = get(f"{origin}{PREFIX}export/map.csv?period={period}"
                                    f"&dataset={result.token}")
        text = body.decode("utf-8-sig")
        assert status == 200 and "your upload korea.csv" in text
        assert headers["Cache-Control"].startswith("private")
        assert '"South Korea","KOR"' in text  # the grid's columns, in its order
