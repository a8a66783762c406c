"""Limits as stored data: the configured rules and a person's history, for the domain check
at each order and for the allowance a counter shows. Windows follow the programme's civil
calendar: ``now`` (UTC) is handed to the rules on the programme's clock."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select

from services.common.database_cache import DatabaseCache
from services.sales.clock import as_utc, civil
from services.sales.domain.limits import (
    LimitRule,
    Purchase,
    Usage,
    breaches,
    usage_of,
    window_start,
)
from services.sales.domain.orders import holds_stock
from services.sales.models import LimitRuleRow, Order, OrderLine


def rule_of(row: LimitRuleRow) -> LimitRule:
    return LimitRule(
        code=row.code,
        measure=row.measure,
        maximum=row.maximum,
        window=row.window,
        window_days=row.window_days,
        product_prefixes=tuple(row.product_prefixes or ()),
    )


# Every order checks the rules; they change seldom. A change applies at once in the API
# process that made it (``forget_rules``) and within these seconds in the others.
RULES_KEPT_SECONDS = 5.0
_RULES: DatabaseCache[tuple[LimitRule, ...]] = DatabaseCache(RULES_KEPT_SECONDS)


def configured_rules(session) -> tuple[LimitRule, ...]:
    def load() -> tuple[LimitRule, ...]:
        return tuple(rule_of(row) for row in session.scalars(select(LimitRuleRow).order_by("code")))

    return _RULES.get(session, "rules", load)


def forget_rules(session) -> None:
    """After committing a change of the rules: the next order reads them again."""
    _RULES.clear(session)


# Every order reads it: built once (building a statement costs more than running it).
_HISTORY = (
    select(
        Order.state,
        Order.placed_at,
        OrderLine.product_key,
        OrderLine.quantity,
        OrderLine.unit_solidarity_cents,
    )
    .join(OrderLine, OrderLine.order_id == Order.id)
    .where(
        Order.beneficiary_id == bindparam("beneficiary_id"), Order.placed_at >= bindparam("since")
    )
)


def history_of(session, beneficiary_id: str, since: datetime) -> list[Purchase]:
    """What the person holds or bought since ``since``: lines of live or completed orders."""
    rows = session.execute(_HISTORY, {"beneficiary_id": beneficiary_id, "since": since}).all()
    return [
        Purchase(
            row.product_key,
            row.quantity,
            row.quantity * row.unit_solidarity_cents,
            as_utc(row.placed_at),
        )
        for row in rows
        if holds_stock(row.state)
    ]


def _rules_and_history(session, beneficiary_id: str, now: datetime, enrolled_on: date):
    """The configured rules and the person's history as far back as the widest window."""
    rules = configured_rules(session)
    since = min((window_start(rule, now, enrolled_on) for rule in rules), default=as_utc(now))
    return rules, history_of(session, beneficiary_id, since)


def limit_breaches(session, beneficiary_id: str, basket, now: datetime, enrolled_on: date):
    now = civil(now)
    rules, history = _rules_and_history(session, beneficiary_id, now, enrolled_on)
    return breaches(rules, history, basket, now, enrolled_on)


def allowance(session, beneficiary_id: str, now: datetime, enrolled_on: date) -> list[Usage]:
    """Each rule's used and remaining amount for the person now (what the order check sees)."""
    now = civil(now)
    rules, history = _rules_and_history(session, beneficiary_id, now, enrolled_on)
    return [usage_of(rule, history, now, enrolled_on) for rule in rules]
