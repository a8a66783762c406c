"""Prometheus metrics of every process (``prometheus_client``).

* An API (or the gateway) answers ``GET /metrics`` (:func:`install_http_metrics`). Under
  gunicorn its processes share one view through the library's multiprocess mode: gunicorn's
  configuration sets ``PROMETHEUS_MULTIPROC_DIR`` (cleaned at start, a dead worker's files
  marked in ``child_exit``), and ``/metrics`` then aggregates every process's files.
* A worker serves its metrics on ``METRICS_PORT`` (:func:`serve_worker_metrics`); the outbox
  and stock figures are read from its database at each scrape (:data:`DATABASE_FIGURES`).
* In the embedded mode the one process has one registry: any app's ``/metrics`` shows it all.

``/metrics`` answers only clients on a loopback or private address: Prometheus, not the
public (the gateway never forwards ``/api/<service>/metrics`` either).

``METRICS=off`` records nothing (``/metrics`` still answers, with the figures read at each
scrape only): ``make bench`` measures what metrics cost with it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PREFIX = "connexions_"
ENABLED = os.environ.get("METRICS", "on").strip().lower() != "off"
FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)

HTTP_REQUESTS = Counter(
    PREFIX + "http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["service", "route", "method", "status"],
)
HTTP_DURATION = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time to answer an HTTP request (until the view returns).",
    ["service", "route", "method"],
    buckets=FAST,
)
RELAY_PUBLISHED = Counter(
    PREFIX + "relay_published_total", "Outbox events the broker confirmed.", ["service"]
)
RELAY_CONFIRM = Histogram(
    PREFIX + "relay_confirm_duration_seconds",
    "Time to publish one outbox batch and get the broker's confirms.",
    ["service"],
    buckets=FAST,
)
RELAY_RETURNED = Counter(
    PREFIX + "relay_returned_total", "Outbox events returned unroutable.", ["service"]
)
RELAY_NACKED = Counter(
    PREFIX + "relay_nacked_total",
    "Outbox events nacked or left unconfirmed by the broker.",
    ["service"],
)
CONSUMER_HANDLED = Counter(
    PREFIX + "consumer_events_handled_total", "Events applied.", ["service", "type"]
)
CONSUMER_FAILED = Counter(
    PREFIX + "consumer_events_failed_total", "Events whose handler raised.", ["service", "type"]
)
CONSUMER_RETRIED = Counter(
    PREFIX + "consumer_events_retried_total", "Events sent to a retry queue.", ["service", "type"]
)
CONSUMER_DEAD = Counter(
    PREFIX + "consumer_events_dead_lettered_total",
    "Events sent to the dead-letter queue (type 'unknown': not a valid event we handle).",
    ["service", "type"],
)
CONSUMER_HANDLER = Histogram(
    PREFIX + "consumer_handler_duration_seconds",
    "Time a handler takes for one event.",
    ["service", "type"],
    buckets=FAST,
)
CONSUMER_LAG = Histogram(
    PREFIX + "consumer_lag_seconds",
    "Delay between an event's time and its delivery to the consumer.",
    ["service", "lane"],
    buckets=SLOW,
)
SAGA_ORDERS = Counter(
    PREFIX + "saga_orders_total", "Orders decided by inventory, by outcome.", ["outcome"]
)
SAGA_DECISION = Histogram(
    PREFIX + "saga_decision_duration_seconds",
    "From an order placed to inventory's decision (accepted or rejected) applied by sales.",
    buckets=SLOW,
)
SAGA_COMPLETIONS = Counter(
    PREFIX + "saga_completions_total",
    "Completions by outcome: completed, completed_after_expiry, completion_refused.",
    ["outcome"],
)
GATEWAY_AUTH_FAILURES = Counter(
    PREFIX + "gateway_auth_failures_total", "Requests refused 401 or 403 by the gateway."
)
GATEWAY_RATE_LIMITED = Counter(
    PREFIX + "gateway_rate_limited_total", "Requests refused 429 by the gateway."
)
GATEWAY_UPSTREAM = Histogram(
    PREFIX + "gateway_upstream_duration_seconds",
    "Time for a service to answer a forwarded request (headers received).",
    ["service"],
    buckets=FAST,
)
GATEWAY_UPSTREAM_ERRORS = Counter(
    PREFIX + "gateway_upstream_errors_total",
    "Forwarded requests that failed: unreachable or timed out ('unreachable'), or 5xx.",
    ["service", "kind"],
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # or "other"
UNKNOWN = "unknown"  # the type label of bytes that are no event this consumer handles
SAGA_OUTCOMES = ("accepted", "rejected")
COMPLETION_OUTCOMES = ("completed", "completed_after_expiry", "completion_refused")
for _outcome in SAGA_OUTCOMES:
    SAGA_ORDERS.labels(_outcome)
for _outcome in COMPLETION_OUTCOMES:
    SAGA_COMPLETIONS.labels(_outcome)


# HTTP -----------------------------------------------------------------------------------------
def install_http_metrics(app: Flask, service: str) -> None:
    """Count and time every request of ``app``; serve ``GET /metrics``."""
    app.add_url_rule("/metrics", "metrics", _exposition)
    if not ENABLED:
        return

    @app.before_request
    def _started() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _answered(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            method = request.method if request.method in METHODS else "other"
            HTTP_REQUESTS.labels(service, route, method, str(response.status_code)).inc()
            HTTP_DURATION.labels(service, route, method).observe(time.perf_counter() - started)
        return response


def _exposition() -> Response:
    if not _private(request.remote_addr):
        abort(404)
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _private(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is a.b.c.d
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def install_gateway_metrics(app: Flask) -> None:
    """The gateway's requests, its refusals (401/403, 429) and ``GET /metrics``."""
    install_http_metrics(app, "gateway")
    if not ENABLED:
        return

    @app.after_request
    def _refusals(response):
        if response.status_code in (401, 403):
            GATEWAY_AUTH_FAILURES.inc()
        elif response.status_code == 429:
            GATEWAY_RATE_LIMITED.inc()
        return response


