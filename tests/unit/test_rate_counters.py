"""The gateway's per-process rate counters: limits' sliding-window strategy over a memory
storage that starts no thread per request and still forgets what expired."""

from __future__ import annotations

import threading
import time

import pytest

from services.common.problems import Problem
from services.gateway import rate_limits
from services.gateway.rate_limits import ProcessCounters, RateLimits


def test_a_key_is_refused_beyond_its_limit_and_no_thread_is_started_per_request(monkeypatch):
    limits = RateLimits("5/minute", "3/minute", "memory://")
    started, start = [], threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: (started.append(t), start(t))[1])
    for _ in range(5):  # one client, requests 20 ms apart
        limits.count_request("key-1")
        time.sleep(0.02)
    with pytest.raises(Problem) as refused:
        limits.count_request("key-1")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"]
    limits.count_request("key-2")  # counted apart
    assert not started  # limits' own memory storage starts a timer thread at each of them


def test_counters_nobody_reads_again_are_dropped_by_a_later_hit(monkeypatch):
    counters = ProcessCounters()
    counters.incr("forgotten", expiry=0.01)
    counters.expirations["forgotten"] -= 1  # expired a second ago
    monkeypatch.setattr(rate_limits, "PRUNE_SECONDS", 0.0)
    counters._next_prune = 0.0
    counters.incr("another", expiry=60)
    assert "forgotten" not in counters.storage and "forgotten" not in counters.expirations
    assert counters.get("another") == 1
