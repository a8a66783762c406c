"""The process's clock: real time unless the demo seed sets it back, and always running."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.common import clock
from services.common.events.envelope import new_event
from services.sales.clock import today, utc_now


def test_runs_in_real_time_by_default():
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)


def test_set_back_it_keeps_running_and_the_use_cases_read_it():
    past = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    with clock.travelling():
        clock.travel_to(past)
        first, second = clock.now(), clock.now()
        assert past <= first <= second < past + timedelta(seconds=1)
        assert utc_now() - past < timedelta(seconds=1)
        assert today().isoformat() == "2026-03-01"
        site = {"site_id": str(uuid.uuid4()), "name": "Accueil", "city": "Lyon", "kind": "counter"}
        event = new_event(
            "inventory.site.opened", source="inventory", subject="s", sequence=1, data=site
        )
        assert event.time - past < timedelta(seconds=1)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=1)
