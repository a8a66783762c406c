"""Metrics of the embedded system: one process, so the gateway's /metrics shows it all.

Each figure is scraped before and after the real thing it counts: a request, an order sold
(the consumers' and the saga's figures), an event whose handler fails, a key over its rate
limit (30 requests a second here), a service the gateway cannot reach."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime

import pytest
import requests
from kombu import Connection, Producer
from prometheus_client.parser import text_string_to_metric_families

from services.common.events.envelope import new_event
from services.gateway.app import create_app as create_gateway
from services.gateway.settings import Settings as GatewaySettings
from tests.browser.api_setup import (
    CARD,
    counter_with_a_card,
)
from tests.support.dead_letters import publish
from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until

RATE_LIMIT = 30  # a second, per key


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with embedded_system(
        tmp_path_factory.mktemp("metrics"), "metricstest", rate_limit=f"{RATE_LIMIT}/second"
    ) as running:
        yield running


def scrape(system) -> dict[tuple[str, frozenset], float]:
    response = requests.get(f"{system.gateway_url}/metrics", timeout=10)
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_a_request_is_counted_by_the_gateway_and_the_service_under_route_templates(system):
    admin = {"Authorization": f"Bearer {system.demo_keys['admin']}"}
    before = scrape(system)
    sites = requests.get(f"{system.gateway_url}/api/inventory/sites", headers=admin, timeout=10)
    assert sites.status_code == 200
    after = scrape(system)
    service = {"service": "inventory", "route": "/sites", "method": "GET", "status": "200"}
    gateway = {"service": "gateway", "route": "/api/<service>/<path:path>", "method": "GET"}
    for name, labels in (
        ("connexions_http_requests_total", service),
        ("connexions_http_requests_total", {**gateway, "status": "200"}),
        ("connexions_gateway_upstream_duration_seconds_count", {"service": "inventory"}),
    ):
        assert value(after, name, **labels) == value(before, name, **labels) + 1, name


def test_the_gateway_never_forwards_a_services_metrics(system):
    admin = {"Authorization": f"Bearer {system.demo_keys['admin']}"}
    for path in ("metrics", "metrics/", "sites/../metrics"):
        response = requests.get(
            f"{system.gateway_url}/api/inventory/{path}", headers=admin, timeout=10
        )
        assert response.status_code == 404, path
        assert "connexions_" not in response.text


def test_an_unknown_key_counts_as_an_authentication_failure(system):
    before = value(scrape(system), "connexions_gateway_auth_failures_total")
    refused = requests.get(
        f"{system.gateway_url}/api/inventory/sites",
        headers={"Authorization": "Bearer cs_not-a-key"},
        timeout=10,
    )
    assert refused.status_code == 401
    assert value(scrape(system), "connexions_gateway_auth_failures_total") == before + 1


def test_every_services_outbox_is_measured(system):
    samples = scrape(system)
    for service in ("donations", "inventory", "sales"):
        assert ("connexions_outbox_unsent_events", frozenset({("service", service)})) in samples
        age = value(samples, "connexions_outbox_oldest_unsent_age_seconds", service=service)
        assert 0 <= age < 60


def test_a_message_that_is_no_event_is_counted_dead_lettered(system):
    runtime = next(w.runtime for w in system.workers if w.runtime.name == "inventory")
    labels = {"service": "inventory", "type": "unknown"}
    before = value(scrape(system), "connexions_consumer_events_dead_lettered_total", **labels)
    queue = runtime.topology.queue_name("inventory", runtime.topology.lanes("inventory")[0])
    with Connection(runtime.settings.messaging.broker_url) as connection:
        Producer(connection.channel()).publish(
            b"not an event", exchange="", routing_key=queue, content_type="application/json"
        )
    wait_until(
        lambda: (
            value(scrape(system), "connexions_consumer_events_dead_lettered_total", **labels)
            == before + 1
        )
    )


# an order, from the counter to the sale ------------------------------------------------------
@pytest.fixture(scope="module")
def counter_ready(system):
    """A card in stock at the Paris counter and a person enrolled there: their code."""
    return counter_with_a_card(system)


def test_an_order_sold_is_counted_by_both_consumers_and_the_saga(system, counter_ready):
    counter, code = counter_ready
    placed, accepted = "sales.order.placed", "inventory.reservation.accepted"
    asked, committed = "sales.order.completion_requested", "inventory.reservation.committed"
    inventory, sales = {"service": "inventory"}, {"service": "sales"}
    counted = [  # (name, labels, how many more after the sale)
        ("connexions_consumer_events_handled_total", {**inventory, "type": placed}, 1),
        ("connexions_consumer_events_handled_total", {**inventory, "type": asked}, 1),
        ("connexions_consumer_events_handled_total", {**sales, "type": accepted}, 1),
        ("connexions_consumer_events_handled_total", {**sales, "type": committed}, 1),
        ("connexions_consumer_events_failed_total", {**inventory, "type": placed}, 0),
        ("connexions_consumer_handler_duration_seconds_count", {**inventory, "type": placed}, 1),
        ("connexions_consumer_handler_duration_seconds_count", {**sales, "type": accepted}, 1),
        ("connexions_consumer_lag_seconds_count", {**inventory, "lane": "saga"}, 2),
        ("connexions_consumer_lag_seconds_count", {**sales, "lane": "saga"}, 2),
        ("connexions_saga_orders_total", {"outcome": "accepted"}, 1),
        ("connexions_saga_decision_duration_seconds_count", {}, 1),
        ("connexions_saga_completions_total", {"outcome": "completed"}, 1),
    ]
    before = scrape(system)

    order = counter.post(
        "sales/orders", {"beneficiary_code": code, "lines": [{"product_key": CARD, "quantity": 1}]}
    )
    reserved = counter.get(f"sales/orders/{order['id']}", wait=5).json()
    assert reserved["state"] == "reserved", reserved
    sold = counter.http.post(
        f"{counter.url}/api/sales/orders/{order['id']}/completion",
        json={"payment_method": "cash"},
        params={"wait": 5},
        timeout=10,
    )
    assert (sold.status_code, sold.json()["state"]) == (200, "completed"), sold.text

    def more() -> list[tuple[str, dict, float]]:
        after = scrape(system)
        return [
            (name, labels, value(after, name, **labels) - value(before, name, **labels))
            for name, labels, _ in counted
        ]

    wait_until(lambda: more() == counted, timeout=10)
    lag = {"service": "inventory", "lane": "saga"}
    late = value(scrape(system), "connexions_consumer_lag_seconds_sum", **lag) - value(
        before, "connexions_consumer_lag_seconds_sum", **lag
    )
    assert 0 <= late < 10  # seconds between each event's time and its delivery, summed


def test_an_event_whose_handler_fails_is_counted_failed_then_retried(system):
    """A site's closing before its opening: donations' handler refuses it; on its first
    attempt it goes to a retry (the in-process broker keeps the delay), not to the dead."""
    runtime = system.runtimes["donations"]
    labels = {"service": "donations", "type": "inventory.site.status_changed"}
    names = (
        "connexions_consumer_events_failed_total",
        "connexions_consumer_events_retried_total",
        "connexions_consumer_events_dead_lettered_total",
    )
    before = scrape(system)
    site_id = str(uuid.uuid4())
    closing = new_event(
        "inventory.site.status_changed",
        source="inventory",
        subject=site_id,
        sequence=2,
        data={"site_id": site_id, "open": False, "at": datetime.now(UTC).isoformat()},
    )
    publish(runtime.settings.messaging.broker_url, runtime.topology, closing, attempt=1)

    def counted() -> list[float]:
        after = scrape(system)
        return [value(after, n, **labels) - value(before, n, **labels) for n in names]

    wait_until(lambda: counted()[:2] == [1, 1])
    assert counted()[2] == 0


# the gateway's refusals and upstream errors ---------------------------------------------------
def test_a_key_over_its_rate_limit_is_counted(system):
    key = system.keys.create(f"metrics rate {uuid.uuid4().hex[:6]}", "auditor").secret
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    before = value(scrape(system), "connexions_gateway_rate_limited_total")
    statuses = []
    for _ in range(RATE_LIMIT * 4):  # a burst: well over 30 within a second
        statuses.append(session.get(f"{system.gateway_url}/api/inventory/sites", timeout=10))
        if statuses[-1].status_code == 429:
            break
    assert statuses[-1].status_code == 429, [r.status_code for r in statuses]
    assert statuses[-1].json()["code"] == "rate-limited"
    after = scrape(system)
    assert value(after, "connexions_gateway_rate_limited_total") == before + 1
    refused = {"service": "gateway", "route": "/api/<service>/<path:path>", "method": "GET"}
    assert value(after, "connexions_http_requests_total", status="429", **refused) >= 1


def test_a_service_the_gateway_cannot_reach_is_counted_as_an_upstream_error(system):
    """A gateway of this system whose donations service is down (nothing listens at its
    address): the forwarded request fails, 502, counted ``unreachable``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"  # closed once the block ends
    gateway = create_gateway(
        GatewaySettings.from_env(upstreams={**system.upstream_urls, "donations": down})
    )
    labels = {"service": "donations", "kind": "unreachable"}
    answered = {"service": "donations", "kind": "5xx"}
    scraped = scrape(system)  # the registry is the process's: other tests counted before
    before = value(scraped, "connexions_gateway_upstream_errors_total", **labels)
    answered_before = value(scraped, "connexions_gateway_upstream_errors_total", **answered)
    try:
        answer = gateway.test_client().get(
            "/api/donations/partners",
            headers={"Authorization": f"Bearer {system.demo_keys['admin']}"},
        )
    finally:
        gateway.extensions["gateway.keys"].close()
    assert answer.status_code == 502, answer.get_json()
    after = scrape(system)
    assert value(after, "connexions_gateway_upstream_errors_total", **labels) == before + 1
    assert value(after, "connexions_gateway_upstream_errors_total", **answered) == answered_before
