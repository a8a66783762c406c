"""Traces (OpenTelemetry): one trace follows an order across HTTP and the broker.

The gateway continues the caller's W3C ``traceparent`` (or starts a trace) and passes its own
span on to the service it forwards to; a service's request span is the parent of the events
it writes: each event carries it as the CloudEvents distributed-tracing extension attribute
``traceparent`` (in the JSON the outbox row stores), and the consumer that handles the event
continues that trace. So gateway → sales API → (broker) → inventory worker → (broker) →
sales worker is one trace.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (spans are then exported over OTLP/HTTP,
the SDK reading the other ``OTEL_*`` variables). Off, no span is made: each hook returns
after one test, and the SDK is not even imported.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Flask, Response, g, request
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.common.log_context import handling_event

if TYPE_CHECKING:
    from services.common.events.envelope import CloudEvent

log = logging.getLogger(__name__)
_PROPAGATOR = TraceContextTextMapPropagator()
_provider: trace.TracerProvider | None = None  # None: tracing is off


def configure_tracing(service: str) -> None:
    """Once per process, from the environment: OTLP export if ``OTEL_EXPORTER_OTLP_ENDPOINT``."""
    if _provider is not None or not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use_tracer_provider(provider)


def use_tracer_provider(provider: trace.TracerProvider | None) -> trace.TracerProvider | None:
    """Trace with ``provider`` from now on (None: off); the one used before (tests put it back)."""
    global _provider
    previous, _provider = _provider, provider
    return previous


def tracing_on() -> bool:
    return _provider is not None


def _tracer(name: str) -> trace.Tracer:
    return _provider.get_tracer(f"connexions-solidaires.{name}")


# HTTP ---------------------------------------------------------------------------------------
def install_request_tracing(app: Flask, service: str) -> None:
    """A server span per request, child of the caller's ``traceparent`` when it sends one."""

    @app.before_request
    def _start_span() -> None:
        if _provider is None:
            return
        rule = request.url_rule.rule if request.url_rule else "unmatched"
        span = _tracer(service).start_span(
            f"{request.method} {rule}",
            context=_PROPAGATOR.extract(request.headers),
            kind=SpanKind.SERVER,
            attributes={
                "service": service,
                "http.request.method": request.method,
                "http.route": rule,
                "url.path": request.path,  # never the query string: it may hold personal data
            },
        )
        g.trace_span = span
        g.trace_token = otel_context.attach(trace.set_span_in_context(span))

    @app.after_request
    def _status(response: Response) -> Response:
        span = g.get("trace_span")
        if span is not None:
            span.set_attribute("http.response.status_code", response.status_code)
            service_called = (request.view_args or {}).get("service")
            if service_called and response.status_code != 404:  # the gateway's: a known one
                span.update_name(span.name.replace("<service>", service_called))
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
        return response

    @app.teardown_request
    def _end_span(exc: BaseException | None) -> None:
        span = g.pop("trace_span", None)
        if span is None:
            return
        if exc is not None:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR))
        otel_context.detach(g.pop("trace_token"))
        span.end()


def inject_trace_context(headers: MutableMapping[str, str]) -> None:
    """Set ``traceparent`` (and ``tracestate``) of the current span on outgoing headers."""
    if _provider is not None:
        _PROPAGATOR.inject(headers)


# events -------------------------------------------------------------------------------------
def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, for an event about to be written."""
    if _provider is None:
        return None
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return (
        f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}"
        f"-{int(span_context.trace_flags):02x}"
    )


def current_trace_id() -> str | None:
    span_context = trace.get_current_span().get_span_context()
    return f"{span_context.trace_id:032x}" if span_context.is_valid else None


@contextmanager
def consuming(service: str, event: CloudEvent) -> Iterator[None]:
    """Handling ``event``: a consumer span continuing the event's trace, and the event's type
    and id on every log line written meanwhile."""
    with handling_event(event.type, event.id):
        log.debug("%s handles %s %s", service, event.type, event.id)
        if _provider is None:
            yield
            return
        parent = (
            _PROPAGATOR.extract({"traceparent": event.traceparent}) if event.traceparent else None
        )
        with _tracer(service).start_as_current_span(
            f"{event.type} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={
                "service": service,
                "messaging.system": "rabbitmq",
                "messaging.operation.type": "process",
                "messaging.destination.name": event.type,
                "messaging.message.id": event.id,
                "cloudevents.event_id": event.id,
                "cloudevents.event_type": event.type,
                "cloudevents.event_source": event.source,
            },
        ):
            yield
