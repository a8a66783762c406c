"""Intake: a received donation becomes one device record per hardware unit.

Prepaid cards, allowances and funds are taken in by the custody and stock work of later
issues; their lines are ignored here for now. Idempotency comes from the consumer's inbox.
"""

from __future__ import annotations

from sqlalchemy import select

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.inventory import asset_tags
from services.inventory.models import Device, Site


class UnknownSite(LookupError):
    pass


def receive_donation(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    session = uow.session
    if session.scalar(select(Site.id).where(Site.id == data["site_id"])) is None:
        raise UnknownSite(f"site {data['site_id']} does not exist")
    devices = [
        _device(data, line, index)
        for line in data["lines"]
        if line["kind"] == "hardware_lot"
        for index in range(line["quantity"])
    ]
    for device, tag in zip(devices, asset_tags.allocate(session, len(devices)), strict=True):
        device.asset_tag = tag
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


def _device(data: dict, line: dict, index: int) -> Device:
    return Device(
        site_id=data["site_id"],
        category=line["category"],
        brand=line.get("brand"),
        model=line.get("model"),
        serial=_nth(line.get("serials"), index),
        imei=_nth(line.get("imeis"), index),
        donation_id=data["donation_id"],
        partner_id=data["partner_id"],
        line_id=line["line_id"],
    )


def _nth(values: list[str] | None, index: int) -> str | None:
    """The identifier of the ``index``-th unit, when the line lists that many."""
    return values[index] if values and index < len(values) else None


EVENT_HANDLERS = {"donations.donation.received": receive_donation}
