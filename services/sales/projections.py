"""Projections of other services' events into sales' own tables."""

from __future__ import annotations

import logging

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.sales.models import SiteView

log = logging.getLogger(__name__)


def project_site(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the newest description of a site; an older event arriving late changes nothing."""
    data = event.data
    view = uow.session.get(SiteView, data["site_id"], with_for_update=True)
    if view is not None and view.version >= event.sequence:
        log.info("stale %s for site %s ignored (have %s)", event.type, view.site_id, view.version)
        return
    if view is None:
        view = SiteView(site_id=data["site_id"])
        uow.session.add(view)
    view.name, view.city, view.kind, view.version = (
        data["name"],
        data["city"],
        data["kind"],
        event.sequence,
    )


EVENT_HANDLERS = {"inventory.site.opened": project_site}
