"""Per-person limits that keep stock fair: a spending cap and unit caps per product family.

A rule counts what the person already holds or bought (pending, reserved and completed
orders) inside its window, adds the basket, and is breached when the total passes its
maximum. Each breach says which rule, the maximum, what was already used, what the basket
asks and by how much it overflows. The caller runs this with the person's row locked, so
two counters serving the same person cannot both pass.

Calendar windows (the month, the enrolment's first day) are those of ``now``'s time zone:
callers pass the programme's civil time. Window starts come back in UTC, like stored times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MEASURES = ("cents", "units")
WINDOWS = ("calendar_month", "rolling_days", "enrolment")


@dataclass(frozen=True)
class LimitRule:
    code: str
    measure: str  # "cents" (spending) or "units"
    maximum: int
    window: str  # "calendar_month", "rolling_days" or "enrolment"
    window_days: int | None = None
    product_prefixes: tuple[str, ...] = ()  # empty: every product


@dataclass(frozen=True)
class Purchase:
    """One order line, already held or bought (``at``) or in the basket."""

    product_key: str
    quantity: int
    amount_cents: int
    at: datetime


@dataclass(frozen=True)
class Breach:
    rule: str
    measure: str
    maximum: int
    already_used: int
    requested: int
    exceeded_by: int
    window: str
    window_start: str


@dataclass(frozen=True)
class Usage:
    """A rule as it stands for one person now: used in the window and remaining."""

    rule: str
    measure: str
    maximum: int
    used: int
    remaining: int
    window: str
    window_start: str
    product_prefixes: tuple[str, ...]


def covers(rule: LimitRule, product_key: str) -> bool:
    """``device:smartphone`` covers ``device:smartphone:B``; no prefix covers everything."""
    if not rule.product_prefixes:
        return True
    return any(
        product_key == prefix or product_key.startswith(prefix.rstrip(":") + ":")
        for prefix in rule.product_prefixes
    )


def window_start(rule: LimitRule, now: datetime, enrolled_on: date) -> datetime:
    """The window's first instant, in UTC; ``now`` is aware, on the calendar's clock."""
    if rule.window == "calendar_month":
        start = datetime(now.year, now.month, 1, tzinfo=now.tzinfo)
    elif rule.window == "rolling_days":
        start = now - timedelta(days=rule.window_days or 0)
    else:
        start = datetime.combine(enrolled_on, time.min, tzinfo=now.tzinfo)
    return start.astimezone(UTC)


def history_start(rules: Iterable[LimitRule], now: datetime, enrolled_on: date) -> datetime:
    """How far back the person's history matters: the start of the widest window (UTC)."""
    starts = (window_start(rule, now, enrolled_on) for rule in rules)
    return min(starts, default=now.astimezone(UTC))


def _measure(rule: LimitRule, purchases: Iterable[Purchase]) -> int:
    chosen = [p for p in purchases if covers(rule, p.product_key)]
    if rule.measure == "cents":
        return sum(p.amount_cents for p in chosen)
    return sum(p.quantity for p in chosen)


def usage_of(rule: LimitRule, history: list[Purchase], now: datetime, enrolled_on: date) -> Usage:
    """What the person has used of ``rule`` in its current window, and what remains."""
    start = window_start(rule, now, enrolled_on)
    used = _measure(rule, (p for p in history if p.at >= start))
    return Usage(
        rule=rule.code,
        measure=rule.measure,
        maximum=rule.maximum,
        used=used,
        remaining=max(0, rule.maximum - used),
        window=rule.window,
        window_start=start.isoformat(),
        product_prefixes=rule.product_prefixes,
    )


def breach_of(
    rule: LimitRule,
    history: list[Purchase],
    basket: list[Purchase],
    now: datetime,
    enrolled_on: date,
) -> Breach | None:
    usage = usage_of(rule, history, now, enrolled_on)
    requested = _measure(rule, basket)
    if requested == 0 or usage.used + requested <= rule.maximum:
        return None
    return Breach(
        rule=rule.code,
        measure=rule.measure,
        maximum=rule.maximum,
        already_used=usage.used,
        requested=requested,
        exceeded_by=usage.used + requested - rule.maximum,
        window=rule.window,
        window_start=usage.window_start,
    )


def breaches(
    rules: Iterable[LimitRule],
    history: list[Purchase],
    basket: list[Purchase],
    now: datetime,
    enrolled_on: date,
) -> list[Breach]:
    found = (breach_of(rule, history, basket, now, enrolled_on) for rule in rules)
    return [breach for breach in found if breach is not None]


DEFAULT_RULES = (
    LimitRule("monthly-spending", "cents", 3000, "calendar_month"),
    LimitRule("smartphone-per-12-months", "units", 1, "rolling_days", 365, ("device:smartphone",)),
    LimitRule(
        "computer-per-enrolment", "units", 1, "enrolment", None, ("device:laptop", "device:desktop")
    ),
)