@contextmanager
def upstream_call(service: str) -> Iterator[None]:
    if not ENABLED:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    except Exception:
        GATEWAY_UPSTREAM_ERRORS.labels(service, "unreachable").inc()
        raise
    GATEWAY_UPSTREAM.labels(service).observe(time.perf_counter() - started)


def record_upstream_status(service: str, status: int) -> None:
    if not ENABLED:
        return
    if status >= 500:
        GATEWAY_UPSTREAM_ERRORS.labels(service, "5xx").inc()


# events ---------------------------------------------------------------------------------------
def watch_consumer(service: str, types: list[str]) -> None:
    """Create the consumer's series at zero, so that a first dead letter is an increase."""
    for event_type in [*types, UNKNOWN]:
        for counter in (CONSUMER_HANDLED, CONSUMER_FAILED, CONSUMER_RETRIED, CONSUMER_DEAD):
            counter.labels(service, event_type)


def _type_label(handlers: Mapping[str, object], message) -> str:
    event_type = (message.properties or {}).get("type")
    return event_type if event_type in handlers else UNKNOWN


def record_outcomes(service: str, handlers: Mapping[str, object], messages, outcomes) -> None:
    if not ENABLED:
        return
    for message, outcome in zip(messages, outcomes, strict=False):
        if outcome.kind == "ack":
            CONSUMER_HANDLED.labels(service, _type_label(handlers, message)).inc()
        elif outcome.kind == "retry":
            CONSUMER_FAILED.labels(service, _type_label(handlers, message)).inc()


def record_retry(service: str, event_type: str) -> None:
    if not ENABLED:
        return
    CONSUMER_RETRIED.labels(service, event_type).inc()


def record_dead_letter(service: str, handlers: Mapping[str, object], message) -> None:
    if not ENABLED:
        return
    CONSUMER_DEAD.labels(service, _type_label(handlers, message)).inc()


def record_handler_time(service: str, run: list, seconds: float) -> None:
    """A run of events of one type handled together: each is given its share."""
    if not ENABLED:
        return
    histogram = CONSUMER_HANDLER.labels(service, run[0].type)
    for _ in run:
        histogram.observe(seconds / len(run))


