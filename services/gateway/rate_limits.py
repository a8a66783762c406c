"""Per-key request limits, and a limit on failed authentications per client address.

Counted with the ``limits`` library (sliding-window counters) in the storage named by
``GATEWAY_RATE_LIMIT_STORAGE``: ``memory://`` counts per gateway process (N processes admit
up to N times the limit); a shared storage such as ``redis://host:6379`` counts for all.

``memory://`` is ``limits``' memory storage without its expiry timer (``ProcessCounters``):
that storage starts a ``threading.Timer`` whenever none is alive, which for requests more
than 10 ms apart is a new thread for every request (a quarter of the gateway's request time
under py-spy, one client at a time, most of it waiting for the thread to start).
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from services.common.problems import Problem

PRUNE_SECONDS = 10.0  # how often ProcessCounters drops the counters nobody read again


class ProcessCounters(MemoryStorage):
    """``limits``' memory storage whose counters expire when read (as its ``get`` does) and,
    every ``PRUNE_SECONDS``, in one sweep during a hit, instead of by a timer thread."""

    def __init__(self) -> None:
        super().__init__()  # its one timer, started here, runs once and ends
        self._next_prune = time.monotonic() + PRUNE_SECONDS
        self._prune_lock = threading.Lock()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self.get(key)  # an expired counter is dropped first
        self._prune_now_and_then()
        with self.locks[key]:
            self.storage[key] += amount
            if self.storage[key] == amount:
                self.expirations[key] = time.time() + expiry
        return self.storage.get(key, 0)

    def decr(self, key: str, amount: int = 1) -> int:
        self.get(key)
        with self.locks[key]:
            self.storage[key] = max(self.storage[key] - amount, 0)
        return self.storage.get(key, 0)

    def _prune_now_and_then(self) -> None:
        if time.monotonic() < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = time.monotonic() + PRUNE_SECONDS
            now = time.time()
            for key, expires in list(self.expirations.items()):
                if expires <= now:
                    self.clear(key)
        finally:
            self._prune_lock.release()


def counters(storage_uri: str) -> Storage:
    return ProcessCounters() if storage_uri == "memory://" else storage_from_string(storage_uri)


class RateLimits:
    def __init__(self, per_key: str, per_client_failures: str, storage_uri: str) -> None:
        self._per_key = parse_many(per_key)
        self._failures = parse_many(per_client_failures)
        self._limiter = SlidingWindowCounterRateLimiter(counters(storage_uri))

    def count_request(self, key_id: str) -> None:
        """Count one request of a key; 429 once the key is over one of its limits."""
        self._hit(self._per_key, "key", key_id, "This key has sent too many requests.")

    def refuse_if_failing(self, client: str) -> None:
        """429 for a client address that has failed to authenticate too often."""
        for item in self._failures:
            if not self._limiter.test(item, "auth-failure", client):
                self._refuse(item, ("auth-failure", client), "Too many failed authentications.")

    def count_failure(self, client: str) -> None:
        for item in self._failures:
            self._limiter.hit(item, "auth-failure", client)

    def _hit(self, items: list[RateLimitItem], *identifiers_and_detail: str) -> None:
        *identifiers, detail = identifiers_and_detail
        for item in items:
            if not self._limiter.hit(item, *identifiers):
                self._refuse(item, tuple(identifiers), detail)

    def _refuse(self, item: RateLimitItem, identifiers: tuple[str, ...], detail: str) -> None:
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        retry_after = max(1, math.ceil(reset - time.time()))
        raise Problem(
            429,
            "rate-limited",
            f"{detail} Limit: {item}. Retry after {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            limit=str(item),
        )
