"""The sale cross-check between sales and inventory (see ``services/common/sale_digest.py``).

Flow: sales' worker publishes ``sales.sale_digest.published`` (per bucket of order ids, the
count and hash of its completed orders up to ``cutoff``); inventory compares it with its
committed reservations up to the same cutoff. A bucket that still disagrees a round later
is a discrepancy: inventory publishes ``inventory.sale_digest.disputed`` naming the buckets,
and sales answers ``sales.sale_digest.itemised`` with their completed order ids, from which
inventory names the orders one side has and the other not.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.common.events.contracts.base import Contract
from services.common.sale_digest import BUCKET_LENGTH

MAX_BUCKETS = 16**BUCKET_LENGTH
MAX_IDS_PER_BUCKET = 100_000


def _bucket(**options) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=BUCKET_LENGTH), **options)


class _BucketDigest(Schema):
    class Meta:
        unknown = RAISE

    bucket = _bucket(required=True)
    count = fields.Integer(required=True, validate=validate.Range(min=1))
    hash = fields.String(required=True, validate=validate.Length(equal=16))


class _BucketIds(Schema):
    class Meta:
        unknown = RAISE

    bucket = _bucket(required=True)
    order_ids = fields.List(
        fields.UUID(), required=True, validate=validate.Length(max=MAX_IDS_PER_BUCKET)
    )


class SaleDigestPublished(Contract):
    """Sales' completed orders up to ``cutoff``, bucket by bucket (empty buckets left out)."""

    cutoff = fields.DateTime(required=True)
    buckets = fields.List(
        fields.Nested(_BucketDigest), required=True, validate=validate.Length(max=MAX_BUCKETS)
    )


class SaleDigestDisputed(Contract):
    """Inventory's committed reservations disagree with sales' digest in these buckets."""

    cutoff = fields.DateTime(required=True)
    buckets = fields.List(
        _bucket(), required=True, validate=validate.Length(min=1, max=MAX_BUCKETS)
    )


class SaleDigestItemised(Contract):
    """Sales' completed order ids up to ``cutoff`` in the disputed buckets."""

    cutoff = fields.DateTime(required=True)
    buckets = fields.List(
        fields.Nested(_BucketIds), required=True, validate=validate.Length(max=MAX_BUCKETS)
    )


SALES_CONTRACTS: dict[str, type[Contract]] = {
    "sales.sale_digest.published": SaleDigestPublished,
    "sales.sale_digest.itemised": SaleDigestItemised,
}
INVENTORY_CONTRACTS: dict[str, type[Contract]] = {
    "inventory.sale_digest.disputed": SaleDigestDisputed,
}
