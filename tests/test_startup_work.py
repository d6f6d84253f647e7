"""Work a first request would pay is done when the app is made (before gunicorn forks)."""

from __future__ import annotations

import plotly.io as pio

from dashboard.figures import style


def test_plotlys_default_template_is_loaded_when_the_app_is_made(make_app, monkeypatch):
    monkeypatch.setattr(style, "_TEMPLATES", {})  # as in a new process
    make_app()
    assert list(style._TEMPLATES) == [pio.templates.default]
    assert style._TEMPLATES[pio.templates.default]["layout"]["font"]  # the real template


def test_the_default_view_is_drawn_from_kept_values_when_first_asked(make_app, monkeypatch):
    from callback_requests import tab_request
    from conftest import load_demo

    from dashboard.analytics import kept

    data = load_demo()  # a frame of its own: nothing kept for it by another test
    app = make_app(data)
    built = []
    get = kept.KeptPerFrame.get

    def counting(self, frame, key, build):
        return get(self, frame, key, lambda: built.append(key) or build())

    monkeypatch.setattr(kept.KeptPerFrame, "get", counting)
    answer = app.server.test_client().post("/_dash-update-component",
                                           json=tab_request(app, "map.figure", ""))
    assert answer.status_code == 200 and answer.get_json()["response"]["map"]["figure"]["data"]
    assert built == [], "the first request for the default view built nothing"
