"""A counter's sales: what a person picks within the limits, and how the sale ends."""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.demo.desks import Desk, SeedError, items, until
from services.demo.people import Person

MONTHLY_CAP = 3000  # cents: the default spending limit
DEVICE_CHANCE = 0.3
ENDINGS = ("completed",) * 17 + ("cancelled", "cancelled", "expired")
PAYMENTS = ("cash", "cash", "cash", "card", "card", "cheque")
COMPUTERS = ("device:laptop", "device:desktop")
STOCK_PAGE = 100  # the largest page; more than the demo's products at one site


@dataclass
class Sale:
    order_id: str
    person: Person
    lines: list[dict]
    total: int
    month: str
    paying: bool = False


class Counter:
    """Sells at one counter site with its own key, as a volunteer would."""

    def __init__(self, desk: Desk, rng: random.Random) -> None:
        self.desk, self.rng = desk, rng
        self.site_id = desk.principal.site_id
        self.held: list[str] = []  # orders left reserved, to expire

    def catalogue(self) -> dict[str, dict]:
        """Priced products available here, by product key, once sales' catalogue has caught
        up with inventory's stock: a catalogue a step behind would have orders rejected at
        random, and the demo's story would depend on the machine's speed."""
        listed = until(self._catalogue_in_step, f"the catalogue of {self.site_id}")[0]
        return {
            item["product_key"]: item for item in listed if item["price"] and item["available"] > 0
        }

    def _catalogue_in_step(self) -> tuple[list[dict]] | None:
        listed = items(self.desk.get("sales", f"/sites/{self.site_id}/catalogue"))
        path = f"/stock?site_id={self.site_id}&page_size={STOCK_PAGE}"
        stock = {
            row["product_key"]: row["available"] for row in items(self.desk.get("inventory", path))
        }
        in_step = all(item["available"] == stock.get(item["product_key"], 0) for item in listed)
        return (listed,) if in_step else None

    def place(self, people: list[Person], month: str) -> list[Sale]:
        """An order for each person (each within their limits), all placed at once."""
        catalogue, sales = self.catalogue(), []
        for person in people:
            budget = MONTHLY_CAP - person.spent.get(month, 0)
            lines, total = self._basket(person, catalogue, budget)
            if lines:
                body = {"beneficiary_code": person.code, "lines": lines}
                order = self.desk.post("sales", "/orders", body)
                sales.append(Sale(order["id"], person, lines, total, month))
        return sales

    def settle(self, sale: Sale, may_expire: bool) -> str:
        """Once inventory has answered: paid (completion asked), cancelled or left to expire."""
        state = self._once_left(sale, "pending")
        if state != "reserved":
            return state  # rejected: the catalogue was a step behind
        ending = self.rng.choice(ENDINGS if may_expire else ENDINGS[:-1])
        path = f"/orders/{sale.order_id}"
        if ending == "cancelled":
            reason = {"reason": "la personne a changé d'avis"}
            self.desk.post("sales", f"{path}/cancellation", reason)
        elif ending == "expired":
            self.held.append(sale.order_id)
        else:
            payment = {"payment_method": self.rng.choice(PAYMENTS)}
            self.desk.post("sales", f"{path}/completion?wait=0", payment)
            sale.paying = True
        return ending

    def confirm(self, sale: Sale) -> None:
        """Inventory committed: the sale counts (its amount against the month's limit)."""
        state = self._once_left(sale, "completing")
        if state != "completed":
            raise SeedError(f"order {sale.order_id} not completed: {state}")
        self._bought(sale.person, sale.lines, sale.month, sale.total)

    def _once_left(self, sale: Sale, state: str) -> str:
        path = f"/orders/{sale.order_id}?wait=5"
        return until(
            lambda: (now := self.desk.get("sales", path)["state"]) != state and now,
            f"order {sale.order_id} to leave {state}",
        )

    def _basket(self, person: Person, catalogue: dict, budget: int) -> tuple[list[dict], int]:
        lines, total = [], 0
        if self.rng.random() < DEVICE_CHANCE:
            devices = [
                item
                for key, item in catalogue.items()
                if key.startswith("device:") and item["available"] and self._may_have(person, key)
            ]
            affordable = [d for d in devices if d["price"]["solidarity_cents"] <= budget]
            if affordable:
                device = self.rng.choice(affordable)
                lines.append({"product_key": device["product_key"]})
                total += device["price"]["solidarity_cents"]
                device["available"] -= 1
        for key, quantity in (
            ("card:orange:1000", 1),
            ("card:sfr:500", 1),
            ("allowance:minutes", 200),
        ):
            item = catalogue.get(key)
            price = item and item["price"]["solidarity_cents"] * quantity
            if item and item["available"] >= quantity and total + price <= budget:
                lines.append({"product_key": key, "quantity": quantity})
                total += price
                item["available"] -= quantity
                if self.rng.random() < 0.6:
                    break
        return lines, total

    @staticmethod
    def _may_have(person: Person, key: str) -> bool:
        if key.startswith("device:smartphone"):
            return not person.has_phone
        return not (key.startswith(COMPUTERS) and person.has_computer)

    @staticmethod
    def _bought(person: Person, lines: list[dict], month: str, total: int) -> None:
        person.spent[month] = person.spent.get(month, 0) + total
        keys = [line["product_key"] for line in lines]
        person.has_phone |= any(key.startswith("device:smartphone") for key in keys)
        person.has_computer |= any(key.startswith(COMPUTERS) for key in keys)
