"""Sales' use cases on a fake unit of work (in-memory repositories, no database, no broker):
placing an order, asking to complete it, cancelling it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.sales.domain.commands import (
    CancelOrder,
    OrderLineWanted,
    PlaceOrder,
    RequestCompletion,
)
from services.sales.domain.errors import (
    IllegalOrderStep,
    LimitsExceeded,
    NoPrice,
    NotEligible,
    OrderNotFound,
    UnknownCounterSite,
)
from services.sales.domain.events import CompletionRequested, OrderCancelled, OrderPlaced
from services.sales.domain.limits import DEFAULT_RULES, Purchase
from services.sales.domain.pricing import Price
from services.sales.handlers.orders import cancel_order, place_order, request_completion
from tests.unit.fakes import FakeUnitOfWork

SITE = "5f0c1c52-0000-4000-8000-000000000001"
NOW = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)
ORDER, RESERVATION = "5f0c1c52-0000-4000-8000-0000000000a1", "5f0c1c52-0000-4000-8000-0000000000b1"
CARD, PHONE = "card:orange:1000", "device:smartphone:b"


@dataclass
class Person:
    id: str = "person-1"
    code: str = "B-AAAAAAAAAAAAAAAA"
    starts_on: date = date(2027, 1, 1)
    ends_on: date = date(2027, 9, 30)
    renewals: int = 0
    closed_on: date | None = None
    organisation_name: str = "CCAS"
    organisation_approved: bool = True


class FakeSites:
    def __init__(self, counters: set[str]) -> None:
        self.counters = counters

    def is_counter(self, site_id: str) -> bool:
        return site_id in self.counters


class FakePeople:
    def __init__(self, *people: Person) -> None:
        self.by_code = {person.code: person for person in people}

    def for_order(self, code: str) -> Person:
        return self.by_code[code]


class FakePrices:
    def __init__(self, prices: dict[str, Price]) -> None:
        self.prices = prices

    def in_force(self, at: datetime, product_keys=None) -> dict[str, Price]:
        return {key: price for key, price in self.prices.items() if key in set(product_keys)}


@dataclass
class FakeLimits:
    configured: tuple = DEFAULT_RULES
    held: dict[str, list[Purchase]] = field(default_factory=dict)

    def rules(self):
        return self.configured

    def history(self, beneficiary_id: str, since: datetime) -> list[Purchase]:
        return [p for p in self.held.get(beneficiary_id, []) if p.at >= since]


class FakeOrders:
    def __init__(self) -> None:
        self.added: list = []
        self.stored: dict[str, SimpleNamespace] = {}

    def add(self, new):
        self.added.append(new)
        return new

    def get(self, order_id, site_scope=None, *, for_update=False):
        order = self.stored.get(str(order_id))
        if order is None or site_scope not in (None, order.site_id):
            raise OrderNotFound(str(order_id))
        return order


class FakeSalesUnitOfWork(FakeUnitOfWork):
    def bind(self) -> None:
        self.sites = FakeSites({SITE})
        self.people = FakePeople(Person())
        self.prices = FakePrices(
            {
                CARD: Price(CARD, 1000, 250, 1),
                PHONE: Price(PHONE, 12000, 1500, 1),
            }
        )
        self.limits = FakeLimits()
        self.orders = FakeOrders()


def placing(*lines: tuple[str, int], code: str = Person.code, site: str = SITE) -> PlaceOrder:
    wanted = tuple(OrderLineWanted(key, quantity) for key, quantity in lines)
    return PlaceOrder(site, code, wanted, actor="counter of Lyon", at=NOW)


# placing an order -----------------------------------------------------------------------------


def test_placing_an_order_records_it_placed_for_inventory_and_commits():
    uow = FakeSalesUnitOfWork()
    command = placing((CARD, 2), (PHONE, 1))

    order = place_order(uow, command)

    assert uow.committed
    assert (order.id, order.state, order.version) == (command.order_id, "pending", 1)
    assert (order.total_cents, order.market_total_cents) == (2000, 14000)
    [placed] = uow.facts
    assert isinstance(placed, OrderPlaced)
    assert (placed.subject, placed.sequence) == (command.order_id, 1)
    assert placed.payload() == {
        "order_id": command.order_id,
        "site_id": SITE,
        "beneficiary_code": Person.code,
        "placed_at": NOW.isoformat(),
        "lines": [
            {"line_id": order.lines[0].id, "product_key": CARD, "quantity": 2, "device_id": None},
            {"line_id": order.lines[1].id, "product_key": PHONE, "quantity": 1, "device_id": None},
        ],
    }


def test_an_order_over_the_limits_is_refused_with_the_breach_and_nothing_recorded():
    uow = FakeSalesUnitOfWork()
    last_week = NOW - timedelta(days=7)
    uow.limits.held["person-1"] = [Purchase(PHONE, 1, 1500, last_week)]

    with pytest.raises(LimitsExceeded) as refused:
        place_order(uow, placing((PHONE, 1)))

    [breach] = refused.value.breaches
    assert (breach.rule, breach.already_used, breach.exceeded_by) == (
        "smartphone-per-12-months",
        1,
        1,
    )
    assert (uow.facts, uow.committed, uow.orders.added) == ([], False, [])


def test_a_monthly_spending_over_the_cap_names_by_how_much():
    uow = FakeSalesUnitOfWork()
    uow.limits.held["person-1"] = [Purchase(CARD, 10, 2500, NOW - timedelta(days=1))]

    with pytest.raises(LimitsExceeded) as refused:
        place_order(uow, placing((CARD, 3)))

    [breach] = refused.value.breaches
    assert (breach.rule, breach.requested, breach.exceeded_by) == ("monthly-spending", 750, 250)
    assert not uow.committed


def test_a_product_without_a_price_in_force_is_refused_and_nothing_recorded():
    uow = FakeSalesUnitOfWork()

    with pytest.raises(NoPrice) as refused:
        place_order(uow, placing((CARD, 1), ("device:laptop:a", 1)))

    assert refused.value.details() == {"product_keys": ["device:laptop:a"]}
    assert (uow.facts, uow.committed) == ([], False)


def test_a_person_whose_enrolment_ended_cannot_order():
    uow = FakeSalesUnitOfWork()
    uow.people = FakePeople(Person(ends_on=date(2027, 3, 1)))

    with pytest.raises(NotEligible) as refused:
        place_order(uow, placing((CARD, 1)))

    assert refused.value.details() == {"enrolment_state": "expired"}
    assert not uow.committed


def test_an_order_at_a_site_that_is_no_counter_is_refused():
    with pytest.raises(UnknownCounterSite):
        place_order(FakeSalesUnitOfWork(), placing((CARD, 1), site="not-a-counter"))


# completing and cancelling --------------------------------------------------------------------


def stored(uow: FakeSalesUnitOfWork, state: str) -> SimpleNamespace:
    order = SimpleNamespace(
        id=ORDER,
        site_id=SITE,
        state=state,
        version=2,
        reservation_id=RESERVATION,
        expires_at=NOW + timedelta(minutes=15),
        ended_at=None,
        payment_method=None,
    )
    uow.orders.stored[order.id] = order
    return order


def test_asking_to_complete_a_reserved_order_asks_inventory_and_records_no_money_yet():
    uow = FakeSalesUnitOfWork()
    order = stored(uow, "reserved")

    request_completion(uow, RequestCompletion(ORDER, "card", "counter of Lyon", NOW, SITE))

    assert (order.state, order.version, order.payment_method) == ("completing", 3, "card")
    [asked] = uow.facts
    assert isinstance(asked, CompletionRequested)
    assert asked.payload() == {
        "order_id": ORDER,
        "site_id": SITE,
        "reservation_id": RESERVATION,
        "requested_at": NOW.isoformat(),
    }


def test_asking_again_while_completing_changes_nothing():
    uow = FakeSalesUnitOfWork()
    order = stored(uow, "completing")

    request_completion(uow, RequestCompletion(ORDER, "cash", "counter of Lyon", NOW))

    assert (order.state, order.version, uow.facts) == ("completing", 2, [])


def test_cancelling_tells_inventory_without_the_counters_words():
    uow = FakeSalesUnitOfWork()
    order = stored(uow, "pending")

    cancel_order(uow, CancelOrder(ORDER, "la personne est partie", "admin", NOW))

    assert (order.state, order.end_reason) == ("cancelled", "la personne est partie")
    [cancelled] = uow.facts
    assert isinstance(cancelled, OrderCancelled)
    assert cancelled.payload()["reason"] == "cancelled in sales"


def test_a_completed_order_cannot_be_cancelled():
    uow = FakeSalesUnitOfWork()
    stored(uow, "completed")

    with pytest.raises(IllegalOrderStep):
        cancel_order(uow, CancelOrder(ORDER, "too late", "admin", NOW))

    assert (uow.facts, uow.committed) == ([], False)


def test_another_counters_order_is_not_found():
    uow = FakeSalesUnitOfWork()
    stored(uow, "reserved")

    with pytest.raises(OrderNotFound):
        request_completion(uow, RequestCompletion(ORDER, "cash", "x", NOW, "another-site"))
