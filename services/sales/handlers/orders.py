"""The counter's use cases on an order: place, ask to complete, cancel; and the sale
recorded once inventory committed its goods.

Placing locks the person's row (``FOR UPDATE``) for the whole transaction: eligibility and
limits are checked against the person's history and the order is written before the lock is
released, so two counters serving the same person at once are served one after the other.
Times are UTC; the day a person may order on, the limits' months and the month a sale
counts in for impact (its placement month, for both) are the programme's civil ones
(``clock``).
"""

from __future__ import annotations

from datetime import date, datetime

from services.sales.clock import as_utc, civil, month_of
from services.sales.domain.commands import CancelOrder, PlaceOrder, RequestCompletion
from services.sales.domain.enrolment import require_eligible
from services.sales.domain.errors import (
    LimitsExceeded,
    ReferralNotApproved,
    ReservationLapsed,
    UnknownCounterSite,
)
from services.sales.domain.events import (
    CompletionRequested,
    OrderCancelled,
    OrderPlaced,
    SaleCompleted,
)
from services.sales.domain.limits import Purchase, breaches, history_start
from services.sales.domain.orders import COMPLETION_ASKED, move, new_order
from services.sales.domain.pricing import PricedLine, priced_lines
from services.sales.handlers.environment import freeze_avoided
from services.sales.models import Order
from services.sales.repository import SalesUnitOfWork
from services.sales.repository.people import enrolment_of


def place_order(uow: SalesUnitOfWork, command: PlaceOrder) -> Order:
    """A ``pending`` order, written with its ``sales.order.placed`` for inventory to reserve."""
    with uow:
        require_counter_site(uow, command.site_id)
        person = uow.people.for_order(command.beneficiary_code)  # locked until the commit
        require_can_order(person, civil(command.at).date())
        keys = [line.product_key for line in command.lines]
        priced = priced_lines(command.lines, uow.prices.in_force(command.at, keys))
        require_within_limits(uow, person, priced, command.at)
        devices = [line.device_id for line in command.lines]
        placed = new_order(
            command.order_id, command.site_id, person, priced, devices, command.actor, command.at
        )
        order = uow.orders.add(placed)
        uow.record(OrderPlaced.of(placed))
        uow.commit()
        return order


def require_counter_site(uow: SalesUnitOfWork, site_id: str) -> None:
    if not uow.sites.is_counter(site_id):
        raise UnknownCounterSite(site_id)


def require_can_order(person, today: date) -> None:
    """Eligibility, checked at every order: enrolment in force, referral still approved.
    ``person``: what ``people.for_order`` read."""
    require_eligible(enrolment_of(person), today)
    if not person.organisation_approved:
        raise ReferralNotApproved(f"{person.organisation_name!r} is no longer approved.")


def require_within_limits(
    uow: SalesUnitOfWork, person, priced: list[PricedLine], at: datetime
) -> None:
    """The basket against the configured rules and the person's history, in the programme's
    civil calendar."""
    basket = [Purchase(line.product_key, line.quantity, line.amount_cents, at) for line in priced]
    now = civil(at)
    rules = uow.limits.rules()
    history = uow.limits.history(person.id, history_start(rules, now, person.starts_on))
    if found := breaches(rules, history, basket, now, person.starts_on):
        raise LimitsExceeded(found)


def request_completion(uow: SalesUnitOfWork, command: RequestCompletion) -> Order:
    """Ask inventory to commit what it reserved (no money yet: see :func:`record_sale`).
    Refused at once when sales already knows the hold expired; inventory decides every other
    case, however late the request reaches it. Asked again, the order is left as it is."""
    with uow:
        order = uow.orders.get(command.order_id, command.site_scope, for_update=True)
        if order.state not in COMPLETION_ASKED:
            if order.state == "expired":
                raise ReservationLapsed(as_utc(order.expires_at or order.ended_at))
            move(order, "complete", "Only a reserved order can be completed.")
            order.payment_method = command.payment_method
            order.completion_requested_at = command.at
            order.completion_requested_by = command.actor
            uow.record(CompletionRequested.of(order, command.at))
        uow.commit()
        return order


def cancel_order(uow: SalesUnitOfWork, command: CancelOrder) -> Order:
    """Cancel a pending or reserved order: inventory releases what it holds."""
    with uow:
        order = uow.orders.get(command.order_id, command.site_scope, for_update=True)
        move(order, "cancel", "Only a pending or reserved order can be cancelled.")
        order.ended_at, order.ended_by, order.end_reason = command.at, command.actor, command.reason
        uow.record(OrderCancelled.of(order))
        uow.commit()
        return order


def record_sale(uow: SalesUnitOfWork, order: Order, at: datetime) -> None:
    """Inventory committed the items: the payment is recorded, the receipt numbered, the
    devices' avoided CO2e and materials frozen on their lines, and the sale stated as a fact
    (``sales.order.completed``). The order counts in the month it was placed, as it does for
    the monthly limits."""
    order.completed_at = order.ended_at = at
    order.ended_by = order.completion_requested_by
    order.sale_month = month_of(order.placed_at)
    freeze_avoided(uow, order, at)
    uow.orders.number_receipt(order)
    uow.record(SaleCompleted.of(order))
