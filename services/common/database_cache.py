"""Small per-process caches of rarely changing rows, one per database (engine), so that the
hot path of a request (an order) does not read them every time.

A value is kept ``seconds`` (``None``: for ever, for facts that never change once true,
e.g. "this site is a counter"); ``None`` results are never kept. Other processes see a change
once their copy expires: keep ``seconds`` short where that matters, and ``clear`` in the
process that made the change.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class DatabaseCache(Generic[T]):
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # Bumped by ``clear``: a value loaded before a clear is not kept after it.
        self._generation: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, session: Session, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """The kept value of ``key`` for the session's database, else ``load()`` (kept if
        not ``None``)."""
        engine, now = session.get_bind(), time.monotonic()
        with self._lock:
            kept = self._by_engine.get(engine, {}).get(key)
            generation = self._generation.get(engine, 0)
        if kept is not None and (kept[0] is None or now < kept[0]):
            return kept[1]
        value = load()
        if value is not None:
            expires = None if self.seconds is None else now + self.seconds
            with self._lock:
                if self._generation.get(engine, 0) == generation:
                    self._by_engine.setdefault(engine, {})[key] = (expires, value)
        return value

    def clear(self, session: Session) -> None:
        engine = session.get_bind()
        with self._lock:
            self._by_engine.pop(engine, None)
            self._generation[engine] = self._generation.get(engine, 0) + 1
