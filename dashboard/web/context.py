"""What a request is answered from: the embedded data, or a browser session's upload.

A `Bundle` is a dataset with what every view derives from it (menus, the default view, a
fingerprint for cache keys); the `Context` holds the embedded one and finds a session's
upload by its token. Plain Python: the CLI, the routes and the callbacks share it.

With a `DataWatch`, the embedded data follows its folders: on a request, at most every
`check_s` seconds, the files a load reads are stat'ed (`dataset.source_stamp`); when they
changed, one thread loads them again (through the per-file cache: only new or changed files
are read raw) while the others keep answering from the old bundle, then the new bundle
replaces it in one assignment. A request keeps the bundle it started with. A load that
fails, or finds problems the server does not serve, keeps the old bundle and says why in the
log, never to the user as an error.
"""

from __future__ import annotations

import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from threading import Lock

from dashboard.analytics.catalogue import Catalogue
from dashboard.ingest import dataset
from dashboard.ingest.dataset import Dataset
from dashboard.settings import Settings
from dashboard.web.uploads import Loaded, UploadStore
from dashboard.web.view_state import ViewState, default_view, from_query

UPLOAD_PREFIX = "upload:"  # an upload's Bundle name, so its fingerprint says what it is
log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class DataWatch:
    """Where the embedded data is loaded from, and how often to look for changed files."""

    paths: tuple[Path, ...]
    cache_dir: Path | None  # the per-file frame cache; None reads every file raw
    check_s: float  # seconds between looks, at most; 0 = never
    keep_valid_rows: bool = False  # serve data with problems (else keep the old data)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def of(cls, settings: Settings) -> DataWatch:
        return cls(settings.data_paths, settings.data_cache_dir, settings.data_check_s,
                   settings.keep_valid_rows)


class DataRefused(Exception):
    """Loaded data the server does not serve (rows with problems, not allowed)."""


class Context:
    """The embedded data, and each browser session's upload (by its token)."""

    def __init__(self, data: Dataset, uploads: UploadStore | None = None, kept: int = 8,
                 public_base: str = "/", cache=None,
                 page_url: Callable[[str | None], str] = lambda href: "",
                 watch: DataWatch | None = None):
        self._embedded = Bundle.of(data)
        self.watch = watch if watch is not None and watch.check_s > 0 else None
        self._stamp = self._loaded_stamp(data) if self.watch else {}
        self._next_check = self.watch.clock() + self.watch.check_s if self.watch else 0.0
        self._reloading = Lock()
        self.cache = cache  # rendered views (web/cache.py: in-process or Redis)
        self.public_base = public_base  # where browsers reach the app, e.g. "/rare-earths/"
        # The app's public address for the page's own links, from the address a browser
        # reports, checked (routes.page_url_of_href); "" for an unknown host: no link.
        self.page_url = page_url
        self.uploads = uploads
        self._bundles: OrderedDict[str, Bundle] = OrderedDict()
        self._kept, self._lock = kept, Lock()

    def _loaded_stamp(self, data: Dataset) -> dict[str, tuple[int, int]]:
        """The stamp the data was read at (a file written since is loaded at the first
        look); for data that does not carry one, the folders as they are now."""
        assert self.watch is not None
        return data.stamp or dataset.source_stamp(list(self.watch.paths))

    @property
    def embedded(self) -> Bundle:
        """The embedded data as it is now (a reload replaces it)."""
        return self._embedded

    def bundle(self, token: str | None) -> Bundle:
        """The session's upload; the embedded data when there is none, and also when it
        expired or cannot be read, then marked `gone` with the reason (never silently)."""
        self.check_data()
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

    def check_data(self) -> None:
        """Load the data folders again if their files changed, when a look is due.

        One thread looks (and loads) at a time; the others do not wait for it.
        """
        watch = self.watch
        if watch is None or watch.clock() < self._next_check:
            return
        if not self._reloading.acquire(blocking=False):
            return  # another request is looking: answer from the current bundle
        try:
            if watch.clock() < self._next_check:
                return  # it looked while this request waited for the lock
            stamp = dataset.source_stamp(list(watch.paths))
            if stamp != self._stamp:
                self._reload(watch, stamp)
            self._next_check = watch.clock() + watch.check_s
        finally:
            self._reloading.release()

    def _reload(self, watch: DataWatch, stamp: dict[str, tuple[int, int]]) -> None:
        """Load and swap in the data; on failure keep the old bundle and log why."""
        changes = _changes(self._stamp, stamp)
        self._stamp = stamp  # a failed load is tried again when the files change again
        start = time.perf_counter()
        try:
            data = dataset.load(list(watch.paths), cache_dir=watch.cache_dir)
            self._stamp = data.stamp or stamp  # what it read: a file written since is next
            if data.problems and not watch.keep_valid_rows:
                raise DataRefused(f"{len(data.problems):,} problems in the data (serving"
                                  " them needs RARE_EARTH_KEEP_VALID_ROWS=1): run `validate`")
            bundle = Bundle.of(data)
        except Exception as error:  # the old data keeps being served, whatever went wrong
            log.warning("data files changed (%s); process %d kept the data loaded before: %s",
                        changes, os.getpid(), error)
            return
        self._embedded = bundle
        if self.uploads is not None:
            self.uploads.base = data  # an upload's reference tables come from the data
        # WARNING: the level Python prints with no logging set up (gunicorn, `serve`), and a
        # change of the data every page shows is what an operator looks for in the log.
        log.warning("data reloaded (%s): %s rows in %.2f s by process %d", changes,
                    f"{len(data.frame):,}", time.perf_counter() - start, os.getpid())


def _changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> str:
    """"1 added (c.csv), 0 changed, 1 removed (a.csv)": file names, for the log."""
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])

    def part(word: str, paths: list[str]) -> str:
        names = ", ".join(Path(p).name for p in paths[:5]) + (", ..." if len(paths) > 5 else "")
        return f"{len(paths)} {word}" + (f" ({names})" if paths else "")

    return ", ".join([part("added", added), part("changed", changed), part("removed", removed)])
