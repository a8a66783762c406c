"""Partner webhooks on donations (SQLite, the in-process broker, a receiver on loopback):
endpoints and who sees them, the address policy at registration and at delivery, facts
from the projections batched into signed deliveries, retries, 410, replay, rotation."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from standardwebhooks.webhooks import Webhook

from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS
from services.donations.webhook_delivery import deliver_webhooks, dispatcher_of
from tests.support.auth import as_partner, as_role
from tests.support.webhook_receiver import Listener, Receiver
from tests.support.webhook_service import (
    FAST_RETRIES,
    new_partner,
    register,
    settings,
    settle,
)


@pytest.fixture
def service(service_on_sqlite):
    return service_on_sqlite("donations", own=settings())


@pytest.fixture
def receiver():
    with Receiver() as receiver:
        yield receiver


def made_available(partner_id, device_id=None, sequence=3):
    device_id = device_id or str(uuid.uuid4())
    data = {
        "device_id": device_id,
        "site_id": str(uuid.uuid4()),
        "category": "smartphone",
        "donation_id": "d0000000-0000-4000-8000-000000000001",
        "partner_id": partner_id,
        "asset_tag": "CS-000001",
        "from_state": "grading",
        "to_state": "available",
        "occurred_at": "2026-12-01T10:00:00+00:00",
        "brand": "Apple",
        "model": "iPhone 8",
        "cosmetic_grade": "B",
        "functional_grade": 1,
        "label": None,
        "buyer_note": None,
    }
    return new_event(
        "inventory.device.made_available",
        source="inventory",
        subject=device_id,
        sequence=sequence,
        data=data,
    )


def apply(runtime, events):
    """The events through the consumer's own path, in one batch transaction."""
    consumer = runtime.consumer(DONATIONS.handlers)
    with runtime.session_factory() as session:
        outcomes = consumer._apply_together(session, [(event, None) for event in events])
        session.commit()
    assert {outcome.kind for outcome in outcomes} == {"ack"}


def verified(received, secret) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


# endpoints and who sees them ------------------------------------------------------------------


def test_a_partner_registers_its_own_endpoint_and_sees_its_secret_once(service, receiver):
    client = service.client
    alpha, beta = new_partner(client, "Alpha"), new_partner(client, "Beta")
    endpoint = register(client, alpha, receiver.url)
    assert endpoint["secret"].startswith("whsec_")
    assert (endpoint["partner_id"], endpoint["state"]) == (alpha, "active")

    shown = client.get(f"/webhooks/{endpoint['id']}", headers=as_partner(alpha)).get_json()
    assert "secret" not in shown
    listed = client.get("/webhooks", headers=as_partner(alpha)).get_json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]

    # Another partner learns nothing of it, and cannot register for Alpha.
    assert client.get(f"/webhooks/{endpoint['id']}", headers=as_partner(beta)).status_code == 404
    assert client.get("/webhooks", headers=as_partner(beta)).get_json()["total"] == 0
    path = f"/webhooks/{endpoint['id']}"
    assert client.delete(path, headers=as_partner(beta)).status_code == 404
    foreign = {"partner_id": alpha, "url": receiver.url, "kinds": ["webhook.test"]}
    assert client.post("/webhooks", json=foreign, headers=as_partner(beta)).status_code == 403
    # An auditor reads; a counter may not.
    assert client.get("/webhooks", headers=as_role("auditor")).get_json()["total"] == 1
    assert (
        client.get("/webhooks", headers=as_role("counter", site_id=uuid.uuid4())).status_code == 403
    )

    # An admin names the partner; the secret is sealed at rest.
    missing = client.post("/webhooks", json={"url": receiver.url, "kinds": ["webhook.test"]})
    assert missing.get_json()["code"] == "partner-required"
    with service.runtime.unit_of_work() as uow:
        stored = uow.webhooks.get(endpoint["id"], scope=None)
        assert endpoint["secret"] not in stored.secret_sealed
    assert client.delete(path, headers=as_partner(alpha)).status_code == 204
    assert client.get(path, headers=as_partner(alpha)).status_code == 404


def test_a_registration_refuses_an_idempotency_key_rather_than_ignore_it(service, receiver):
    client = service.client
    alpha = new_partner(client)
    body = {"url": receiver.url, "kinds": ["webhook.test"]}
    headers = {**as_partner(alpha), "Idempotency-Key": "register-once"}

    answers = [client.post("/webhooks", json=body, headers=headers) for _ in range(2)]

    for answer in answers:
        assert (answer.status_code, answer.mimetype) == (422, "application/problem+json")
        assert answer.get_json()["code"] == "idempotency-key-not-accepted"
        assert "secret" in answer.get_json()["detail"]
    assert client.get("/webhooks", headers=as_partner(alpha)).get_json()["total"] == 0
    operation = client.get("/openapi.json").get_json()["paths"]["/webhooks"]["post"]
    [header] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert "idempotency-key-not-accepted" in header["description"]


