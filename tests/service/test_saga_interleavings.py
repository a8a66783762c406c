"""Every interleaving of completion, cancellation, expiry, a rival order and redelivery, with
the real sales and inventory code on both sides (SQLite) and the broker played by the test.

Each scenario starts from a reserved order (60 units of a site's 100 of an allowance). The
counter's commands, inventory's expiry sweep and a rival order taking the freed units are
run in every order (any subset that includes the completion); the messages between the
services are delivered at once after each step, or all held back until the end and then
delivered in order or reversed (a backlog, a broker outage, a retry). Finally every message
is delivered again under its own id (the inbox's duplicate). After every step no order may
be paid without its goods; at the end both sides agree and the stock adds up.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.common.events.envelope import parse_event
from services.common.events.topology import SUBSCRIPTIONS
from services.inventory.app import SERVICE as INVENTORY
from services.inventory.domain.commands import ExpireReservations
from services.inventory.handlers import reservations
from services.inventory.models import Reservation
from services.inventory.repository.stock import StockLevels
from services.sales.app import SERVICE as SALES
from services.sales.models import Order
from tests.support.inventory_stock import donation, handle, order_placed
from tests.support.inventory_workshop import add_site
from tests.support.sales import PRICES, ready_desk

PRODUCT, STOCK, WANTED = "allowance:minutes", 100, 60
COMMANDS = ("complete", "cancel", "expire", "rival")


class Broker:
    """Carries each side's new outbox rows to the other, when the scenario says so."""

    def __init__(self, sales, inventory) -> None:
        self.sides = {"sales": sales, "inventory": inventory}
        self.seen = {"sales": 0, "inventory": 0}
        self.pending: dict[str, list] = {"sales": [], "inventory": []}  # by destination
        self.delivered: list[tuple[str, object]] = []

    def collect(self) -> None:
        for source, destination in (("sales", "inventory"), ("inventory", "sales")):
            outbox = self.sides[source].tables.outbox
            with self.sides[source].engine.connect() as connection:
                rows = connection.execute(
                    select(outbox.c.id, outbox.c.body)
                    .where(outbox.c.id > self.seen[source])
                    .order_by(outbox.c.id)
                ).all()
            for row_id, body in rows:
                self.seen[source] = row_id
                event = parse_event(body)
                if event.type in SUBSCRIPTIONS[destination] and event.type.split(".")[1] in (
                    "order",
                    "reservation",
                ):
                    self.pending[destination].append(event)

    def deliver(self, destination: str, *, reverse: bool = False) -> None:
        self.collect()
        while self.pending[destination]:
            queue = self.pending[destination]
            event = queue.pop(-1 if reverse else 0)
            self._apply(destination, event)
            self.collect()

    def _apply(self, destination: str, event) -> None:
        runtime = self.sides[destination]
        consumer = _consumer(
            runtime, SALES.handlers if destination == "sales" else INVENTORY.handlers
        )
        with runtime.session_factory() as session:
            [outcome] = consumer._apply_together(session, [(event, None)])
            session.commit()
        assert outcome.kind == "ack", outcome
        self.delivered.append((destination, event))

    def redeliver_everything(self) -> None:
        for destination, event in list(self.delivered):
            self._apply(destination, event)


_CONSUMERS: dict[int, object] = {}


def _consumer(runtime, handlers):
    """One consumer per runtime: the handler-and-inbox path, without a broker connection."""
    return _CONSUMERS.setdefault(id(runtime), runtime.consumer(handlers))


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    from tests.support.services import settings_on

    folder = tmp_path_factory.mktemp("interleavings")
    sales = SALES.runtime(settings_on(folder, "sales"))
    inventory = INVENTORY.runtime(settings_on(folder, "inventory"))
    desk = ready_desk(sales)
    minutes = {"product_key": PRODUCT, "market_cents": 10, "solidarity_cents": 1}
    desk.publish_prices([*PRICES, minutes])
    yield desk, inventory
    sales.dispose()
    inventory.dispose()


def scenarios():
    for size in range(len(COMMANDS)):
        for others in itertools.permutations(COMMANDS[1:], size):
            for position in range(size + 1):
                commands = (*others[:position], "complete", *others[position:])
                for held, reverse in ((False, False), (True, False), (True, True)):
                    yield commands, held, held, reverse


