"""The partner impact view, fed by inventory's device events (never by reading its tables).

Each device's latest known stage is kept (see ``DeviceOutcome``); impact figures are counts
over those rows, so they match inventory's records exactly once the events have flowed.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.donations.models import DeviceOutcome

_UPSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
STAGE_OF_EVENT = {
    "inventory.device.received": "in_workshop",
    "inventory.device.made_available": "refurbished",
    "inventory.device.scrapped": "scrapped",
}
STAGES = ("in_workshop", "refurbished", "scrapped")


def record_device_stage(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    values = {
        "device_id": data["device_id"],
        "partner_id": data["partner_id"],
        "donation_id": data["donation_id"],
        "site_id": data["site_id"],
        "category": data["category"],
        "stage": STAGE_OF_EVENT[event.type],
        "version": event.sequence,
    }
    insert = _UPSERTS[uow.session.get_bind().dialect.name](DeviceOutcome).values(**values)
    uow.session.execute(
        insert.on_conflict_do_update(
            index_elements=[DeviceOutcome.device_id],
            set_={"stage": insert.excluded.stage, "version": insert.excluded.version},
            where=DeviceOutcome.version < insert.excluded.version,
        )
    )


def partner_impact(session, partner_id: str) -> dict:
    rows = session.execute(
        select(DeviceOutcome.donation_id, DeviceOutcome.stage, func.count())
        .where(DeviceOutcome.partner_id == partner_id)
        .group_by(DeviceOutcome.donation_id, DeviceOutcome.stage)
    ).all()
    by_donation: dict[str, dict[str, int]] = {}
    for donation_id, stage, count in rows:
        by_donation.setdefault(donation_id, dict.fromkeys(STAGES, 0))[stage] = count
    totals = {stage: sum(d[stage] for d in by_donation.values()) for stage in STAGES}
    return {
        "partner_id": partner_id,
        "devices_received": sum(totals.values()),
        "devices": totals,
        "donations": [
            {"donation_id": donation_id, "devices_received": sum(d.values()), **d}
            for donation_id, d in sorted(by_donation.items())
        ],
    }


EVENT_HANDLERS = dict.fromkeys(STAGE_OF_EVENT, record_device_stage)
