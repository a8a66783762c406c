"""Spans go over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; nothing is made when not."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from flask import Flask

from services.common import tracing


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def collector():
    server = HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def no_tracing():
    previous = tracing.use_tracer_provider(None)
    yield
    tracing.use_tracer_provider(previous)


def app_with_traces() -> Flask:
    app = Flask("sales")
    tracing.install_request_tracing(app, "sales")
    app.get("/orders/<order_id>")(lambda order_id: order_id)
    return app


def test_a_request_span_is_exported_over_otlp_when_an_endpoint_is_set(
    collector, no_tracing, monkeypatch
):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
    tracing.configure_tracing("sales")
    assert tracing.tracing_on()
    app_with_traces().test_client().get("/orders/o-1?name=Jeanne")
    provider = tracing.use_tracer_provider(None)
    provider.force_flush()
    provider.shutdown()
    ((path, content_type, body),) = Collector.received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert b"GET /orders/<order_id>" in body and b"/orders/o-1" in body
    assert b"Jeanne" not in body  # never the query string


def test_without_an_endpoint_nothing_is_traced_nor_carried(no_tracing, monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    tracing.configure_tracing("sales")
    assert not tracing.tracing_on()
    app = app_with_traces()

    @app.get("/traceparent")
    def traceparent():
        return tracing.current_traceparent() or "none"

    caller = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    assert app.test_client().get("/traceparent", headers=caller).get_data(as_text=True) == "none"
