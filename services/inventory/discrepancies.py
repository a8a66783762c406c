"""The discrepancies table, one round at a time.

A round of a check hands in everything it found for its kinds: a finding already open is
seen again (its figures refreshed), a new one opens, and an open row the round no longer
finds is resolved. ``confirm`` says when an open row starts to count (is listed): at once
for the stock checks, a round later for a sale mismatch. A row resolved before it was ever
confirmed was a saga in flight, not a discrepancy: it is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from services.inventory.domain.discrepancies import Finding
from services.inventory.models import StockDiscrepancy

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
