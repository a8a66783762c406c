"""Enrolment: 9 months from the referral, renewable once (durations are settings).

The state is computed from dates, never stored, so it is always right on the day it is read:
``upcoming`` before the start, ``active`` then ``renewed`` (after a renewal) until the last
day, ``expired`` after it, ``closed`` once closed (on request or by erasure).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.sales.domain.errors import NotEligible, RenewalRefused

ELIGIBLE_STATES = ("active", "renewed")


@dataclass(frozen=True)
class EnrolmentPolicy:
    months: int = 9
    renewal_months: int = 9
    max_renewals: int = 1
    # An enrolment starts within this many days of today, either way: the start sets the end,
    # and the end when the person's data is erased (a start in 2199 would keep it for ever, a
    # start in 1900 would have it erased within the hour).
    start_window_days: int = 31


@dataclass(frozen=True)
class Enrolment:
    starts_on: date
    ends_on: date  # the last eligible day
    renewals: int = 0
    closed_on: date | None = None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_window(today: date, policy: EnrolmentPolicy) -> tuple[date, date]:
    """The first and last days an enrolment made ``today`` may start on."""
    margin = timedelta(days=policy.start_window_days)
    return today - margin, today + margin


def enrol(starts_on: date, policy: EnrolmentPolicy) -> Enrolment:
    return Enrolment(starts_on, add_months(starts_on, policy.months) - timedelta(days=1))


def state_on(enrolment: Enrolment, today: date) -> str:
    if enrolment.closed_on is not None and enrolment.closed_on <= today:
        return "closed"
    if today < enrolment.starts_on:
        return "upcoming"
    if today > enrolment.ends_on:
        return "expired"
    return "renewed" if enrolment.renewals else "active"


def renew(enrolment: Enrolment, today: date, policy: EnrolmentPolicy) -> Enrolment:
    """Extend from the current end (or from today if it has already lapsed)."""
    state = state_on(enrolment, today)
    if state == "closed":
        raise RenewalRefused("A closed enrolment cannot be renewed.", enrolment.renewals)
    if enrolment.renewals >= policy.max_renewals:
        raise RenewalRefused(
            f"An enrolment may be renewed {policy.max_renewals} time(s) only.", enrolment.renewals
        )
    try:
        start = max(enrolment.ends_on + timedelta(days=1), today)
        ends_on = add_months(start, policy.renewal_months) - timedelta(days=1)
    except (OverflowError, ValueError):  # past year 9999: only from dates no API accepts now
        raise RenewalRefused(
            "The renewed enrolment would end past the calendar's last year.", enrolment.renewals
        ) from None
    return replace(enrolment, ends_on=ends_on, renewals=enrolment.renewals + 1)


def require_eligible(enrolment: Enrolment, today: date) -> None:
    state = state_on(enrolment, today)
    if state in ELIGIBLE_STATES:
        return
    reasons = {
        "upcoming": f"The enrolment starts on {enrolment.starts_on.isoformat()}.",
        "expired": f"The enrolment ended on {enrolment.ends_on.isoformat()}.",
        "closed": "The enrolment is closed.",
    }
    raise NotEligible(state, reasons[state])
