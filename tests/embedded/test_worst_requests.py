"""Bounded input as a property: every write operation of the combined OpenAPI document,
sent the largest body the gateway admits, built to make the service work as hard as it can
(``tests/support/worst_requests.py``), answers a 2xx or a 4xx within 10 s, and the serving
process's peak resident memory grows by at most 100 MB. Every array a write body may hold
has a documented maximum (``maxItems``).

Bodies refused early measure little, so the heaviest operations are also sent valid bodies
on real objects, and must answer as such: an announcement of 500 lines of identifiers is
taken (2xx); a CSV file of the maximum rows of distinct valid identifiers or card codes is
accepted (2xx), and one filling the body limit is refused (422); such an announcement, once
announced, is received whole (2xx), after a reception naming every identifier missing and
one unknown is refused (422).
"""

from __future__ import annotations

import os

import pytest

from tests.support.embedded import embedded_system
from tests.support.worst_requests import Walk, unbounded_arrays

SECONDS = 10
GROWTH_MB = 100
BODY_LIMIT = 10 * 1024 * 1024  # the gateway's default GATEWAY_MAX_BODY_BYTES


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    with embedded_system(tmp_path_factory.mktemp("worst"), "worst", "100000/second") as running:
        yield Walk(running.gateway_url, running.demo_keys["admin"], os.getpid(), BODY_LIMIT)


def test_every_array_in_a_write_body_has_a_documented_maximum(walk):
    assert unbounded_arrays(walk.document) == []


def test_every_write_answers_its_worst_request_promptly_in_bounded_memory(walk, capsys):
    costs = walk.costs()
    with capsys.disabled():
        print(f"\n{len(costs)} worst requests, by peak memory growth:")
        for cost in sorted(costs, key=lambda cost: -cost.peak_growth_mb)[:10]:
            print(f"  {cost}")
    failed = [
        cost
        for cost in costs
        if not (200 <= cost.status < 300 or 400 <= cost.status < 500)
        or cost.status == 413
        or not cost.as_expected
        or cost.seconds > SECONDS
        or cost.peak_growth_mb > GROWTH_MB
    ]
    assert failed == []
    valid = [cost for cost in costs if cost.expected == "2xx"]
    assert len(valid) == 4  # the announcement, the two files at their maximum, the reception
