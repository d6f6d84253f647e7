"""The app factory: one Dash app per settings and dataset, no module-level app."""

from __future__ import annotations

from pathlib import Path

from dash import Dash

from dashboard.analytics.catalogue import Catalogue
from dashboard.figures.style import graph_config
from dashboard.ingest.dataset import Dataset
from dashboard.settings import Settings
from dashboard.web import callbacks, layout
from dashboard.web.view_state import default_view

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def create_app(settings: Settings, data: Dataset) -> Dash:
    catalogue = Catalogue.of(data.frame)
    defaults = default_view(catalogue)
    app = Dash(
        __name__,
        title="Rare-earth trade dashboard",
        assets_folder=str(ASSETS),
        url_base_pathname=settings.base_path,
        serve_locally=True,
        compress=True,
        update_title=None,
        suppress_callback_exceptions=False,
    )
    # Geometry is served from assets/topojson/, never from the plotly CDN.
    config = graph_config(app.get_asset_url("topojson/"))
    app.layout = layout.page(data, catalogue, defaults, config)
    callbacks.register(app, callbacks.Context(data, catalogue, defaults))
    return app
