"""Bounded waits of API requests until something about a key holds (an order decided, a
reservation closed), answered as soon as it does.

The service's worker notifies a channel with the key when it commits the change (PostgreSQL
``NOTIFY``, see ``notifications.py``); each API process listens once and wakes the requests
waiting for that key, so the answer leaves within milliseconds of the commit. The state is
still read every ``poll_seconds`` (on SQLite, where nothing is sent) and at least every second
on PostgreSQL, a safety net for a notification missed while the listener reconnects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask

from services.common.notifications import Listener, Waiters, is_postgresql
from services.common.runtime import ServiceRuntime

NOTIFIED_POLL_SECONDS = 1.0
_lock = threading.Lock()
T = TypeVar("T")


@dataclass
class Watch:
    """Wake-ups of one key, registered: what changes from now on cuts the next pause short."""

    changed: threading.Event
    poll_seconds: float

    def read_until(
        self, read: Callable[[], T], done: Callable[[T], bool], seconds: float, *, first=True
    ) -> T:
        """``read()`` until ``done`` says the value will do, again after each wake-up (or
        poll), for at most ``seconds``; returns the last value read. ``first=False`` when
        the caller knows it does not hold yet (it just wrote the state): pause first."""
        deadline = time.monotonic() + seconds
        if not first:
            self._pause(deadline)
        while True:
            value = read()
            if done(value) or time.monotonic() >= deadline:
                return value
            self._pause(deadline)

    def _pause(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            self.changed.wait(min(self.poll_seconds, remaining))
            self.changed.clear()  # a wake-up in between is seen by the read that follows


class KeyWaits:
    def __init__(self, database_url: str, channel: str, poll_seconds: float) -> None:
        self.waiters = Waiters()
        self.listener: Listener | None = None
        self.poll_seconds = poll_seconds
        if is_postgresql(database_url):
            self.listener = Listener(database_url, {channel: self.waiters.wake}).start()
            self.poll_seconds = max(poll_seconds, NOTIFIED_POLL_SECONDS)

    @contextmanager
    def watching(self, key: str) -> Iterator[Watch]:
        """Register for ``key``'s wake-ups: before committing what another process will
        answer, so that no answer falls before the registration."""
        with self.waiters.waiting_for(key) as changed:
            yield Watch(changed, self.poll_seconds)

    def wait(self, key: str, seconds: float, holds: Callable[[], bool]) -> None:
        """Return once ``holds()`` or after ``seconds``."""
        with self.watching(key) as watch:
            watch.read_until(holds, bool, seconds)


def key_waits(app: Flask, runtime: ServiceRuntime, channel: str, poll_seconds: float) -> KeyWaits:
    """The app's one ``KeyWaits`` for ``channel``: its listener starts with the first wait
    and stops when the runtime is disposed."""
    name = f"waits:{channel}"
    with _lock:
        waits = app.extensions.get(name)
        if waits is None:
            waits = KeyWaits(runtime.settings.database_url, channel, poll_seconds)
            if waits.listener is not None:
                runtime.closers.append(waits.listener.stop)
            app.extensions[name] = waits
        return waits
