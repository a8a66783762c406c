"""Metrics of the embedded system: one process, so the gateway's /metrics shows it all."""

from __future__ import annotations

import pytest
import requests
from kombu import Connection, Producer
from prometheus_client.parser import text_string_to_metric_families

from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with embedded_system(tmp_path_factory.mktemp("metrics"), "metricstest") as running:
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
