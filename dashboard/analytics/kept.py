"""Values derived from a trade frame, kept for the next requests.

Requests nearly always ask about the same frame and selection as the one before, and the
frame never changes once loaded, so what a view derives from it (an index, a partition, a
`PeriodIndex`) can be kept and reused. Entries are keyed by the frame's identity: a new
frame (an upload, a reload) is never answered from an old one's values. The frame is held
weakly: a frame replaced by a reload is freed, not kept alive by its derived values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Generic, TypeVar
from weakref import ReferenceType, ref

import pandas as pd

Value = TypeVar("Value")


class KeptPerFrame(Generic[Value]):
    """The last `kept` values built, by (frame, key); thread-safe."""

    def __init__(self, kept: int):
        self._kept = kept
        self._entries: OrderedDict[tuple[int, Hashable],
                                   tuple[ReferenceType[pd.DataFrame], Value]] = OrderedDict()
        self._lock = Lock()

    def get(self, frame: pd.DataFrame, key: Hashable, build: Callable[[], Value]) -> Value:
        """The value kept for (frame, key), else `build()` (outside the lock) kept."""
        slot = (id(frame), key)
        with self._lock:
            entry = self._entries.get(slot)
            if entry is not None and entry[0]() is frame:  # ids can be reused by a new frame
                self._entries.move_to_end(slot)
                return entry[1]
        value = build()
        with self._lock:
            for dead in [s for s, (held, _) in self._entries.items() if held() is None]:
                del self._entries[dead]  # their frames are gone: their values with them
            self._entries[slot] = (ref(frame), value)
            self._entries.move_to_end(slot)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return value
