"""What a request is answered from: the embedded data, or a browser session's upload.

A `Bundle` is a dataset with what every view derives from it (menus, the default view, a
fingerprint for cache keys); the `Context` holds the embedded one and finds a session's
upload by its token. Plain Python: the CLI, the routes and the callbacks share it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from threading import Lock

from dashboard.analytics.catalogue import Catalogue
from dashboard.ingest.dataset import Dataset
from dashboard.web.uploads import Loaded, UploadStore
from dashboard.web.view_state import ViewState, default_view, from_query

UPLOAD_PREFIX = "upload:"  # an upload's Bundle name, so its fingerprint says what it is


@dataclass(frozen=True)
class Bundle:
    """A dataset with what the page derives from it: menus and the default view."""

    data: Dataset
    catalogue: Catalogue
    defaults: ViewState
    fingerprint: str = ""  # changes whenever the data does: part of every cache key
    gone: str = ""  # the session's upload expired or cannot be read: said on the page

    @property
    def uploaded(self) -> bool:
        """A browser session's upload (not the embedded data): no link or embed carries it."""
        return self.fingerprint.startswith(UPLOAD_PREFIX)

    @classmethod
    def of(cls, data: Dataset, name: str = "embedded") -> Bundle:
        catalogue = Catalogue.of(data.frame)
        return cls(data, catalogue, default_view(catalogue), f"{name}|{data.fingerprint()}")


class Context:
    """The embedded data, and each browser session's upload (by its token)."""

    def __init__(self, data: Dataset, uploads: UploadStore | None = None, kept: int = 8,
                 public_base: str = "/", cache=None,
                 page_url: Callable[[str | None], str] = lambda href: ""):
        self.embedded = Bundle.of(data)
        self.cache = cache  # rendered views (web/cache.py: in-process or Redis)
        self.public_base = public_base  # where browsers reach the app, e.g. "/rare-earths/"
        # The app's public address for the page's own links, from the address a browser
        # reports, checked (routes.page_url_of_href); "" for an unknown host: no link.
        self.page_url = page_url
        self.uploads = uploads
        self._bundles: OrderedDict[str, Bundle] = OrderedDict()
        self._kept, self._lock = kept, Lock()

    def bundle(self, token: str | None) -> Bundle:
        """The session's upload; the embedded data when there is none, and also when it
        expired or cannot be read, then marked `gone` with the reason (never silently)."""
        if not token or not isinstance(token, str) or self.uploads is None:
            return self.embedded
        found = self.uploads.lookup(token)  # every time: uploads expire
        if found is None:
            return self.embedded
        if not isinstance(found, Loaded):
            return replace(self.embedded, gone=found.message)
        with self._lock:
            kept = self._bundles.get(token)
            if kept is not None and kept.data is found.data:
                self._bundles.move_to_end(token)
                return kept
        bundle = Bundle.of(found.data, name=f"{UPLOAD_PREFIX}{token}")
        with self._lock:
            self._bundles[token] = bundle
            while len(self._bundles) > self._kept:
                self._bundles.popitem(last=False)
        return bundle

    def view(self, search: str | None, token: str | None = None
             ) -> tuple[Bundle, ViewState, list[str]]:
        bundle = self.bundle(token if isinstance(token, str) else None)
        search = search if isinstance(search, str) else ""
        state, notices = from_query(search, bundle.defaults, bundle.catalogue)
        return bundle, state, notices
