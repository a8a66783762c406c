"""The token ids a service process has already accepted, remembered until they expire.

A token the gateway minted opens one request. Its ``jti`` is remembered here until the
token's expiry (plus the clock leeway), so the same token sent again is refused; once it
has expired the signature check refuses it anyway and the id is forgotten. Memory is
bounded: at most ``capacity`` ids, each kept no longer than a token may live.

The set lives in one process. With several processes behind one port (gunicorn workers,
replicas), a token replayed to another process within its lifetime is not recognised
there: see the README's security section.
"""

from __future__ import annotations

import heapq
import threading
import time

DEFAULT_CAPACITY = 100_000  # ~20 MB; 1,500 tokens/s per process at the default 60 s life


class SeenTokens:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._expiries: dict[str, float] = {}
        self._by_expiry: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def first_use(self, token_id: str, forget_after: float) -> bool:
        """True the first time ``token_id`` is seen (and remember it until ``forget_after``,
        a Unix time); False on any later use, or when the set is full (fail closed)."""
        with self._lock:
            self._forget_expired(time.time())
            if token_id in self._expiries or len(self._expiries) >= self._capacity:
                return False
            self._expiries[token_id] = forget_after
            heapq.heappush(self._by_expiry, (forget_after, token_id))
            return True

    def __len__(self) -> int:
        return len(self._expiries)

    def _forget_expired(self, now: float) -> None:
        while self._by_expiry and self._by_expiry[0][0] < now:
            _, token_id = heapq.heappop(self._by_expiry)
            del self._expiries[token_id]
