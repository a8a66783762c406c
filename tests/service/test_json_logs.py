"""``LOG_FORMAT=json``: one JSON object per line, with the ids of the request or event."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from flask import Flask
from opentelemetry.sdk.trace import TracerProvider

from services.common.events.envelope import CloudEvent
from services.common.log_privacy import WithoutQueryStrings
from services.common.logs import JsonLines, gunicorn_logconfig
from services.common.requests_context import install_request_ids
from services.common.tracing import consuming, install_request_tracing, use_tracer_provider

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
log = logging.getLogger("tests.json_logs")


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(WithoutQueryStrings())
    handler.setFormatter(JsonLines("sales", "api"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    previous = use_tracer_provider(TracerProvider())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    use_tracer_provider(previous)
    log.removeHandler(handler)


def test_a_line_in_a_request_carries_its_request_correlation_and_trace_ids(lines):
    app = Flask("sales")
    install_request_ids(app)
    install_request_tracing(app, "sales")

    @app.get("/people")
    def people():
        log.info("searched %s", "/people?name=Jeanne")
        return "ok"

    headers = {"X-Request-ID": "req-1", "traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}
    assert app.test_client().get("/people", headers=headers).status_code == 200
    (line,) = lines()
    assert line["message"] == "searched /people"  # never the query string
    assert (line["service"], line["role"], line["level"]) == ("sales", "api", "INFO")
    assert (line["request_id"], line["correlation_id"], line["trace_id"]) == ("req-1",) * 2 + (
        TRACE,
    )
    assert line["event_type"] is None and line["event_id"] is None


def test_a_line_while_handling_an_event_names_the_event(lines):
    event = CloudEvent(
        type="inventory.site.opened",
        source="inventory",
        subject="s1",
        data={},
        sequence=1,
        traceparent=f"00-{TRACE}-00f067aa0ba902b7-01",
    )
    with consuming("sales", event):
        log.warning("applied")
    (line,) = lines()
    assert (line["event_type"], line["event_id"], line["trace_id"]) == (
        "inventory.site.opened",
        event.id,
        TRACE,
    )
    assert line["request_id"] is None


def test_a_line_about_an_event_outside_its_handling_names_it(lines):
    log.error("dead-lettered", extra={"event_type": "sales.order.placed", "event_id": "e-1"})
    (line,) = lines()
    assert (line["event_type"], line["event_id"]) == ("sales.order.placed", "e-1")


def test_an_exception_stays_on_its_line(lines):
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed")
    (line,) = lines()
    assert "ValueError: boom" in line["exception"]


def test_gunicorn_keeps_its_text_unless_json_is_asked(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert gunicorn_logconfig("sales", "api") is None
    monkeypatch.setenv("LOG_FORMAT", "json")
    config = gunicorn_logconfig("sales", "api")
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["json"]


EMBEDDED = """
import logging
from services.common.logs import configure_logging
configure_logging("embedded", "embedded")  # as services/embedded.py's main() (make run)
logging.getLogger("embedded").info("demo data seeded")
"""


def test_make_run_logs_readable_text_when_no_format_is_asked():
    environment = {name: value for name, value in os.environ.items() if name != "LOG_FORMAT"}
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    [line] = done.stderr.splitlines()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d [\d:,]+ INFO embedded \[-\] demo data seeded", line)
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
