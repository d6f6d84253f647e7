"""Links out of a view: its download hrefs, its iframe snippet, the link that reopens it,
and what the page says about links while an upload is shown."""

from __future__ import annotations

from collections.abc import Sequence

from dashboard.web.context import Bundle
from dashboard.web.ids import EXPORT_LINKS, Chart
from dashboard.web.view_state import LINK_WITHOUT_UPLOAD, UPLOAD_NOT_IN_LINK, ViewState

DATA_EXPORT = "data"  # /export/data.csv: every filtered row


def export_links(base: str, state: ViewState, token: str | None, page: str,
                 charts: Sequence[Chart] = tuple(Chart)) -> list:
    """Hrefs of the charts' downloads, chart by chart, then their iframe snippets.

    `page` is the app's checked public address (Context.page_url): the snippet points
    there, or is relative to `base` when the address is not known."""
    query = state.to_query()
    session = f"&dataset={token}" if token else ""  # an upload is exported for its owner only
    hrefs = []
    for chart in charts:
        for kind in EXPORT_LINKS:
            name, fmt = (DATA_EXPORT, "csv") if kind == "data" else (chart.value, kind)
            hrefs.append(f"{base}export/{name}.{fmt}{query}{session}")
    # An embed shows the embedded data: the snippet of an upload's view says so, first.
    warning = f"<!-- {UPLOAD_NOT_IN_LINK} -->\n" if token else ""
    snippets = [warning + embed_snippet(page or base, chart, query) for chart in charts]
    return hrefs + snippets


def embed_snippet(app_url: str, chart: Chart, query: str) -> str:
    return (f'<iframe src="{app_url}embed/{chart.value}{query}" title="Rare-earth trade:'
            f' {chart.value}" style="width:100%;height:560px;border:0" loading="lazy"></iframe>\n'
            f'<script src="{app_url}embed-assets/host.js"></script>')




def upload_link_notice(bundle: Bundle) -> str:
    """Said at the top of the page while an upload is shown, or when it is gone ("" for the
    embedded data)."""
    if bundle.gone:
        return f"{bundle.gone} Showing the embedded data until then."
    if not bundle.uploaded:
        return ""
    return f"Showing your upload {bundle.data.provenance[0].file}. {UPLOAD_NOT_IN_LINK}"


def view_link(page: str, state: ViewState, uploaded: bool = False) -> str:
    """The link that reopens the view: the app's checked public address (Context.page_url,
    "" when unknown: then no link) with this view's query, on the embedded data (an upload
    lives in one browser tab and no link carries it)."""
    if not page:
        return ""
    return f"{page}{state.to_query()}" + (LINK_WITHOUT_UPLOAD if uploaded else "")
