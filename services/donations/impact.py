"""The partner impact view, fed by inventory's events."""

from __future__ import annotations

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.donations.models import PartnerImpact


def count_received_device(uow: UnitOfWork, event: CloudEvent) -> None:
    partner_id = event.data["partner_id"]
    impact = uow.session.get(PartnerImpact, partner_id, with_for_update=True)
    if impact is None:
        impact = PartnerImpact(partner_id=partner_id, devices_received=0)
        uow.session.add(impact)
    impact.devices_received += 1


EVENT_HANDLERS = {"inventory.device.received": count_received_device}
