"""Read-side queries of the inventory: device lists, the workshop queue, state counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from services.inventory.domain.workflow import WORKSHOP_STATES, State
from services.inventory.models import Device, WipeRecord

DETAIL = (
    selectinload(Device.diagnosis),
    selectinload(Device.wipe),
    selectinload(Device.repairs),
    selectinload(Device.grade),
    selectinload(Device.scrap),
)


def device_detail(session: Session, device_id: str) -> Device | None:
    return session.get(Device, device_id, options=DETAIL, populate_existing=True)


def identified_by(identifier: str):
    """Asset tag (any case), IMEI or serial number, as scanned."""
    wanted = identifier.strip()
    return or_(Device.asset_tag == wanted.upper(), Device.imei == wanted, Device.serial == wanted)


def device_list(filters: dict[str, Any]) -> Select:
    query = select(Device).order_by(Device.created_at, Device.id)
    for column in ("donation_id", "site_id", "state", "product_key"):
        if filters.get(column) is not None:
            query = query.where(getattr(Device, column) == str(filters[column]))
    if filters.get("identifier"):
        query = query.where(identified_by(filters["identifier"]))
    return query


def workshop_queue(filters: dict[str, Any]) -> Select:
    """Devices waiting in the workshop, longest in their state first."""
    states = [filters["state"]] if filters.get("state") else [s.value for s in WORKSHOP_STATES]
    query = select(Device).where(Device.state.in_(states))
    if filters.get("site_id"):
        query = query.where(Device.site_id == str(filters["site_id"]))
    if filters.get("category"):
        query = query.where(Device.category == filters["category"])
    if filters.get("waiting_hours") is not None:
        since = datetime.now(UTC) - timedelta(hours=filters["waiting_hours"])
        query = query.where(Device.state_changed_at <= since)
    return query.order_by(Device.state_changed_at, Device.id)


def state_counts(session: Session, site_id: str | None = None) -> dict[str, int]:
    query = select(Device.state, func.count()).group_by(Device.state)
    if site_id:
        query = query.where(Device.site_id == site_id)
    return _all_states(dict(session.execute(query).all()))


def state_counts_per_site(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Device.site_id, Device.state, func.count()).group_by(Device.site_id, Device.state)
    )
    sites: dict[str, dict[str, int]] = {}
    for site_id, state, count in rows:
        sites.setdefault(site_id, {})[state] = count
    return [
        {"site_id": site_id, "counts": _all_states(counts)}
        for site_id, counts in sorted(sites.items())
    ]


def _all_states(counts: dict[str, int]) -> dict[str, int]:
    return {state.value: counts.get(state.value, 0) for state in State}


def certificate_by_hash(session: Session, sha256: str) -> tuple[WipeRecord, str] | None:
    """The wipe record whose certificate has this SHA-256, with the device's asset tag."""
    row = session.execute(
        select(WipeRecord, Device.asset_tag)
        .join(Device, Device.id == WipeRecord.device_id)
        .where(WipeRecord.certificate_sha256 == sha256.lower())
    ).first()
    return tuple(row) if row else None
