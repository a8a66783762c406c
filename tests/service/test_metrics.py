"""The metrics module: counted once per commit, bounded labels, one view of gunicorn's processes;
the saga's outcomes through sales' consumer and the stock gauges over real stock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import requests
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.common import metrics
from services.common.events.publishers import PublishResult
from services.inventory.handlers.checks import check_stock
from services.inventory.handlers.metrics import refresh_stock_gauges
from tests.support.inventory_stock import (
    cards_in_stock,
    devices_on_sale,
    donation,
    handle,
    order_placed,
)
from tests.support.inventory_workshop import add_site
from tests.support.sales import commit_refused, committed, desk_on, rejected


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_saga_decision_counts_only_once_its_transaction_commits(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'saga.db'}")
    before = sample("connexions_saga_orders_total", outcome="rejected")
    with Session(engine) as session:
        session.execute(text("select 1"))
        metrics.record_decision("rejected", datetime.now(UTC), session)
        session.rollback()  # a consumer batch rolled back: applied again later, counted then
        assert sample("connexions_saga_orders_total", outcome="rejected") == before
        session.execute(text("select 1"))
        metrics.record_decision("rejected", datetime.now(UTC), session)
        session.commit()
    assert sample("connexions_saga_orders_total", outcome="rejected") == before + 1


def test_each_end_of_a_sale_is_counted_once_its_event_is_applied(service_on_sqlite):
    """Sales' saga through its consumer's own path (handler and inbox, then commit), with
    inventory's answers: accepted, rejected, then completed on time, late, or refused."""
    desk = desk_on(service_on_sqlite("sales"))
    card = ("card:orange:1000", 1)
    outcomes = ("accepted", "rejected")
    endings = ("completed", "completed_after_expiry", "completion_refused")
    before = {o: sample("connexions_saga_orders_total", outcome=o) for o in outcomes}
    before |= {o: sample("connexions_saga_completions_total", outcome=o) for o in endings}
    decisions = sample("connexions_saga_decision_duration_seconds_count")

    on_time, late, refused = (desk.reserved(desk.person(), card) for _ in range(3))
    desk.apply(rejected(desk.placed(desk.person(), card)))
    for order in (on_time, late, refused):
        assert desk.complete(order).status_code == 202
    desk.apply(committed(desk.get(on_time)))
    expiry = datetime.fromisoformat(desk.get(late)["expires_at"])
    desk.apply(committed(desk.get(late), after_expiry=True, at=expiry + timedelta(minutes=2)))
    desk.apply(commit_refused(desk.get(refused)))
    desk.apply(commit_refused(desk.get(refused)))  # told again (a redelivery): counted once

    assert [desk.get(o)["state"] for o in (on_time, late)] == ["completed", "completed"]
    counted = {o: sample("connexions_saga_orders_total", outcome=o) for o in outcomes}
    counted |= {o: sample("connexions_saga_completions_total", outcome=o) for o in endings}
    assert {o: counted[o] - before[o] for o in counted} == {
        "accepted": 3,
        "rejected": 1,
        "completed": 1,
        "completed_after_expiry": 1,
        "completion_refused": 1,
    }
    assert sample("connexions_saga_decision_duration_seconds_count") == decisions + 4


def test_the_stock_gauges_show_low_products_and_open_discrepancies(inventory, card_code_keys):
    """``refresh_stock_gauges`` (the worker's stock-metrics task) over real stock: a site with
    three phones and two cards, an order holding one of each, and a figure planted wrong."""
    runtime, _client = inventory
    site = add_site(runtime, kind="counter")
    devices_on_sale(runtime, site, 3)
    cards_in_stock(runtime, card_code_keys, site, [("1000001", None), ("1000002", None)])
    handle(runtime, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 500}]))
    lines = [
        {"product_key": "device:smartphone:b", "quantity": 1},
        {"product_key": "card:orange:500", "quantity": 1},
        {"product_key": "allowance:minutes", "quantity": 60},
    ]
    handle(runtime, order_placed(site, lines))
    assert refresh_stock_gauges(runtime) == 0
    assert low_units(site) == {"device:smartphone:b": 2, "card:orange:500": 1}  # not 440 min
    assert sample("connexions_stock_discrepancies_open", kind="items") == 0

    with runtime.engine.begin() as connection:  # behind the ledger's back
        connection.execute(
            text(
                "UPDATE stock_levels SET available = available + 1"
                " WHERE site_id = :site AND product_key = 'device:smartphone:b'"
            ),
            {"site": site},
        )
    check_stock(runtime)
    assert refresh_stock_gauges(runtime) == 3  # kinds: identity, items, ledger
    for kind in ("identity", "items", "ledger"):
        assert sample("connexions_stock_discrepancies_open", kind=kind) == 1
    assert low_units(site) == {"card:orange:500": 1}  # the phone's figure now says 3


def low_units(site: str) -> dict[str, float]:
    return {
        sample.labels["product_key"]: sample.value
        for family in REGISTRY.collect()
        if family.name == "connexions_stock_low_units"
        for sample in family.samples
        if sample.labels["site_id"] == site
    }


