"""The stock check (the worker's periodic task): recompute every site's figures for every
product from the ledger and from the items, and record what differs (``discrepancies.py``).

The three sources are read in one snapshot (``REPEATABLE READ`` on PostgreSQL; SQLite's
transactions are serialised), so a sale committing meanwhile never shows as a difference:
each movement changes the figures, the ledger and the items in one transaction. Reading is
a handful of grouped sums; the findings are written in a short transaction of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from services.common.runtime import ServiceRuntime
from services.inventory import discrepancies, stock
from services.inventory.domain.discrepancies import (
    CARD_BUCKETS,
    DEVICE_BUCKETS,
    STOCK_KINDS,
    Key,
    stock_findings,
)
from services.inventory.domain.reservations import ReservationState
from services.inventory.models import (
    Card,
    Device,
    Reservation,
    ReservedItem,
    Transfer,
    TransferItem,
)

ALLOWANCE_BUCKETS = {ReservationState.HELD: "reserved", ReservationState.COMMITTED: "sold"}


def check_stock(runtime: ServiceRuntime) -> int:
    """One round; the number of differences found."""
    with _snapshot(runtime.engine) as session:
        stored, ledger = stock.stored(session), stock.recomputed(session)
        items = item_figures(session)
    findings = stock_findings(stored, ledger, items)
    with runtime.unit_of_work() as uow:
        discrepancies.record_round(uow.session, STOCK_KINDS, findings, datetime.now(UTC))
        uow.commit()
    return len(findings)


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Session]:
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
