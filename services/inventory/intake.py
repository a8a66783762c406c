"""Intake: a received donation becomes one device record per hardware unit.

Prepaid cards, allowances and funds are taken in by the custody and stock work of later
issues; their lines are ignored here for now. Idempotency comes from the consumer's inbox.
"""

from __future__ import annotations

from sqlalchemy import select

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.inventory.models import Device, Site


class UnknownSite(LookupError):
    pass


def receive_donation(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    session = uow.session
    if session.scalar(select(Site.id).where(Site.id == data["site_id"])) is None:
        raise UnknownSite(f"site {data['site_id']} does not exist")
    devices = [
        Device(
            site_id=data["site_id"],
            category=line["category"],
            brand=line.get("brand"),
            model=line.get("model"),
            serial=serials[index] if index < len(serials) else None,
            donation_id=data["donation_id"],
            partner_id=data["partner_id"],
            line_id=line["line_id"],
        )
        for line in data["lines"]
        if line["kind"] == "hardware_lot"
        for serials in [line.get("serials") or []]
        for index in range(line["quantity"])
    ]
    session.add_all(devices)
    session.flush()
    for device in devices:
        uow.emit(
            "inventory.device.received",
            subject=device.id,
            sequence=device.version,
            data={
                "device_id": device.id,
                "site_id": device.site_id,
                "category": device.category,
                "donation_id": device.donation_id,
                "partner_id": device.partner_id,
                "line_id": device.line_id,
            },
        )


EVENT_HANDLERS = {"donations.donation.received": receive_donation}
