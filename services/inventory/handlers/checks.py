"""The checks: the stock check (the worker's periodic task) and inventory's side of the sale
cross-check (contracts in ``contracts/sale_check.py``).

The stock check recomputes every site's figures for every product from the ledger and from
the items, and records what differs (``repository/discrepancies.py``). The three sources are
read in one snapshot (``REPEATABLE READ`` on PostgreSQL; SQLite's transactions are
serialised), so a sale committing meanwhile never shows as a difference: each movement
changes the figures, the ledger and the items in one transaction. Reading is a handful of
grouped sums; the findings are written in a short transaction of their own.

On sales' digest, inventory digests its committed reservations up to the same cutoff and
records each bucket that differs as a ``sale-mismatch``. A saga in flight at the cutoff can
make one round differ (committed here, not yet completed there), so a bucket counts only
when a digest whose cutoff is later than its first sighting still disagrees; then inventory
asks sales for the bucket's order ids and names those one side has and the other not.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.events.envelope import CloudEvent
from services.common.runtime import ServiceRuntime
from services.common.sale_digest import BucketDigest, by_bucket, digest, disagreeing
from services.inventory.domain.discrepancies import (
    SALE_MISMATCH,
    STOCK_KINDS,
    Finding,
    stock_findings,
)
from services.inventory.domain.events import SaleDigestDisputed
from services.inventory.repository import InventoryUnitOfWork, discrepancies
from services.inventory.repository.discrepancies import item_figures, snapshot
from services.inventory.repository.stock import StockLevels

NAMED_IDS = 100  # order ids named per side and bucket, at most


def check_stock(runtime: ServiceRuntime) -> int:
    """One round; the number of differences found."""
    with snapshot(runtime.engine) as session:
        levels = StockLevels(session)
        stored, ledger = levels.stored(), levels.recomputed()
        items = item_figures(session)
    findings = stock_findings(stored, ledger, items)
    with runtime.unit_of_work() as uow:
        discrepancies.record_round(uow.session, STOCK_KINDS, findings, datetime.now(UTC))
        uow.commit()
    return len(findings)


def on_digest_published(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    cutoff = _instant(event.data["cutoff"])
    theirs = {b["bucket"]: BucketDigest(b["count"], b["hash"]) for b in event.data["buckets"]}
    ours = digest(uow.reservations.committed_order_ids(cutoff))
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
        uow.record(SaleDigestDisputed(event.data["cutoff"], disputed, int(cutoff.timestamp())))


def on_digest_itemised(uow: InventoryUnitOfWork, event: CloudEvent) -> None:
    """Name the orders of each disputed bucket that only one side has."""
    ours = by_bucket(uow.reservations.committed_order_ids(_instant(event.data["cutoff"])))
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


def _instant(text: str) -> datetime:
    return discrepancies.aware(datetime.fromisoformat(text))
