"""``GET /operations/completions``: sales refused at completion, or committed after the hold."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.support.auth import as_role
from tests.support.sales import commit_refused, committed, desk_on

CARD = ("card:orange:1000", 1)


@pytest.fixture
def desk(service_on_sqlite):
    return desk_on(service_on_sqlite("sales"))


def completed(desk, late: bool) -> dict:
    order = desk.reserved(desk.person(), CARD)
    desk.complete(order)
    expiry = datetime.fromisoformat(desk.get(order)["expires_at"])
    at = expiry + timedelta(minutes=2) if late else expiry - timedelta(minutes=1)
    desk.apply(committed(desk.get(order), after_expiry=late, at=at))
    assert desk.get(order)["state"] == "completed"
    return order


def listed(desk, kind: str, role: str = "admin") -> list[tuple[str, str]]:
    answer = desk.client.get(f"/operations/completions?kind={kind}", headers=as_role(role))
    assert answer.status_code == 200, answer.get_json()
    return [(item["order_id"], item["kind"]) for item in answer.get_json()["items"]]


def test_refused_and_late_completions_are_listed_and_on_time_ones_are_not(desk):
    refused = desk.reserved(desk.person(), CARD)
    desk.complete(refused)
    desk.apply(commit_refused(desk.get(refused)))
    late = completed(desk, late=True)
    on_time = completed(desk, late=False)

    assert listed(desk, "refused") == [(refused["id"], "refused")]
    assert listed(desk, "late") == [(late["id"], "late")]
    assert sorted(listed(desk, "all", role="auditor")) == sorted(
        [(refused["id"], "refused"), (late["id"], "late")]
    )
    assert on_time["id"] not in str(listed(desk, "all"))


def test_completions_are_for_readers_only(desk):
    answer = desk.client.get(
        "/operations/completions", headers=as_role("counter", site_id=desk.site_id)
    )
    assert answer.status_code == 403