def test_unknown_kinds_and_bad_urls_are_refused_clearly(service):
    client = service.client
    alpha = new_partner(client)
    bad_kind = {"url": "https://example.org/h", "kinds": ["inventory.device.graded"]}
    response = client.post("/webhooks", json=bad_kind, headers=as_partner(alpha))
    assert response.status_code == 422
    for url in ("ftp://example.org/", "https://u:p@example.org/", "not a url"):
        body = {"url": url, "kinds": ["webhook.test"]}
        response = client.post("/webhooks", json=body, headers=as_partner(alpha))
        assert response.status_code == 422, url
        assert response.get_json()["code"] == "webhook-url-refused"
    catalogue = client.get("/webhooks/catalogue", headers=as_partner(alpha)).get_json()
    assert {kind["name"]: kind["version"] for kind in catalogue["kinds"]}["devices.sold"] == "v1"


# the address policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_is_refused_at_registration_without_the_test_setting(service_on_sqlite, host):
    service = service_on_sqlite("donations", own=settings(allow_loopback_http=False))
    alpha = new_partner(service.client)
    with Listener() as listener:
        for scheme in ("https", "http"):
            url = f"{scheme}://{host}:{listener.port}/hooks"
            body = {"url": url, "kinds": ["webhook.test"]}
            response = service.client.post("/webhooks", json=body, headers=as_partner(alpha))
            assert response.status_code == 422, response.get_json()
            assert response.get_json()["code"] == "webhook-url-refused"
    assert listener.accepted == 0


def test_loopback_is_refused_at_delivery_without_the_test_setting(service):
    alpha = new_partner(service.client)
    with Listener() as listener:
        endpoint = register(service.client, alpha, f"http://localhost:{listener.port}/h")
        dispatcher = dispatcher_of(service.runtime)
        dispatcher.limits = replace(dispatcher.limits, allow_loopback=False)  # as in production
        ping = service.client.post(f"/webhooks/{endpoint['id']}/ping", headers=as_partner(alpha))
        assert ping.status_code == 202
        log = f"/webhooks/{endpoint['id']}/deliveries"

        def refused():
            items = service.client.get(log, headers=as_partner(alpha)).get_json()["items"]
            return items and items[0]["last_failure"] == "refused" and items[0]

        delivery = settle(service.runtime, refused)
    assert "loopback" in delivery["last_error"]
    assert listener.accepted == 0  # no connection was ever attempted


# delivery -------------------------------------------------------------------------------------


def test_projected_facts_are_batched_into_signed_deliveries(service_on_sqlite, receiver):
    service = service_on_sqlite("donations", own=settings(batch_max_items=100))
    alpha, beta = new_partner(service.client, "Alpha"), new_partner(service.client, "Beta")
    endpoint = register(service.client, alpha, receiver.url)
    apply(service.runtime, [made_available(alpha) for _ in range(250)])
    apply(service.runtime, [made_available(beta) for _ in range(5)])  # not Alpha's

    settle(
        service.runtime,
        lambda: sum(len(r.payload["data"]["items"]) for r in receiver.received) >= 250,
    )
    assert len(receiver.received) == 3  # 250 facts in batches of 100, not 250 requests
    for received in receiver.received:
        payload = verified(received, endpoint["secret"])
        assert (payload["type"], payload["version"], payload["partner_id"]) == (
            "devices.refurbished",
            "v1",
            alpha,
        )
        assert received.headers["webhook-id"].startswith("msg_")
    items = [item for r in receiver.received for item in r.payload["data"]["items"]]
    assert len({item["device_id"] for item in items}) == 250


def test_a_failing_receiver_gets_the_delivery_once_it_recovers(service, receiver):
    alpha = new_partner(service.client)
    endpoint = register(service.client, alpha, receiver.url, kinds=["webhook.test"])
    receiver.statuses = [500, 503]
    ping = service.client.post(f"/webhooks/{endpoint['id']}/ping", headers=as_partner(alpha))
    log = f"/webhooks/{endpoint['id']}/deliveries"

    def delivered():
        items = service.client.get(log, headers=as_partner(alpha)).get_json()["items"]
        return items[0]["state"] == "delivered" and items[0]

    delivery = settle(service.runtime, delivered)
    assert receiver.ids() == [ping.get_json()["id"]] * 3  # one webhook-id on every try
    assert [a["status"] for a in delivery["attempt_log"]] == [500, 503, 204]
    assert [a["failure"] for a in delivery["attempt_log"]] == ["http_status", "http_status", None]
    assert delivery["payload"]["type"] == "webhook.test"

    replay = service.client.post(f"{log}/{delivery['id']}/replay", headers=as_partner(alpha))
    assert replay.status_code == 202
    settle(service.runtime, lambda: len(receiver.received) == 4)
    assert receiver.ids()[-1] == delivery["id"]


