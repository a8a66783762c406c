"""Sales completed while the broker is cut, at a counter the load leaves alone, so that the
outcome does not depend on the load's timing.

Orders are reserved just before the cut and completed at once after it: sales cannot ask
inventory, and the holds lapse (the cut lasts longer than the TTL). Then an admin voids the
cards of half of them, now back in stock. Once the broker returns, the late commits must take
the still-free cards back (``completed``, the cards sold) and be refused for the others
(``completion_refused``, no money), and each counter must have been told so.
"""

from __future__ import annotations

import time

from tests.faults.load import CARD, CounterDesk, LoadReport, Told
from tests.faults.seeding import CounterSite
from tests.support.gateway_client import Gateway


class LateCompletions:
    def __init__(self, stack, admin: Gateway, counter: CounterSite, ttl: float) -> None:
        self.stack, self.admin, self.ttl = stack, admin, ttl
        self.desk = CounterDesk(
            stack.gateway_url, counter.key, counter.site_id, counter.people, LoadReport(),
            None, ttl, 0,
        )  # fmt: skip
        self.people = counter.people
        self.orders: list[Told] = []
        self.voided: list[str] = []  # orders whose cards an admin voided after the lapse

    def reserve(self, count: int) -> None:
        """Before the cut: ``count`` orders of one card each, held."""
        for person in self.people[:count]:
            order = self.desk.place(person, [{"product_key": CARD, "quantity": 1}])
            assert order is not None, "the witness counter could not place an order"
            told = Told(order["id"], self.desk.site_id, "late", [order["state"]])
            for _ in range(4):
                if told.last != "pending":
                    break
                self.desk.follow(told)
            assert told.last == "reserved", f"witness order {told.order_id}: {told.answers}"
            self.orders.append(told)

    def complete(self) -> None:
        """Right after the cut: every order's completion asked (sales cannot reach inventory)."""
        for told in self.orders:
            self.desk.ask_completion(told, wait=1)

    def take_half_of_the_items(self) -> None:
        """Once the holds have lapsed, void the (now free) cards of half of the orders."""
        ids = [told.order_id for told in self.orders]

        def lapsed() -> bool:
            return self.stack.scalar(
                "inventory",
                "SELECT count(*) FROM reservations"
                " WHERE order_id = ANY(:ids) AND state = 'expired'",
                ids=ids,
            ) == len(ids)

        deadline = time.monotonic() + self.ttl + 10
        while not lapsed():
            assert time.monotonic() < deadline, "the witness holds never lapsed"
            time.sleep(0.2)
        for told in self.orders[len(self.orders) // 2 :]:
            for (card_id,) in self.stack.rows(
                "inventory",
                "SELECT i.item_id FROM reserved_items i JOIN reservations r"
                " ON r.id = i.reservation_id WHERE r.order_id = :o",
                o=told.order_id,
            ):
                path = f"{self.admin.url}/api/inventory/cards/{card_id}/void"
                for _ in range(3):  # 503 "retry": a connection the drop left in the pool
                    voided = self.admin.http.post(path, json={"reason": "perdue"}, timeout=10)
                    if voided.status_code != 503:
                        break
                assert voided.status_code == 200, voided.text
            self.voided.append(told.order_id)

    def settle(self, timeout: float = 60) -> None:
        """After the broker is back: each counter follows its order until it has ended."""
        deadline = time.monotonic() + timeout
        for told in self.orders:
            while told.last in ("completing", "reserved", "unknown", "pending"):
                if time.monotonic() > deadline:
                    return
                self.desk.follow(told)
                time.sleep(0.2)

    def problems(self) -> list[str]:
        states = dict(
            self.stack.rows(
                "sales",
                "SELECT id, state FROM orders WHERE id = ANY(:ids)",
                ids=[told.order_id for told in self.orders],
            )
        )
        found = []
        for told in self.orders:
            expected = "completion_refused" if told.order_id in self.voided else "completed"
            told_so = told.last == expected or (
                expected == "completion_refused" and told.last.endswith("sale-not-completed")
            )
            if states[told.order_id] != expected or not told_so:
                found.append(
                    f"order {told.order_id} completed during the cut, its cards"
                    f" {'voided' if told.order_id in self.voided else 'still free'} after the"
                    f" lapse: {states[told.order_id]} in sales (counter told {told.answers}),"
                    f" expected {expected}"
                )
        return found
