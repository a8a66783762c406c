"""Projections of other services' events into sales' own tables."""

from __future__ import annotations

from services.common.events.consumer import batchable
from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import upsert
from services.sales.models import SiteView


@batchable
def project_site(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Keep the newest description of each site."""
    rows = [
        {
            "site_id": event.data["site_id"],
            "name": event.data["name"],
            "city": event.data["city"],
            "kind": event.data["kind"],
            "version": event.sequence,
        }
        for event in events
    ]
    upsert(uow.session, SiteView, rows, keys=("site_id",))
