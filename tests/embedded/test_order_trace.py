"""One trace follows an order: gateway → sales API → (broker) → inventory worker → (broker) →
sales worker, continuing the caller's W3C ``traceparent`` (OpenTelemetry's in-memory exporter)."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from services.common.tracing import use_tracer_provider
from tests.browser.api_setup import (
    CARD,
    counter_with_a_card,
)
from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def exporter():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous = use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(previous)
    provider.shutdown()


@pytest.fixture(scope="module")
def system(tmp_path_factory, exporter):
    with embedded_system(tmp_path_factory.mktemp("trace"), "tracetest") as running:
        yield running


@pytest.fixture(scope="module")
def counter_ready(system):
    """A card in stock at the Paris counter and a person enrolled there: their code."""
    return counter_with_a_card(system)


def test_one_trace_spans_the_order_from_the_gateway_to_the_sales_worker(
    system, exporter, counter_ready
):
    counter, code = counter_ready
    exporter.clear()
    order = counter.post(
        "sales/orders",
        {"beneficiary_code": code, "lines": [{"product_key": CARD, "quantity": 1}]},
        headers={"traceparent": CALLER_TRACEPARENT},
    )

    def accepted_span():
        return next(
            (
                span
                for span in exporter.get_finished_spans()
                if span.name == "inventory.reservation.accepted process"
                and span.attributes["service"] == "sales"
            ),
            None,
        )

    wait_until(accepted_span, timeout=20)
    assert counter.get(f"sales/orders/{order['id']}", wait=5).json()["state"] == "reserved"

    spans = exporter.get_finished_spans()
    gateway = _one(spans, "gateway", SpanKind.SERVER, "POST /api/sales/<path:path>")
    sales_api = _one(spans, "sales", SpanKind.SERVER, "POST /orders")
    placed = _one(spans, "inventory", SpanKind.CONSUMER, "sales.order.placed process")
    accepted = _one(spans, "sales", SpanKind.CONSUMER, "inventory.reservation.accepted process")
    chain = [gateway, sales_api, placed, accepted]
    assert {f"{span.context.trace_id:032x}" for span in chain} == {CALLER_TRACE}
    # each continues the one before: the caller's span, then across HTTP and the broker
    assert gateway.parent.span_id == int(CALLER_TRACEPARENT.split("-")[2], 16)
    for parent, child in zip(chain, chain[1:], strict=False):
        assert child.parent.span_id == parent.context.span_id, child.name
    assert placed.attributes["cloudevents.event_type"] == "sales.order.placed"


def test_the_outbox_row_stores_the_traceparent_in_the_event(system, exporter, counter_ready):
    counter, code = counter_ready
    order = counter.post(
        "sales/orders",
        {"beneficiary_code": code, "lines": [{"product_key": CARD, "quantity": 1}]},
        headers={"traceparent": CALLER_TRACEPARENT},
    )
    runtime = system.runtimes["sales"]
    outbox = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        bodies = connection.scalars(
            select(outbox.c.body).where(outbox.c.event_type == "sales.order.placed")
        ).all()
    event = next(json.loads(b) for b in bodies if json.loads(b)["subject"] == order["id"])
    assert event["traceparent"].split("-")[1] == CALLER_TRACE


def _one(spans, service: str, kind: SpanKind, name: str):
    found = [
        span
        for span in spans
        if span.attributes.get("service") == service and span.kind == kind and span.name == name
    ]
    assert len(found) == 1, (service, name, [(s.name, s.attributes.get("service")) for s in spans])
    return found[0]
