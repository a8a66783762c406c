"""The digest sales and inventory compare to find sales that one side has and the other not.

Order ids are UUIDs; an order's bucket is the first two characters of its id (256 buckets).
Per bucket, the digest is the count of ids and a hash of the sorted ids: two sides agree on
a bucket when both match. At 100,000 sales a bucket holds about 400 ids, so the whole
digest is a few kilobytes and a disputed bucket can be listed in one event.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

BUCKET_LENGTH = 2
EMPTY_HASH = hashlib.sha256(b"").hexdigest()[:16]


@dataclass(frozen=True)
class BucketDigest:
    count: int
    hash: str


EMPTY = BucketDigest(0, EMPTY_HASH)


def bucket_of(order_id: str) -> str:
    return order_id[:BUCKET_LENGTH].lower()


def by_bucket(order_ids: Iterable[str]) -> dict[str, list[str]]:
    buckets: dict[str, list[str]] = defaultdict(list)
    for order_id in order_ids:
        buckets[bucket_of(order_id)].append(order_id)
    return buckets


def digest(order_ids: Iterable[str]) -> dict[str, BucketDigest]:
    """The digest of every non-empty bucket of ``order_ids``."""
    return {bucket: _digest_of(ids) for bucket, ids in by_bucket(order_ids).items()}


def _digest_of(ids: list[str]) -> BucketDigest:
    joined = "\n".join(sorted(ids)).encode()
    return BucketDigest(len(ids), hashlib.sha256(joined).hexdigest()[:16])


def disagreeing(
    theirs: dict[str, BucketDigest], ours: dict[str, BucketDigest]
) -> dict[str, tuple[BucketDigest, BucketDigest]]:
    """The buckets whose digests differ: bucket -> (theirs, ours)."""
    return {
        bucket: (theirs.get(bucket, EMPTY), ours.get(bucket, EMPTY))
        for bucket in sorted(theirs.keys() | ours.keys())
        if theirs.get(bucket, EMPTY) != ours.get(bucket, EMPTY)
    }
