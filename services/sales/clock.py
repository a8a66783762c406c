"""Times are stored and exchanged in UTC; the programme's calendar is civil time.

A day, a calendar month or a year (the monthly spending limit, an order's impact month, a
receipt's year, "today" for an enrolment) is the one of ``PROGRAMME_TIMEZONE`` (Europe/Paris
by default): an order at 00:30 in Paris on 1 March counts in March although it is still
February in UTC. SQLite hands back naive datetimes for UTC columns: ``as_utc`` labels them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.common import clock
from services.common.config import programme_timezone


def utc_now() -> datetime:
    """Now, from the process's clock (``services/common/clock.py``: set back by the demo seed)."""
    return clock.now()


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def civil(moment: datetime) -> datetime:
    """``moment`` on the programme's clock: its date, month and year are the civil ones."""
    return as_utc(moment).astimezone(programme_timezone())


def today() -> date:
    """The programme's civil date now."""
    return civil(utc_now()).date()


def month_of(moment: datetime) -> str:
    """``YYYY-MM`` of the civil month ``moment`` falls in."""
    return civil(moment).strftime("%Y-%m")
