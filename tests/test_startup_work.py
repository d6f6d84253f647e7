"""Work a first request would pay is done when the app is made (before gunicorn forks)."""

from __future__ import annotations

import plotly.io as pio

from dashboard.figures import style


def test_plotlys_default_template_is_loaded_when_the_app_is_made(make_app, monkeypatch):
    monkeypatch.setattr(style, "_TEMPLATES", {})  # as in a new process
    make_app()
    assert list(style._TEMPLATES) == [pio.templates.default]
    assert style._TEMPLATES[pio.templates.default]["layout"]["font"]  # the real template
