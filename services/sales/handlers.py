"""Every event type sales subscribes to (topology.SUBSCRIPTIONS), routed to its handler."""

from __future__ import annotations

from services.common.events.consumer import Handler
from services.sales import saga, sale_check
from services.sales.catalogue import project_availability
from services.sales.projections import project_site

EVENT_HANDLERS: dict[str, Handler] = {
    "inventory.site.opened": project_site,
    "inventory.availability.changed": project_availability,
    "inventory.reservation.accepted": saga.on_accepted,
    "inventory.reservation.rejected": saga.on_rejected,
    "inventory.reservation.committed": saga.on_committed,
    "inventory.reservation.commit_refused": saga.on_commit_refused,
    "inventory.reservation.released": saga.on_released,
    "inventory.reservation.expired": saga.on_expired,
    **sale_check.EVENT_HANDLERS,
}
