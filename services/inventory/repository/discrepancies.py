"""The discrepancies table, one round at a time.

A round of a check hands in everything it found for its kinds: a finding already open is
seen again (its figures refreshed), a new one opens, and an open row the round no longer
finds is resolved. ``confirm`` says when an open row starts to count (is listed): at once
for the stock checks, a round later for a sale mismatch. A row resolved before it was ever
confirmed was a saga in flight, not a discrepancy: it is deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from services.inventory.domain.discrepancies import CARD_BUCKETS, DEVICE_BUCKETS, Finding, Key
from services.inventory.domain.reservations import ReservationState
from services.inventory.models import (
    Card,
    Device,
    Reservation,
    ReservedItem,
    StockDiscrepancy,
    Transfer,
    TransferItem,
)

Confirm = Callable[[StockDiscrepancy], bool]


def at_once(_row: StockDiscrepancy) -> bool:
    return True


def record_round(
    session: Session,
    kinds: Iterable[str],
    findings: list[Finding],
    now: datetime,
    confirm: Confirm = at_once,
) -> list[StockDiscrepancy]:
    """Record one round's findings of ``kinds``; the rows open after it."""
    _one_round_at_a_time(session)
    still_open = {_identity(row): row for row in open_rows(session, kinds)}
    seen = []
    for finding in findings:
        row = still_open.pop(finding.identity, None) or _opened(session, finding, now)
        row.expected, row.found, row.last_seen_at = finding.expected, finding.found, now
        if finding.detail is not None:
            row.detail = {**(row.detail or {}), **finding.detail}
        if row.confirmed_at is None and confirm(row):
            row.confirmed_at = now
        seen.append(row)
    for row in still_open.values():
        if row.confirmed_at is None:
            session.delete(row)
        else:
            row.resolved_at = now
    session.flush()
    return seen


def open_rows(session: Session, kinds: Iterable[str]) -> list[StockDiscrepancy]:
    return session.scalars(
        select(StockDiscrepancy)
        .where(StockDiscrepancy.resolved_at.is_(None), StockDiscrepancy.kind.in_(list(kinds)))
        .order_by(StockDiscrepancy.id)
        .with_for_update()
    ).all()


def listed_by_kind(session: Session) -> list[tuple[str, int]]:
    """How many discrepancies are listed (confirmed) and not resolved, by kind."""
    return session.execute(
        select(StockDiscrepancy.kind, func.count())
        .where(StockDiscrepancy.resolved_at.is_(None), StockDiscrepancy.confirmed_at.isnot(None))
        .group_by(StockDiscrepancy.kind)
    ).all()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _one_round_at_a_time(session: Session) -> None:
    """Workers' rounds take turns (PostgreSQL; SQLite's writers already do), so two of them
    never open the same finding twice."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROUND_LOCK})


_ROUND_LOCK = 0x5_70C_D15C  # any number of its own: the key of the rounds' advisory lock


def _opened(session: Session, finding: Finding, now: datetime) -> StockDiscrepancy:
    row = StockDiscrepancy(
        kind=finding.kind,
        site_id=finding.site_id,
        product_key=finding.product_key,
        figure=finding.figure,
        bucket=finding.bucket,
        first_seen_at=now,
    )
    session.add(row)
    return row


def _identity(row: StockDiscrepancy) -> tuple:
    return (row.kind, row.site_id, row.product_key, row.figure, row.bucket)


# the stock check's reading ---------------------------------------------------------------------
ALLOWANCE_BUCKETS = {ReservationState.HELD: "reserved", ReservationState.COMMITTED: "sold"}


@contextmanager
def snapshot(engine: Engine) -> Iterator[Session]:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with Session(bind=connection) as session:
            yield session
            session.rollback()


def item_figures(session: Session) -> dict[Key, dict[str, int]]:
    """Per site and product, the figures the items tell (see ``ITEM_FIGURES``)."""
    figures: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for site_id, key, state, count in session.execute(_DEVICES):
        figures[(site_id, key)][DEVICE_BUCKETS.get(state, state)] += count
    for site_id, key, state, count in session.execute(_CARDS):
        figures[(site_id, key)][CARD_BUCKETS.get(state, state)] += count
    for site_id, key, state, quantity in session.execute(_ALLOWANCES_RESERVED):
        figures[(site_id, key)][ALLOWANCE_BUCKETS[state]] += quantity
    for site_id, key, quantity in session.execute(_ALLOWANCES_SENT):
        figures[(site_id, key)]["in_transit"] += quantity
    return figures


_DEVICES = (
    select(Device.site_id, Device.product_key, Device.state, func.count())
    .where(Device.product_key.is_not(None))
    .group_by(Device.site_id, Device.product_key, Device.state)
)
_CARDS = select(Card.site_id, Card.product_key, Card.state, func.count()).group_by(
    Card.site_id, Card.product_key, Card.state
)
_ALLOWANCES_RESERVED = (
    select(
        Reservation.site_id,
        ReservedItem.product_key,
        Reservation.state,
        func.sum(ReservedItem.quantity),
    )
    .join(Reservation, Reservation.id == ReservedItem.reservation_id)
    .where(ReservedItem.item_type == "allowance", Reservation.state.in_(list(ALLOWANCE_BUCKETS)))
    .group_by(Reservation.site_id, ReservedItem.product_key, Reservation.state)
)
_ALLOWANCES_SENT = (
    select(Transfer.from_site_id, TransferItem.product_key, func.sum(TransferItem.quantity))
    .join(Transfer, Transfer.id == TransferItem.transfer_id)
    .where(TransferItem.item_type == "allowance", Transfer.state == "in_transit")
    .group_by(Transfer.from_site_id, TransferItem.product_key)
)