def test_every_saga_and_completion_outcome_is_exposed_from_zero():
    for outcome in ("accepted", "rejected"):
        assert (
            REGISTRY.get_sample_value("connexions_saga_orders_total", {"outcome": outcome})
            is not None
        )
    for outcome in ("completed", "completed_after_expiry", "completion_refused"):
        value = REGISTRY.get_sample_value("connexions_saga_completions_total", {"outcome": outcome})
        assert value is not None


def test_a_relay_batch_tells_confirmed_returned_and_nacked_apart():
    service = "relay-metrics-test"
    result = PublishResult(confirmed=[1, 2, 3])
    result.failed.update({4: "unroutable: no queue bound for this type", 5: "nacked by the broker"})
    metrics.record_publication(service, result, taken=6, seconds=0.02)  # 6: one unanswered
    assert sample("connexions_relay_published_total", service=service) == 3
    assert sample("connexions_relay_returned_total", service=service) == 1
    assert sample("connexions_relay_nacked_total", service=service) == 2
    assert sample("connexions_relay_confirm_duration_seconds_count", service=service) == 1


def test_http_requests_are_labelled_by_route_template_not_by_path():
    app = Flask("metrics-test")
    app.add_url_rule("/things/<thing_id>", "thing", lambda thing_id: "ok")
    metrics.install_http_metrics(app, "metrics-test")
    client = app.test_client()
    for thing_id in ("a", "b", "c"):
        assert client.get(f"/things/{thing_id}").status_code == 200
    assert client.get("/nowhere/42").status_code == 404
    assert client.open("/things/a", method="BREW").status_code == 405  # any method: "other"
    labels = {"service": "metrics-test", "method": "GET"}
    assert (
        sample("connexions_http_requests_total", route="/things/<thing_id>", status="200", **labels)
        == 3
    )
    assert sample("connexions_http_requests_total", route="unmatched", status="404", **labels) == 1
    other = {"service": "metrics-test", "method": "other", "status": "405"}
    assert sample("connexions_http_requests_total", route="unmatched", **other) == 1
    body = client.get("/metrics").get_data(as_text=True)  # the test client is 127.0.0.1
    assert 'route="/things/<thing_id>"' in body
    assert "/things/a" not in body


def test_metrics_are_refused_to_a_public_address():
    app = Flask("metrics-public-test")
    metrics.install_http_metrics(app, "metrics-public-test")
    client = app.test_client()
    for public in ("93.184.216.34", "::ffff:93.184.216.34", "2a00:1450:4007:80c::200e"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": public}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


WRITER = textwrap.dedent(
    """
    from services.common import metrics
    metrics.HTTP_REQUESTS.labels("inventory", "/sites", "GET", "200").inc({count})
    """
)
READER = textwrap.dedent(
    """
    from flask import Flask
    from services.common import metrics
    app = Flask("reader")
    metrics.install_http_metrics(app, "inventory")
    print(app.test_client().get("/metrics").get_data(as_text=True))
    """
)


def test_metrics_add_up_the_processes_of_a_gunicorn_server(tmp_path):
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in range(1, 4):  # like gunicorn's workers: each its own process
        subprocess.run(
            [sys.executable, "-c", WRITER.format(count=count)], env=environment, check=True
        )
    exposition = subprocess.run(
        [sys.executable, "-c", READER], env=environment, check=True, capture_output=True, text=True
    ).stdout
    labels = 'method="GET",route="/sites",service="inventory",status="200"'
    assert f"connexions_http_requests_total{{{labels}}} 6.0" in exposition


OFF = textwrap.dedent(
    """
    from flask import Flask
    from services.common import metrics
    app = Flask("off")
    app.add_url_rule("/sites", "sites", lambda: "ok")
    metrics.install_http_metrics(app, "inventory")
    client = app.test_client()
    assert client.get("/sites").status_code == 200
    print(client.get("/metrics").get_data(as_text=True))
    """
)


def test_metrics_off_records_nothing_but_still_answers():
    def exposition(setting: str) -> str:
        environment = {**os.environ, "METRICS": setting}
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        done = subprocess.run(
            [sys.executable, "-c", OFF], env=environment, check=True, capture_output=True, text=True
        )
        return done.stdout

    assert 'connexions_http_requests_total{method="GET",route="/sites"' in exposition("on")
    assert "connexions_http_requests_total{" not in exposition("off")


def test_a_worker_whose_metrics_port_is_taken_works_on_without_metrics(monkeypatch, caplog):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("METRICS_PORT", str(taken.getsockname()[1]))
        monkeypatch.setenv("METRICS_ADDR", "127.0.0.1")
        metrics.serve_worker_metrics()
    assert "metrics not served" in caplog.text


def test_a_worker_serves_its_metrics_on_its_port(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("METRICS_PORT", str(port))
    monkeypatch.setenv("METRICS_ADDR", "127.0.0.1")
    metrics.serve_worker_metrics()
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "connexions_outbox_unsent_events" in body
