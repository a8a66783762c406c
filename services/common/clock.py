"""What time it is for the use cases: one clock per process, real time unless set back.

The use cases of every service (and the events they emit) read ``now()`` instead of
``datetime.now``. Nothing moves it in production. The embedded demo seed
(``services/demo``) sets it back in time while it replays months of a programme through the
services' own APIs and events, then returns it to real time: history in the past without
editing a row. The clock keeps running while set back (an offset from real time, never a
frozen instant), so times recorded one after the other stay in order.

Security and delivery machinery keeps real time: tokens and their replay window, rate
limits, API keys, idempotency keys, the outbox, the inbox, the stock and sale checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """The current time (UTC, aware) for the use cases."""
    return datetime.now(UTC) + _offset


def today() -> date:
    """The current UTC date for the use cases."""
    return now().date()


def travel_to(moment: datetime) -> None:
    """From now on ``now()`` runs from ``moment`` (aware); only ever forward while seeding."""
    global _offset
    _offset = moment.astimezone(UTC) - datetime.now(UTC)


def resume_real_time() -> None:
    global _offset
    _offset = timedelta(0)


@contextmanager
def travelling() -> Iterator[None]:
    """Real time again when the block ends, however it ends."""
    try:
        yield
    finally:
        resume_real_time()
