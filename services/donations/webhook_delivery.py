"""The webhook delivery loop: a periodic task of donations' worker.

Each round (every ``WEBHOOKS_INTERVAL_SECONDS``) turns the waiting facts into deliveries
(``batch_facts``), then claims the due deliveries and hands them to a small pool of sender
threads (``WEBHOOKS_SENDERS``), never more than ``WEBHOOKS_PER_ENDPOINT`` in flight to one
endpoint: a slow partner holds its own deliveries back, not the others'. A round does not
wait for its sends; each sender records its attempt in its own transaction. While a round
finds work (it started sends, or every sender is busy), the task claims again as soon as a
sender is free (for ``BUSY_SECONDS`` at most
before it gives the thread back to its schedule) instead of waiting for the next interval: a
backlog then goes out as fast as the senders can send it.

A claim is a lease: a worker killed mid-send leaves its deliveries pending, and the next
round after the lease (the total timeout and ``WEBHOOKS_LEASE_MARGIN_SECONDS``) sends them
again with the same ``webhook-id``. At least once; a receiver deduplicates by ``webhook-id``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from services.common.runtime import ServiceRuntime
from services.common.worker import PeriodicTask
from services.donations import webhook_metrics
from services.donations.handlers import webhooks as webhook_handlers
from services.donations.handlers.webhooks import (
    Claim,
    announce_closed_month,
    batch_facts,
    claim_due,
    record_attempt,
)
from services.donations.webhook_settings import WebhookSettings
from services.donations.webhook_transport import Limits, deliver

log = logging.getLogger(__name__)

MONTH_CHECK_SECONDS = 60.0
BUSY_SECONDS = 5.0  # how long one run of the task keeps claiming while there is work


class Dispatcher:
    """One per worker: its sender pool and what each endpoint has in flight."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.settings: WebhookSettings = runtime.settings.own.webhooks
        self.pool = ThreadPoolExecutor(self.settings.senders, thread_name_prefix="webhook-send")
        self.in_flight: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.sent = threading.Condition(self.lock)  # notified when a sender is free again
        self.next_month_check = 0.0
        self.limits = Limits(
            self.settings.connect_timeout_seconds,
            self.settings.total_timeout_seconds,
            self.settings.max_response_bytes,
            self.settings.allow_loopback_http,
        )

    def round(self) -> int:
        """Batch, then start the sends that fit; how many were started."""
        settings = self.settings
        if time.monotonic() >= self.next_month_check:  # cheap, but once a minute is enough
            self.next_month_check = time.monotonic() + MONTH_CHECK_SECONDS
            announce_closed_month(self.runtime.unit_of_work())
        while batch_facts(
            self.runtime.unit_of_work(), settings.batch_window_seconds, settings.batch_max_items
        ):
            pass
        with self.lock:
            room = settings.senders - sum(self.in_flight.values())
            free = {e: settings.per_endpoint - n for e, n in self.in_flight.items() if n}
        lease = settings.total_timeout_seconds + settings.lease_margin_seconds
        claims = claim_due(self.runtime.unit_of_work(), free, room, settings.per_endpoint, lease)
        for claim in claims:
            with self.lock:
                self.in_flight[claim.endpoint_id] += 1
            self.pool.submit(self._send, claim)
        webhook_metrics.observe_backlog(self.runtime)
        return len(claims)

    def _send(self, claim: Claim) -> None:
        try:
            outcome = deliver(
                claim.url,
                claim.delivery_id,
                claim.secrets,
                claim.body,
                self.limits,
                webhook_handlers.RESOLVER["resolve"],
            )
            recorded = record_attempt(
                self.runtime.unit_of_work(), claim, outcome, self.settings.retry
            )
            if recorded is not None:
                webhook_metrics.observe_attempt(recorded, outcome)
        except Exception:  # noqa: BLE001 - the lease lets the delivery go; the next round retries
            log.exception("webhook delivery %s could not be sent or recorded", claim.delivery_id)
        finally:
            with self.lock:
                self.in_flight[claim.endpoint_id] -= 1
                if self.in_flight[claim.endpoint_id] <= 0:
                    del self.in_flight[claim.endpoint_id]
                self.sent.notify_all()

    def all_busy(self) -> bool:
        """Every sender is sending (a round may have left due deliveries for want of one)."""
        with self.lock:
            return sum(self.in_flight.values()) >= self.settings.senders

    def wait_for_a_sender(self, timeout: float) -> None:
        """Until a send in flight ends (or ``timeout`` seconds)."""
        with self.lock:
            if self.in_flight:
                self.sent.wait(timeout)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


_DISPATCHERS: dict[int, Dispatcher] = {}
_LOCK = threading.Lock()


def dispatcher_of(runtime: ServiceRuntime) -> Dispatcher:
    with _LOCK:
        dispatcher = _DISPATCHERS.get(id(runtime))
        if dispatcher is None:
            dispatcher = _DISPATCHERS[id(runtime)] = Dispatcher(runtime)
            runtime.closers.append(lambda: _close(runtime))
        return dispatcher


def _close(runtime: ServiceRuntime) -> None:
    with _LOCK:
        dispatcher = _DISPATCHERS.pop(id(runtime), None)
    if dispatcher is not None:
        dispatcher.close()


def deliver_webhooks(runtime: ServiceRuntime) -> int:
    """Rounds back to back while they find work (see the module's docstring)."""
    dispatcher = dispatcher_of(runtime)
    deadline = time.monotonic() + BUSY_SECONDS
    total = started = dispatcher.round()
    while (started or dispatcher.all_busy()) and time.monotonic() < deadline:
        dispatcher.wait_for_a_sender(dispatcher.settings.interval_seconds)
        started = dispatcher.round()
        total += started
    return total


WEBHOOK_TASKS = (
    PeriodicTask("webhooks", deliver_webhooks, lambda own: own.webhooks.interval_seconds),
)