def test_a_410_disables_the_endpoint_and_says_why(service, receiver):
    alpha = new_partner(service.client)
    endpoint = register(service.client, alpha, receiver.url, kinds=["webhook.test"])
    receiver.statuses = [410]
    service.client.post(f"/webhooks/{endpoint['id']}/ping", headers=as_partner(alpha))
    path = f"/webhooks/{endpoint['id']}"

    shown = settle(
        service.runtime,
        lambda: (
            (e := service.client.get(path, headers=as_partner(alpha)).get_json())["state"]
            == "disabled"
            and e
        ),
    )
    assert "410" in shown["disabled_reason"]
    again = service.client.post(f"{path}/ping", headers=as_partner(alpha))
    assert again.get_json()["code"] == "webhook-disabled"
    enabled = service.client.patch(path, json={"enabled": True}, headers=as_partner(alpha))
    assert enabled.get_json()["state"] == "active"


def test_an_endpoint_failing_for_too_long_is_disabled(service_on_sqlite, receiver):
    policy = replace(FAST_RETRIES, disable_after_seconds=0.3)
    service = service_on_sqlite("donations", own=settings(retry=policy))
    alpha = new_partner(service.client)
    endpoint = register(service.client, alpha, receiver.url, kinds=["webhook.test"])
    receiver.statuses = [500] * 100
    service.client.post(f"/webhooks/{endpoint['id']}/ping", headers=as_partner(alpha))
    path = f"/webhooks/{endpoint['id']}"
    shown = settle(
        service.runtime,
        lambda: (
            (e := service.client.get(path, headers=as_partner(alpha)).get_json())["state"]
            == "disabled"
            and e
        ),
    )
    assert "failed since" in shown["disabled_reason"]


def test_after_a_rotation_both_secrets_sign_for_the_overlap(service, receiver):
    alpha = new_partner(service.client)
    endpoint = register(service.client, alpha, receiver.url, kinds=["webhook.test"])
    path = f"/webhooks/{endpoint['id']}"
    rotated = service.client.post(f"{path}/secret-rotation", headers=as_partner(alpha))
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != endpoint["secret"] and rotated.get_json()["previous_secret_until"]
    service.client.post(f"{path}/ping", headers=as_partner(alpha))
    settle(service.runtime, lambda: receiver.received)
    [received] = receiver.received
    assert len(received.headers["webhook-signature"].split(" ")) == 2
    verified(received, endpoint["secret"])
    verified(received, new_secret)


def test_a_closed_month_is_announced_once_an_hour_after_it_ends(service, receiver):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from services.donations.handlers.webhooks import announce_closed_month

    alpha = new_partner(service.client)
    register(service.client, alpha, receiver.url, kinds=["impact.monthly_ready"])
    register(service.client, alpha, receiver.url, kinds=["devices.sold"])  # does not want it
    paris = ZoneInfo("Europe/Paris")

    def announce(*moment):
        return announce_closed_month(
            service.runtime.unit_of_work(), datetime(*moment, tzinfo=paris)
        )

    assert announce(2026, 12, 1, 0, 30) == 0  # November's last events settle first
    assert announce(2026, 12, 1, 1, 30) == 1
    assert announce(2026, 12, 1, 2, 30) == 0  # once per month
    assert announce(2026, 12, 20, 9, 0) == 0
    settle(service.runtime, lambda: receiver.received)
    [delivery] = receiver.received
    assert delivery.payload["type"] == "impact.monthly_ready"
    assert delivery.payload["data"]["items"][0]["month"] == "2026-11"
    assert announce(2027, 1, 1, 1, 30) == 1  # December's


def test_a_slow_endpoint_holds_back_only_its_own_deliveries(service_on_sqlite):
    service = service_on_sqlite("donations", own=settings(per_endpoint=2, senders=4))
    alpha, beta = new_partner(service.client, "Alpha"), new_partner(service.client, "Beta")
    with Receiver() as slow, Receiver() as fast:
        slow.hang_seconds = 3
        slow_endpoint = register(service.client, alpha, slow.url, kinds=["webhook.test"])
        fast_endpoint = register(service.client, beta, fast.url, kinds=["webhook.test"])
        for _ in range(5):
            service.client.post(f"/webhooks/{slow_endpoint['id']}/ping", headers=as_partner(alpha))
        service.client.post(f"/webhooks/{fast_endpoint['id']}/ping", headers=as_partner(beta))

        settle(service.runtime, lambda: fast.received, timeout=2.5)  # before any slow answer
        assert len(slow.received) <= 2  # the cap: two in flight to the slow endpoint at most
        settle(service.runtime, lambda: len(set(slow.ids())) == 5, timeout=30)


def test_a_backlog_goes_out_in_one_run_of_the_task_as_fast_as_its_senders_send(
    service_on_sqlite,
):
    """The task claims again whenever a sender is free, not once per interval."""
    service = service_on_sqlite("donations", own=settings(per_endpoint=2, senders=2))
    partner = new_partner(service.client)
    with Receiver() as receiver:
        endpoint = register(service.client, partner, receiver.url, kinds=["webhook.test"])
        for _ in range(20):
            response = service.client.post(
                f"/webhooks/{endpoint['id']}/ping", headers=as_partner(partner)
            )
            assert response.status_code == 202, response.get_json()
        assert deliver_webhooks(service.runtime) >= 20  # one run: 10 times its senders
        settle(service.runtime, lambda: len(set(receiver.ids())) == 20, timeout=5)
