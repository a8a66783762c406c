"""Partner webhooks: how fast donations' worker delivers to a local receiver, and how late.

Donations runs its real worker (relay, consumer and the ``webhooks`` task) on PostgreSQL and
RabbitMQ; a receiver on loopback answers 204 (the test-only ``allow_loopback_http``).

* pings: ``deliveries`` test pings over ``endpoints`` endpoints (one per partner), made at
  once; deliveries per second until the last is delivered, and their lag p99 (made →
  delivered: with all of them made at once, that is the backlog's queueing, reported);
* steady pings: ``STEADY_PINGS`` more at ``STEADY_RATE`` a second, the lag p99 of a delivery
  when the worker is not handed thousands at once (target ≤ 1 s);
* facts: ``devices`` device facts written to the delivery outbox as the projection writes
  them (one transaction per 500); how many deliveries they make (batching) and the lag p99
  from a fact to its delivery (the batch window included).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import replace

from sqlalchemy import func, select

from bench.environment import fresh_service
from bench.figures import Figure
from bench.identity import admin_client, ensure_token_keys
from services.donations.app import SERVICE as DONATIONS
from services.donations.domain.webhook_commands import PingWebhook, RegisterWebhook
from services.donations.handlers.webhooks import ping_webhook, record_fact, register_webhook
from services.donations.models import WebhookAttempt, WebhookDelivery
from services.donations.settings import Settings
from tests.support.webhook_receiver import Receiver

FACTS_PER_TRANSACTION = 500
STEADY_PINGS, STEADY_RATE = 300, 30.0  # 10 s of pings at 30 a second


def webhooks(deliveries: int = 2_000, endpoints: int = 8, devices: int = 10_000) -> list[Figure]:
    own = Settings.from_env()
    secrets_key = own.webhooks.secrets_key or os.urandom(32)  # this run's, if none is set
    hooks_settings = replace(
        own.webhooks, allow_loopback_http=True, interval_seconds=0.05, secrets_key=secrets_key
    )
    own = replace(own, webhooks=hooks_settings)
    with fresh_service("donations") as settings, Receiver() as receiver:
        runtime = DONATIONS.runtime(replace(settings, own=own))
        desk = admin_client(DONATIONS.create_app({"RUNTIME": runtime}))
        hooks = []
        for number in range(endpoints):
            partner = desk.post("/partners", json={"name": f"P{number}", "kind": "company"})
            partner_id = partner.get_json()["id"]
            command = RegisterWebhook(
                partner_id, None, receiver.url, ("webhook.test", "devices.refurbished")
            )
            hooks.append(register_webhook(runtime.unit_of_work(), command))
        worker = DONATIONS.worker(runtime).start()
        try:
            started = time.perf_counter()
            for number in range(deliveries):
                hook = hooks[number % endpoints]
                ping_webhook(runtime.unit_of_work(), PingWebhook(hook.id, None))
            _wait(lambda: _delivered(runtime) >= deliveries)
            elapsed = time.perf_counter() - started
            ping_lag = _lag_p99(runtime)

            _clear(runtime)
            for number in range(STEADY_PINGS):
                hook = hooks[number % endpoints]
                ping_webhook(runtime.unit_of_work(), PingWebhook(hook.id, None))
                time.sleep(1 / STEADY_RATE)
            _wait(lambda: _delivered(runtime) >= STEADY_PINGS)
            steady_lag = _lag_p99(runtime)

            _clear(runtime)
            for start in range(0, devices, FACTS_PER_TRANSACTION):
                with runtime.unit_of_work() as uow:
                    for _ in range(min(FACTS_PER_TRANSACTION, devices - start)):
                        item = {"device_id": str(uuid.uuid4()), "category": "smartphone"}
                        record_fact(uow, hooks[0].partner_id, "devices.refurbished", item)
                    uow.commit()
            items = _wait(
                lambda: _items_delivered(runtime) >= devices and _items_delivered(runtime)
            )
            made = _count(runtime)
            fact_lag = _lag_p99(runtime)
        finally:
            worker.stop()
            runtime.dispose()
    assert items == devices
    return [
        Figure(
            f"Webhooks: {deliveries:,} pings over {endpoints} endpoints to a local receiver "
            "(deliveries/s)",
            deliveries / elapsed,
            None,
            "deliveries/s",
            "— (reported)",
            None,
        ),
        Figure(
            "Webhooks: … their lag p99, all made at once (s: the backlog's queueing)",
            ping_lag,
            None,
            "s",
            "— (reported)",
            None,
        ),
        Figure(
            f"Webhooks: ping delivery lag p99, {STEADY_PINGS} pings at {STEADY_RATE:g}/s over "
            f"{endpoints} endpoints (s)",
            steady_lag,
            None,
            "s",
            "≤ 1 s",
            steady_lag <= 1,
        ),
        Figure(
            f"Webhooks: {devices:,} device facts → {made} deliveries, lag p99 (s, batch window "
            f"{own.webhooks.batch_window_seconds:g} s)",
            fact_lag,
            None,
            "s",
            "≤ 5 s",
            fact_lag <= 5,
        ),
    ]


def _wait(probe, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := probe():
            return value
        time.sleep(0.02)
    raise TimeoutError("webhook deliveries did not finish in time")


def _delivered(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).where(WebhookDelivery.state == "delivered"))


def _items_delivered(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(
            select(func.coalesce(func.sum(WebhookDelivery.item_count), 0)).where(
                WebhookDelivery.state == "delivered"
            )
        )


def _count(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(WebhookDelivery))


def _lag_p99(runtime) -> float:
    with runtime.session_factory() as session:
        lags = sorted(
            (delivered - first).total_seconds()
            for delivered, first in session.execute(
                select(WebhookDelivery.delivered_at, WebhookDelivery.first_fact_at)
            )
        )
    return lags[min(len(lags) - 1, int(len(lags) * 0.99))]


def _clear(runtime) -> None:
    """The pings' deliveries and attempts go; the endpoints stay."""
    with runtime.session_factory() as session:
        session.execute(WebhookAttempt.__table__.delete())
        session.execute(WebhookDelivery.__table__.delete())
        session.commit()


if __name__ == "__main__":  # a small run: python -m bench.webhooks
    ensure_token_keys()
    for figure in webhooks(deliveries=20, endpoints=2, devices=50):
        print(figure)
