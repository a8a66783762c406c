"""The operations API of a service against a real RabbitMQ: dead letters the consumer made,
peeked at (left in their quorum queue), replayed to their lane once the cause is fixed, or
discarded; the summary's queue depths and outbox backlog."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.donations.app import SERVICE as DONATIONS
from services.donations.models import SiteCity
from tests.support.auth import as_role
from tests.support.dead_letters import closing_of_an_unopened_site, open_the_site
from tests.support.waiting import wait_until


@pytest.fixture
def donations(settings_for):
    runtime = DONATIONS.runtime(settings_for("donations"))
    worker = DONATIONS.worker(runtime).start()
    worker.wait_until_consuming()
    yield runtime, DONATIONS.create_app({"RUNTIME": runtime}).test_client()
    worker.stop()
    runtime.dispose()


def dead_ids(client, role: str = "admin") -> list[str]:
    answer = client.get("/operations/dead-letters?limit=100", headers=as_role(role))
    assert answer.status_code == 200, answer.get_json()
    return [letter["event_id"] for letter in answer.get_json()["items"]]


def site_known(runtime, site_id: str) -> bool:
    with runtime.session_factory() as session:
        return session.get(SiteCity, site_id) is not None


def site_closed(runtime, site_id: str) -> bool:
    with runtime.session_factory() as session:
        site = session.get(SiteCity, site_id)
        return site is not None and site.closed_at is not None


def test_dead_letters_are_peeked_replayed_and_discarded_on_rabbitmq(donations, broker_url):
    runtime, client = donations
    topology = runtime.topology
    kept = closing_of_an_unopened_site(broker_url, topology)
    dropped = closing_of_an_unopened_site(broker_url, topology)

    wait_until(lambda: sorted(dead_ids(client)) == sorted([kept.id, dropped.id]))
    for _ in range(3):  # peeking leaves them where they are
        assert sorted(dead_ids(client, "auditor")) == sorted([kept.id, dropped.id])
    first = client.get("/operations/dead-letters?limit=1", headers=as_role("auditor")).get_json()
    assert (len(first["items"]), first["total"]) == (1, 2)
    assert "SiteNotYetOpened" in first["items"][0]["reason"]
    summary = client.get("/operations/summary", headers=as_role("auditor")).get_json()
    assert summary["dead_letters"] == 2 and summary["broker_error"] is None
    assert [queue["name"] for queue in summary["queues"]] == [
        *topology.consumed_queue_names("donations"),
        topology.dead_queue_name("donations"),
    ]

    body = {"event_id": dropped.id, "reason": "a test site that never opens"}
    assert client.post("/operations/dead-letters/discard", json=body).status_code == 200
    assert dead_ids(client) == [kept.id]

    open_the_site(broker_url, topology, kept)
    wait_until(lambda: site_known(runtime, kept.data["site_id"]))
    replayed = client.post("/operations/dead-letters/replay", json={"event_ids": [kept.id]})
    assert replayed.get_json() == {"replayed": 1}
    wait_until(lambda: site_closed(runtime, kept.data["site_id"]))
    assert dead_ids(client) == []
    unknown = {"event_ids": [str(uuid.uuid4())]}
    assert client.post("/operations/dead-letters/replay", json=unknown).status_code == 404


def test_the_summary_counts_the_unsent_outbox(donations):
    """A row the relay failed to publish, set aside until far in the future."""
    runtime, client = donations
    row = {
        "event_id": str(uuid.uuid4()),
        "event_type": "donations.donation.received",
        "body": "{}",
        "created_at": datetime(2020, 1, 1, tzinfo=UTC),
        "attempts": 3,
        "last_error": "nacked",
        "next_attempt_at": datetime(2100, 1, 1, tzinfo=UTC),
    }
    with runtime.engine.begin() as connection:
        connection.execute(runtime.tables.outbox.insert().values(**row))

    outbox = client.get("/operations/summary", headers=as_role("auditor")).get_json()["outbox"]

    assert (outbox["unsent"], outbox["failing"]) == (1, 1)
    assert outbox["oldest_unsent_at"].startswith("2020-01-01")
    assert outbox["oldest_unsent_age_seconds"] > 86400
