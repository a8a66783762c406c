"""Times in UTC. SQLite hands back naive datetimes for UTC columns: ``as_utc`` labels them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
