"""The page of a tab whose upload expired or cannot be read says so, and shows the embedded
data meanwhile (issue 14, bullet 3): Context.bundle asks the store every time."""

from __future__ import annotations

import base64

from factories import PLUS_COLUMNS, plus_row, write_rows
from test_upload_expiry import HOUR, START, Clock

from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA, Settings
from dashboard.web.app import create_app
from dashboard.web.context import Context
from dashboard.web.links import upload_link_notice
from dashboard.web.uploads import DAMAGED_MESSAGE, EXPIRED_MESSAGE, META_FILE, UploadStore


def upload(tmp_path, clock):
    embedded = dataset.load([DEFAULT_DATA / "reference_facts.csv"])
    store = UploadStore(tmp_path / "up", 10_000_000, embedded, clock=clock, max_age_hours=24)
    raw = write_rows(tmp_path / "f.csv", PLUS_COLUMNS,
                     [plus_row(month=m) for m in range(1, 13)]).read_bytes()
    token = store.save("f.csv", "data:text/csv;base64," + base64.b64encode(raw).decode()).token
    return Context(embedded, store), token


def test_an_expired_upload_is_said_on_its_page_not_swapped_for_the_demo(tmp_path):
    clock = Clock()
    context, token = upload(tmp_path, clock)
    live = context.bundle(token)
    assert live.uploaded and len(live.data.frame) == 12 and not live.gone
    assert context.bundle(token) is live  # kept while the upload lives
    clock.now = START + 25 * HOUR
    gone = context.bundle(token)  # the same token, after the age limit
    assert not gone.uploaded and gone.data is context.embedded.data
    assert gone.gone == EXPIRED_MESSAGE
    assert upload_link_notice(gone).startswith(EXPIRED_MESSAGE)
    assert upload_link_notice(context.embedded) == ""


def test_a_damaged_upload_is_said_on_its_page(tmp_path):
    context, token = upload(tmp_path, Clock())
    (tmp_path / "up" / token / META_FILE).write_text("{not json")
    context.uploads._memory.clear()  # another worker: it reads the folder
    context._bundles.clear()
    assert context.bundle(token).gone == DAMAGED_MESSAGE


def test_exports_and_embeds_of_an_expired_upload_say_so(tmp_path):
    app = create_app(Settings(cache_dir=tmp_path), dataset.load([DEFAULT_DATA]))
    store = app.server.extensions["uploads"]
    store.clock = clock = Clock()
    raw = write_rows(tmp_path / "f.csv", PLUS_COLUMNS,
                     [plus_row(month=m) for m in range(1, 13)]).read_bytes()
    token = store.save("f.csv", "data:text/csv;base64," + base64.b64encode(raw).decode()).token
    http = app.server.test_client()
    assert http.get(f"/export/map.csv?dataset={token}").status_code == 200
    clock.now = START + 25 * HOUR
    for url in (f"/export/map.csv?dataset={token}", f"/embed/map?dataset={token}"):
        answer = http.get(url)
        assert answer.status_code == 410, url
        assert answer.get_json()["error"]["detail"] == EXPIRED_MESSAGE
