"""Read-side queries of the inventory: device lists, the workshop queue, state counts and
throughput."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from services.common import clock
from services.inventory.domain.workflow import WORKSHOP_STATES, State
from services.inventory.models import Device, DeviceTransition, Transfer, TransferItem, WipeRecord

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
        since = clock.now() - timedelta(hours=filters["waiting_hours"])
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


def weekly_throughput(
    session: Session, weeks: int, site_id: str | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Devices made available (out of the workshop, not back from a sale or a transfer) and
    scrapped per ISO week (UTC), this week and the ``weeks - 1`` before it, oldest first;
    weeks without any are listed with zeros. Grouped here: SQLite and PostgreSQL name weeks
    differently."""
    today = today or clock.today()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    rows = {monday: {"made_available": 0, "scrapped": 0} for monday in mondays}
    moves = select(DeviceTransition.at, DeviceTransition.to_state).where(
        DeviceTransition.at >= datetime.combine(mondays[0], time(), UTC),
        or_(
            DeviceTransition.to_state == State.SCRAPPED,
            and_(
                DeviceTransition.to_state == State.AVAILABLE,
                DeviceTransition.from_state.in_([s.value for s in WORKSHOP_STATES]),
            ),
        ),
    )
    if site_id:
        moves = moves.join(Device, Device.id == DeviceTransition.device_id).where(
            _site_at_the_time() == site_id
        )
    for at, to_state in session.execute(moves):
        day = (at.astimezone(UTC) if at.tzinfo else at).date()  # SQLite's are naive UTC
        row = rows.get(day - timedelta(days=day.weekday()))
        if row is not None:
            row["made_available" if to_state == State.AVAILABLE else "scrapped"] += 1
    return [{"starts_on": monday, **counts} for monday, counts in rows.items()]


def _site_at_the_time():
    """Where a device was when it moved: a device changes site only by a transfer, so it is
    the origin of the first transfer dispatched after the move, else where it is now."""
    later_dispatch = (
        select(Transfer.from_site_id)
        .join(TransferItem, TransferItem.transfer_id == Transfer.id)
        .where(
            TransferItem.item_type == "device",
            TransferItem.item_id == DeviceTransition.device_id,
            Transfer.dispatched_at > DeviceTransition.at,
        )
        .order_by(Transfer.dispatched_at)
        .limit(1)
        .correlate(DeviceTransition)
        .scalar_subquery()
    )
    return func.coalesce(later_dispatch, Device.site_id)


def certificate_by_hash(session: Session, sha256: str) -> tuple[WipeRecord, str] | None:
    """The wipe record whose certificate has this SHA-256, with the device's asset tag."""
    row = session.execute(
        select(WipeRecord, Device.asset_tag)
        .join(Device, Device.id == WipeRecord.device_id)
        .where(WipeRecord.certificate_sha256 == sha256.lower())
    ).first()
    return tuple(row) if row else None
