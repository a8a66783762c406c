"""Projections of other services' events into sales' own tables."""

from __future__ import annotations

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import upsert
from services.sales.models import SiteView


def project_site(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the newest description of a site."""
    data = event.data
    values = {
        "site_id": data["site_id"],
        "name": data["name"],
        "city": data["city"],
        "kind": data["kind"],
        "version": event.sequence,
    }
    upsert(uow.session, SiteView, values, keys=("site_id",))
