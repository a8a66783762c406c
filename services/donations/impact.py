"""The partner impact view, fed by inventory's and sales' events (never by their tables).

Each device's latest known stage is kept (see ``DeviceOutcome``), each sold item with its
provenance, each completed order with its pseudonymous beneficiary, each site's city.
Impact figures are counts over those rows, so they match the other services' records
exactly once the events have flowed, whatever order they arrived in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import upsert
from services.donations.models import CompletedOrder, DeviceOutcome, SiteCity, SoldItem

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
    upsert(uow.session, DeviceOutcome, values, keys=("device_id",), update=("stage", "version"))


def record_sale(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    for item in data["items"]:
        values = {
            "order_id": data["order_id"],
            "item_id": item["item_id"],
            "item_type": item["item_type"],
            "quantity": item["quantity"],
            "partner_id": item.get("partner_id"),
            "donation_id": item.get("donation_id"),
            "site_id": data["site_id"],
        }
        upsert(uow.session, SoldItem, values, keys=("order_id", "item_id"), update=())


def record_completed_order(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    values = {
        "order_id": data["order_id"],
        "beneficiary_code": data["beneficiary_code"],
        "site_id": data["site_id"],
    }
    upsert(uow.session, CompletedOrder, values, keys=("order_id",), update=())


def record_site_city(uow: UnitOfWork, event: CloudEvent) -> None:
    data = event.data
    values = {"site_id": data["site_id"], "city": data["city"], "version": event.sequence}
    upsert(uow.session, SiteCity, values, keys=("site_id",), update=("city", "version"))


class SiteNotYetOpened(LookupError):
    """A site's status arrived before its opening: retried until the opening is applied."""


def record_site_status(uow: UnitOfWork, event: CloudEvent) -> None:
    site = uow.session.get(SiteCity, event.data["site_id"], with_for_update=True)
    if site is None:
        raise SiteNotYetOpened(event.data["site_id"])
    if event.sequence > site.version:  # a stale status changes nothing
        site.version = event.sequence
        site.closed_at = None if event.data["open"] else datetime.fromisoformat(event.data["at"])


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
        **_sales_of(session, partner_id),
        "donations": [
            {"donation_id": donation_id, "devices_received": sum(d.values()), **d}
            for donation_id, d in sorted(by_donation.items())
        ],
    }


def _sales_of(session, partner_id: str) -> dict:
    sold = dict(
        session.execute(
            select(SoldItem.item_type, func.sum(SoldItem.quantity))
            .where(SoldItem.partner_id == partner_id)
            .group_by(SoldItem.item_type)
        ).all()
    )
    people = session.execute(
        select(SiteCity.city, func.count(func.distinct(CompletedOrder.beneficiary_code)))
        .select_from(SoldItem)
        .join(CompletedOrder, CompletedOrder.order_id == SoldItem.order_id)
        .join(SiteCity, SiteCity.site_id == CompletedOrder.site_id, isouter=True)
        .where(SoldItem.partner_id == partner_id)
        .group_by(SiteCity.city)
    ).all()
    reached = session.scalar(
        select(func.count(func.distinct(CompletedOrder.beneficiary_code)))
        .select_from(SoldItem)
        .join(CompletedOrder, CompletedOrder.order_id == SoldItem.order_id)
        .where(SoldItem.partner_id == partner_id)
    )
    return {
        "devices_sold": int(sold.get("device") or 0),
        "cards_sold": int(sold.get("prepaid_card") or 0),
        "people_reached": reached or 0,
        "people_reached_by_city": {city or "unknown": count for city, count in people},
    }


EVENT_HANDLERS = {
    **dict.fromkeys(STAGE_OF_EVENT, record_device_stage),
    "inventory.reservation.committed": record_sale,
    "sales.order.completed": record_completed_order,
    "inventory.site.opened": record_site_city,
    "inventory.site.status_changed": record_site_status,
}