SCENARIOS = list(scenarios())


def test_the_scenarios_cover_every_order_of_the_commands():
    orders = {commands for commands, *_ in SCENARIOS}
    assert len(orders) == 49  # every ordering of every subset that includes "complete"
    assert len(SCENARIOS) == 49 * 3


@pytest.mark.parametrize(
    ("commands", "hold_to_inventory", "hold_to_sales", "reverse"),
    SCENARIOS,
    ids=[
        "-".join(c) + f"{'-held_i' if hi else ''}{'-held_s' if hs else ''}{'-rev' if r else ''}"
        for c, hi, hs, r in SCENARIOS
    ],
)
def test_no_money_without_the_goods_in_any_interleaving(
    sides, commands, hold_to_inventory, hold_to_sales, reverse
):
    desk, inventory = sides
    site = add_site(inventory, kind="counter")
    desk.open_site(site)
    handle(inventory, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": STOCK}]))
    broker = Broker(desk.runtime, inventory)
    desk.site_id = site
    order = desk.placed(desk.person(), (PRODUCT, WANTED))
    broker.deliver("inventory")
    broker.deliver("sales")
    assert desk.get(order)["state"] == "reserved"

    def settle() -> None:
        if not hold_to_inventory:
            broker.deliver("inventory")
        if not hold_to_sales:
            broker.deliver("sales")
        check_paid_only_with_goods(desk, inventory, order)

    for command in commands:
        run(command, desk, inventory, site, order)
        settle()
    for destination in ("inventory", "sales", "inventory", "sales"):
        broker.deliver(destination, reverse=reverse)
    broker.redeliver_everything()

    check_both_sides_agree(desk, inventory, site, order, commands)


def run(command: str, desk, inventory, site: str, order: dict) -> None:
    if command == "complete":
        assert desk.complete(order).status_code in (202, 409)
    elif command == "cancel":
        assert desk.cancel(order).status_code in (200, 409)
    elif command == "expire":
        with inventory.unit_of_work() as uow:
            reservations.expire_due(uow, ExpireReservations(datetime.now(UTC) + timedelta(hours=1)))
            uow.commit()
    elif command == "rival":  # another counter's order for what the site has left, or more
        rival = order_placed(site, [{"product_key": PRODUCT, "quantity": STOCK - WANTED + 1}])
        rival.data["order_id"] = str(uuid.uuid4())
        handle(inventory, rival)


def _reservation_state(inventory, order: dict) -> str | None:
    with inventory.session_factory() as session:
        return session.scalar(select(Reservation.state).where(Reservation.order_id == order["id"]))


def check_paid_only_with_goods(desk, inventory, order: dict) -> None:
    with desk.runtime.session_factory() as session:
        sale = session.get(Order, order["id"])
        paid = sale.receipt_number is not None or sale.state == "completed"
    if paid:
        assert _reservation_state(inventory, order) == "committed"


def check_both_sides_agree(desk, inventory, site: str, order: dict, commands) -> None:
    after = desk.get(order)
    reservation = _reservation_state(inventory, order)
    assert after["state"] in ("completed", "completion_refused", "cancelled", "expired")
    assert reservation in ("committed", "released", "expired")
    assert (after["state"] == "completed") == (reservation == "committed")
    assert (after["receipt_number"] is not None) == (after["state"] == "completed")
    if after["state"] != "completed":
        assert after["payment_method"] is None or after["state"] == "cancelled"
    with inventory.session_factory() as session:
        figures = StockLevels(session).stored()[(site, PRODUCT)]
        assert figures == StockLevels(session).recomputed()[(site, PRODUCT)]
    assert figures["sold"] == (WANTED if reservation == "committed" else 0)
    assert figures["received"] == STOCK
    assert figures["received"] == sum(
        figures[name] for name in ("available", "reserved", "sold", "in_transit", "written_off")
    )
    if "complete" in commands and "cancel" not in commands[: commands.index("complete")]:
        assert after["state"] in ("completed", "completion_refused", "expired")
