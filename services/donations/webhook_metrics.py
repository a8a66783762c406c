"""Partner webhooks' metrics (Prometheus), recorded by the delivery loop.

* ``connexions_webhook_attempts_total{kind, outcome}``: attempts, ``outcome`` being
  ``delivered`` or the failure class (timeout, connect, refused, http_status, gone);
* ``connexions_webhook_delivery_lag_seconds{kind}``: from the first fact of a delivery to its
  successful attempt;
* ``connexions_webhook_endpoints_disabled_total``: endpoints the loop disabled;
* ``connexions_webhook_backlog{state}``: facts waiting to be batched (``facts``) and
  deliveries pending (``pending``), read each round.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select

from services.common.metrics import ENABLED, PREFIX, SLOW
from services.common.runtime import ServiceRuntime
from services.donations.models import WebhookDelivery, WebhookFact

ATTEMPTS = Counter(
    PREFIX + "webhook_attempts_total",
    "Webhook delivery attempts, by kind and outcome (delivered or the failure class).",
    ["kind", "outcome"],
)
LAG = Histogram(
    PREFIX + "webhook_delivery_lag_seconds",
    "From the first fact of a webhook delivery to its successful attempt.",
    ["kind"],
    buckets=SLOW,
)
DISABLED = Counter(
    PREFIX + "webhook_endpoints_disabled_total",
    "Webhook endpoints disabled by the delivery loop (410, or failing for too long).",
)
BACKLOG = Gauge(
    PREFIX + "webhook_backlog",
    "Webhook facts waiting to be batched (facts) and deliveries pending (pending).",
    ["state"],
)


def observe_attempt(recorded, outcome) -> None:
    if not ENABLED:
        return
    ATTEMPTS.labels(recorded.kind, outcome.failure or "delivered").inc()
    if recorded.lag_seconds is not None:
        LAG.labels(recorded.kind).observe(recorded.lag_seconds)
    if recorded.endpoint_disabled:
        DISABLED.inc()


def observe_backlog(runtime: ServiceRuntime) -> None:
    if not ENABLED:
        return
    with runtime.session_factory() as session:
        facts = session.scalar(select(func.count()).select_from(WebhookFact))
        pending = session.scalar(select(func.count()).where(WebhookDelivery.state == "pending"))
    BACKLOG.labels("facts").set(facts or 0)
    BACKLOG.labels("pending").set(pending or 0)
