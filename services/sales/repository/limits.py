"""Limits as stored data: the configured rules (kept a few seconds: every order reads them)
and a person's purchase history, for the domain check at each order and for the allowance
a counter shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.common.database_cache import DatabaseCache
from services.sales.clock import as_utc
from services.sales.domain.limits import LimitRule, Purchase
from services.sales.domain.orders import holds_stock
from services.sales.models import LimitRuleRow, Order, OrderLine

# Every order checks the rules; they change seldom. A change applies at once in the API
# process that made it (``forget_rules``) and within these seconds in the others.
RULES_KEPT_SECONDS = 5.0
_RULES: DatabaseCache[tuple[LimitRule, ...]] = DatabaseCache(RULES_KEPT_SECONDS)

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


def rule_of(row: LimitRuleRow) -> LimitRule:
    return LimitRule(
        code=row.code,
        measure=row.measure,
        maximum=row.maximum,
        window=row.window,
        window_days=row.window_days,
        product_prefixes=tuple(row.product_prefixes or ()),
    )


class Limits:
    def __init__(self, session: Session) -> None:
        self.session = session

    def rules(self) -> tuple[LimitRule, ...]:
        """The configured rules, as the domain checks them."""

        def load() -> tuple[LimitRule, ...]:
            rows = self.session.scalars(select(LimitRuleRow).order_by("code"))
            return tuple(rule_of(row) for row in rows)

        return _RULES.get(self.session, "rules", load)

    def forget_rules(self) -> None:
        """After committing a change of the rules: the next order reads them again."""
        _RULES.clear(self.session)

    def history(self, beneficiary_id: str, since: datetime) -> list[Purchase]:
        """What the person holds or bought since ``since``: lines of live or completed orders."""
        parameters = {"beneficiary_id": beneficiary_id, "since": since}
        return [
            Purchase(
                row.product_key,
                row.quantity,
                row.quantity * row.unit_solidarity_cents,
                as_utc(row.placed_at),
            )
            for row in self.session.execute(_HISTORY, parameters)
            if holds_stock(row.state)
        ]

    def all(self) -> list[LimitRuleRow]:
        return list(self.session.scalars(select(LimitRuleRow).order_by(LimitRuleRow.code)))

    def row(self, code: str, *, for_update: bool = False) -> LimitRuleRow | None:
        return self.session.get(LimitRuleRow, code, with_for_update=for_update)

    def put(self, row: LimitRuleRow) -> None:
        self.session.add(row)

    def remove(self, row: LimitRuleRow) -> None:
        self.session.delete(row)
