"""Inventory's side of the sale cross-check (contracts in ``contracts/sale_check.py``).

On sales' digest, inventory digests its committed reservations up to the same cutoff and
records each bucket that differs as a ``sale-mismatch``. A saga in flight at the cutoff can
make one round differ (committed here, not yet completed there), so a bucket counts only
when a digest whose cutoff is later than its first sighting still disagrees; then inventory
asks sales for the bucket's order ids and names those one side has and the other not.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.common.events.envelope import CloudEvent
from services.common.sale_digest import BucketDigest, by_bucket, digest, disagreeing
from services.common.unit_of_work import UnitOfWork
from services.inventory import discrepancies
from services.inventory.domain.discrepancies import SALE_MISMATCH, Finding
from services.inventory.domain.reservations import ReservationState
from services.inventory.models import Reservation

SUBJECT = "sale-check"
NAMED_IDS = 100  # order ids named per side and bucket, at most


def on_digest_published(uow: UnitOfWork, event: CloudEvent) -> None:
    cutoff = _instant(event.data["cutoff"])
    theirs = {b["bucket"]: BucketDigest(b["count"], b["hash"]) for b in event.data["buckets"]}
    ours = digest(committed_order_ids(uow.session, cutoff))
    findings = [
        Finding(
            SALE_MISMATCH,
            expected=sales.count,
            found=inventory.count,
            bucket=bucket,
            detail={"sales_hash": sales.hash, "inventory_hash": inventory.hash},
        )
        for bucket, (sales, inventory) in disagreeing(theirs, ours).items()
    ]
    rows = discrepancies.record_round(
        uow.session,
        (SALE_MISMATCH,),
        findings,
        datetime.now(UTC),
        confirm=lambda row: cutoff >= discrepancies.aware(row.first_seen_at),
    )
    disputed = [row.bucket for row in rows if row.confirmed_at is not None]
    if disputed:
        uow.emit(
            "inventory.sale_digest.disputed",
            subject=SUBJECT,
            sequence=int(cutoff.timestamp()),
            data={"cutoff": event.data["cutoff"], "buckets": disputed},
        )


def on_digest_itemised(uow: UnitOfWork, event: CloudEvent) -> None:
    """Name the orders of each disputed bucket that only one side has."""
    ours = by_bucket(committed_order_ids(uow.session, _instant(event.data["cutoff"])))
    open_rows = {
        row.bucket: row
        for row in discrepancies.open_rows(uow.session, (SALE_MISMATCH,))
        if row.confirmed_at is not None
    }
    for entry in event.data["buckets"]:
        row = open_rows.get(entry["bucket"])
        if row is None:  # settled meanwhile
            continue
        sales, inventory = set(entry["order_ids"]), set(ours.get(entry["bucket"], ()))
        row.detail = {
            **(row.detail or {}),
            "completed_not_committed": sorted(sales - inventory)[:NAMED_IDS],
            "committed_not_completed": sorted(inventory - sales)[:NAMED_IDS],
        }


def committed_order_ids(session: Session, cutoff: datetime) -> list[str]:
    return list(session.scalars(_COMMITTED, {"cutoff": cutoff}))


_COMMITTED = select(Reservation.order_id).where(
    Reservation.state == ReservationState.COMMITTED,
    Reservation.closed_at <= bindparam("cutoff"),
)


def _instant(text: str) -> datetime:
    return discrepancies.aware(datetime.fromisoformat(text))


EVENT_HANDLERS = {
    "sales.sale_digest.published": on_digest_published,
    "sales.sale_digest.itemised": on_digest_itemised,
}
