"""The consumer on kombu's in-process transport (the embedded mode): retries, dead letters."""

import uuid

from kombu import Connection

from services.sales.app import SERVICE as SALES
from services.sales.models import SiteView
from tests.support.memory_broker import publish, run_consumer, site_opened
from tests.support.waiting import wait_until


def site_name(runtime, site_id):
    with runtime.session_factory() as session:
        view = session.get(SiteView, site_id)
        return view.name if view else None


def test_projection_applies_newer_events_and_ignores_stale_ones(sqlite_settings):
    runtime = SALES.runtime(sqlite_settings("sales"))
    stop, thread = run_consumer(runtime, SALES.handlers)
    site_id = str(uuid.uuid4())
    try:
        publish(runtime, site_opened(site_id, "second name", sequence=2))
        wait_until(lambda: site_name(runtime, site_id) == "second name")
        publish(runtime, site_opened(site_id, "first name", sequence=1))  # late and stale
        marker = str(uuid.uuid4())
        publish(runtime, site_opened(marker, "marker", sequence=1))
        wait_until(lambda: site_name(runtime, marker) == "marker")
        assert site_name(runtime, site_id) == "second name"
    finally:
        stop.set()
        thread.join(5)


def test_failing_handler_is_retried_with_back_off_then_dead_lettered(sqlite_settings):
    runtime = SALES.runtime(sqlite_settings("sales"))
    calls = []

    def always_fails(uow, event):
        calls.append(event.id)
        raise RuntimeError("boom")

    stop, thread = run_consumer(runtime, {"inventory.site.opened": always_fails})
    event = site_opened(str(uuid.uuid4()), "x", 1)
    try:
        publish(runtime, event)
        with Connection("memory://") as connection:
            dead = connection.SimpleQueue(runtime.topology.dead_queue(runtime.name))
            message = dead.get(timeout=5)
            assert message.properties["message_id"] == event.id
            assert "failed 3 times" in message.headers["x-failure-reason"]
            message.ack()
        # Each attempt runs the handler with its batch, then alone to isolate the failure.
        assert calls == [event.id] * 2 * runtime.topology.max_attempts
    finally:
        stop.set()
        thread.join(5)


def test_a_run_of_events_of_one_type_is_projected_at_once_in_order(sqlite_settings):
    from services.common.events.consumer import batchable
    from services.sales.handlers.projections import project_site

    runtime = SALES.runtime(sqlite_settings("sales"))
    runs: list[int] = []

    def many(uow, events):
        runs.append(len(events))
        project_site.many(uow, events)

    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with Connection("memory://") as connection:
        runtime.topology.declare(connection, ("sales",))
    for event in (
        site_opened(first, "v1", 1),
        site_opened(first, "v3", 3),
        site_opened(first, "v2 (late)", 2),
        site_opened(second, "other", 1),
    ):
        publish(runtime, event)  # all queued before the consumer starts: one batch
    stop, thread = run_consumer(runtime, {"inventory.site.opened": batchable(many)})
    try:
        wait_until(lambda: site_name(runtime, second) == "other")
        assert site_name(runtime, first) == "v3"
        assert sum(runs) == 4 and max(runs) > 1
    finally:
        stop.set()
        thread.join(5)
