"""``make stack`` logs one JSON object per line from every process (``LOG_FORMAT=json`` is its
default): gunicorn's master, error and access lines, the APIs, the workers, the gateway, the
migrations and the supervisor, each with the ids of the work it belongs to."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tests.support.waiting import wait_until
from tests.system.test_stack_system import stack_environment, start_stack  # noqa: F401 (fixtures)

KEYS = {
    "time",
    "level",
    "service",
    "role",
    "logger",
    "message",
    "request_id",
    "correlation_id",
    "trace_id",
    "event_type",
    "event_id",
}


def test_every_line_of_every_stack_log_is_a_json_object_with_its_ids(request):
    environment = request.getfixturevalue("stack_environment")
    environment["LOG_LEVEL"] = "DEBUG"  # the most lines, the event handlers' included
    environment.pop("LOG_FORMAT", None)  # the stack's default
    gateway = request.getfixturevalue("start_stack")(replicas=1)
    name = f"Accueil {uuid.uuid4().hex[:8]}"
    gateway.post("inventory/sites", {"name": name, "city": "Lyon", "kind": "counter"})
    gateway.get("inventory/sites", params={"city": "Lyon"})
    directory = Path(environment["STACK_DIR"])

    def lines() -> list[dict]:
        found = []
        for log in sorted(directory.glob("*.log")):
            text = log.read_text()
            complete = text[: text.rfind("\n") + 1]  # a line being written is read next time
            for number, line in enumerate(complete.splitlines(), start=1):
                try:
                    record = json.loads(line)
                except ValueError:
                    raise AssertionError(f"{log.name}:{number} is not JSON: {line!r}") from None
                assert isinstance(record, dict) and set(record) >= KEYS, (log.name, line)
                found.append(record | {"file": log.name})
        return found

    def handled_by_sales() -> list[dict]:
        return [
            line
            for line in lines()
            if line["role"] == "worker"
            and line["service"] == "sales"
            and line["event_type"] == "inventory.site.opened"
        ]

    handled = wait_until(handled_by_sales, timeout=30)
    assert all(line["event_id"] and line["correlation_id"] for line in handled)

    every = lines()
    assert {line["role"] for line in every} >= {"api", "worker", "gateway", "supervisor"}
    access = [
        line
        for line in every
        if line["logger"] == "gunicorn.access" and line["service"] == "inventory"
    ]
    posted = [line for line in access if "POST /sites" in line["message"]]
    assert posted and all(line["request_id"] for line in posted)
    assert all(line["correlation_id"] == line["request_id"] for line in posted)
    assert not [line for line in every if "city=Lyon" in line["message"]]  # no query string
