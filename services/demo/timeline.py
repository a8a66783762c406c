"""The demo's calendar: moments given in days before today, on the programme's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from services.common import clock
from services.common.config import programme_timezone


class Timeline:
    """Sets the process's clock to moments of the past, only ever forward, never beyond now."""

    def __init__(self) -> None:
        self.today = datetime.now(programme_timezone()).date()
        self._last = datetime.min.replace(tzinfo=UTC)

    def moment(self, days_ago: int, hour: float) -> datetime:
        """``hour`` o'clock (Paris) ``days_ago`` days before today, in UTC."""
        day = self.today - timedelta(days=days_ago)
        civil = datetime.combine(day, time(), programme_timezone()) + timedelta(hours=hour)
        return civil.astimezone(UTC)

    def go(self, days_ago: int, hour: float) -> datetime:
        """The clock at that moment, or just after the last one set if that came later; never
        past real time (today's late hours are still to come)."""
        return self._set(max(self.moment(days_ago, hour), self._last + timedelta(seconds=1)))

    def later(self, minutes: float) -> datetime:
        """The clock ``minutes`` after the last moment set."""
        return self._set(self._last + timedelta(minutes=minutes))

    def _set(self, wanted: datetime) -> datetime:
        latest = datetime.now(UTC) - timedelta(seconds=30)
        self._last = max(self._last, min(wanted, latest))
        clock.travel_to(self._last)
        return self._last

    def go_date(self) -> date:
        """The civil date of the last moment set."""
        return self._last.astimezone(programme_timezone()).date()