def record_publication(service: str, result, taken: int, seconds: float) -> None:
    """One relay batch: ``taken`` rows, the broker's answer ``result``, in ``seconds``."""
    if not ENABLED:
        return
    RELAY_CONFIRM.labels(service).observe(seconds)
    RELAY_PUBLISHED.labels(service).inc(len(result.confirmed))
    returned = sum(reason.startswith("unroutable") for reason in result.failed.values())
    RELAY_RETURNED.labels(service).inc(returned)
    RELAY_NACKED.labels(service).inc(taken - len(result.confirmed) - returned)


def record_lag(service: str, lane: str, event_time: datetime) -> None:
    if not ENABLED:
        return
    CONSUMER_LAG.labels(service, lane).observe(
        max(0.0, (datetime.now(UTC) - event_time).total_seconds())
    )


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``session`` commits (never if it rolls back): metrics of what a
    transaction did, counted once even when a consumer's batch is applied a second time."""
    if not ENABLED:
        return
    session.info.setdefault("metrics_after_commit", []).append(callback)


def _flush(session: Session) -> None:
    for callback in session.info.pop("metrics_after_commit", []):
        callback()


def _discard(session: Session) -> None:
    session.info.pop("metrics_after_commit", None)


def record_decision(outcome: str, placed_at: datetime, session: Session) -> None:
    seconds = max(0.0, (datetime.now(UTC) - _aware(placed_at)).total_seconds())

    def count() -> None:
        SAGA_ORDERS.labels(outcome).inc()
        SAGA_DECISION.observe(seconds)

    after_commit(session, count)


def record_completion(outcome: str, session: Session) -> None:
    after_commit(session, SAGA_COMPLETIONS.labels(outcome).inc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# figures read from the databases at each scrape ---------------------------------------------------
class DatabaseFigures:
    """The outbox gauges, computed by a query when scraped, for each worker's service."""

    def __init__(self) -> None:
        self.outboxes: dict[str, tuple[Engine, Table]] = {}

    def describe(self) -> list:
        return []  # computed at each scrape: no fixed description to check at registration

    def collect(self) -> Iterator[GaugeMetricFamily]:
        unsent = GaugeMetricFamily(
            PREFIX + "outbox_unsent_events", "Outbox rows not yet published.", labels=["service"]
        )
        oldest = GaugeMetricFamily(
            PREFIX + "outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent outbox row (0 when none).",
            labels=["service"],
        )
        now = datetime.now(UTC)
        for service, (engine, table) in list(self.outboxes.items()):
            with engine.connect() as connection:
                count, first = connection.execute(
                    select(func.count(), func.min(table.c.created_at)).where(
                        table.c.sent_at.is_(None)
                    )
                ).one()
            unsent.add_metric([service], count)
            age = (now - _aware(first)).total_seconds() if first is not None else 0.0
            oldest.add_metric([service], max(0.0, age))
        yield unsent
        yield oldest


DATABASE_FIGURES = DatabaseFigures()
REGISTRY.register(DATABASE_FIGURES)


def watch_outbox(service: str, engine: Engine, outbox: Table) -> None:
    DATABASE_FIGURES.outboxes[service] = (engine, outbox)


def unwatch_outbox(service: str) -> None:
    DATABASE_FIGURES.outboxes.pop(service, None)


def serve_worker_metrics() -> None:
    """Serve this process's metrics on ``METRICS_PORT`` (at ``METRICS_ADDR``), if set."""
    port = os.environ.get("METRICS_PORT", "").strip()
    if not port:
        return
    try:
        start_http_server(int(port), addr=os.environ.get("METRICS_ADDR", "0.0.0.0"))
    except OSError:  # the worker's work matters more: Prometheus shows the target down
        log.exception("metrics not served: port %s is not available", port)


def _install_session_hooks() -> None:
    from sqlalchemy import event

    event.listen(Session, "after_commit", _flush)
    event.listen(Session, "after_rollback", _discard)


_install_session_hooks()
