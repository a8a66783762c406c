"""Once everything is quiet, what sales says was sold and what inventory says left its
shelves must be the same thing. Each check returns the list of what is wrong (empty = right),
so that a failure names every broken order, item and figure at once."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.inventory.domain.stock import BUCKETS
from services.inventory.repository.stock import StockLevels

ORDER_FINAL = ("rejected", "completed", "completion_refused", "cancelled", "expired")
RESERVATION_FINAL = ("committed", "released", "expired", "rejected")
SOLD_CARD = ("sold", "revealed")


def order_states(stack) -> Counter:
    return Counter(dict(stack.rows("sales", "SELECT state, count(*) FROM orders GROUP BY state")))


def reservation_states(stack) -> Counter:
    rows = stack.rows("inventory", "SELECT state, count(*) FROM reservations GROUP BY state")
    return Counter(dict(rows))


def stuck(stack) -> list[str]:
    orders = stack.rows(
        "sales",
        "SELECT id, state FROM orders WHERE NOT state = ANY(:final)",
        final=list(ORDER_FINAL),
    )
    holds = stack.rows(
        "inventory",
        "SELECT order_id, state FROM reservations WHERE NOT state = ANY(:final)",
        final=list(RESERVATION_FINAL),
    )
    return [f"order {o} still {s} in sales" for o, s in orders] + [
        f"order {o}: reservation still {s} in inventory" for o, s in holds
    ]


def sales_against_inventory(stack) -> list[str]:
    """Every completed sale has exactly its items sold, every sold item belongs to exactly
    one completed sale, and no money is recorded for an order that is not completed."""
    problems = []
    completed = {
        order_id: (reservation_id, json.loads(items) if isinstance(items, str) else items)
        for order_id, reservation_id, items in stack.rows(
            "sales",
            "SELECT id, reservation_id, reserved_items FROM orders WHERE state = 'completed'",
        )
    }
    for order_id, state in stack.rows(
        "sales",
        "SELECT id, state FROM orders WHERE state <> 'completed'"
        " AND (receipt_number IS NOT NULL OR payment_method IS NOT NULL)",
    ):
        problems.append(f"order {order_id} is {state} but has a payment or a receipt")
    committed = dict(
        stack.rows("inventory", "SELECT order_id, id FROM reservations WHERE state = 'committed'")
    )
    for order_id in sorted(set(completed) - set(committed)):
        state = stack.scalar(
            "inventory", "SELECT state FROM reservations WHERE order_id = :o", o=order_id
        )
        problems.append(
            f"LOST SALE: order {order_id} completed (paid) in sales, its reservation is"
            f" {state} in inventory"
        )
    for order_id in sorted(set(committed) - set(completed)):
        state = stack.scalar("sales", "SELECT state FROM orders WHERE id = :o", o=order_id)
        problems.append(f"order {order_id} committed in inventory but {state} in sales")

    items_of = defaultdict(set)  # committed reservation -> (type, id)
    holders = defaultdict(list)  # (type, id) -> committed reservations holding it
    for reservation_id, item_type, item_id in stack.rows(
        "inventory",
        "SELECT r.id, i.item_type, i.item_id FROM reserved_items i"
        " JOIN reservations r ON r.id = i.reservation_id WHERE r.state = 'committed'",
    ):
        items_of[reservation_id].add((item_type, item_id))
        holders[(item_type, item_id)].append(reservation_id)
    for item, reservations in holders.items():
        if len(reservations) > 1:
            problems.append(f"SOLD TWICE: {item} in committed reservations {reservations}")
    sold = {
        ("prepaid_card", card_id): reservation_id
        for card_id, reservation_id in stack.rows(
            "inventory",
            "SELECT id, reservation_id FROM cards WHERE state = ANY(:sold)",
            sold=list(SOLD_CARD),
        )
    }
    sold |= {
        ("device", device_id): None
        for (device_id,) in stack.rows("inventory", "SELECT id FROM devices WHERE state = 'sold'")
    }
    for item in sorted(set(sold) - set(holders)):
        problems.append(f"{item} is sold in inventory but in no committed reservation")
    for item in sorted(set(holders) - set(sold)):
        problems.append(f"{item} belongs to a committed reservation but is not sold")
    for item, reservation_id in sold.items():
        if reservation_id is not None and item in holders and holders[item] != [reservation_id]:
            problems.append(f"card {item[1]} is sold for {reservation_id}, not {holders[item]}")
    for order_id, (reservation_id, items) in completed.items():
        if order_id not in committed:
            continue
        if reservation_id != committed[order_id]:
            problems.append(
                f"order {order_id}: sales knows reservation {reservation_id},"
                f" inventory committed {committed[order_id]}"
            )
        in_sales = {(item["item_type"], item["item_id"]) for item in items or ()}
        if in_sales != items_of[committed[order_id]]:
            problems.append(
                f"order {order_id}: sales' items {sorted(in_sales)} differ from the"
                f" committed ones {sorted(items_of[committed[order_id]])}"
            )
    return problems


def stock_figures(stack) -> list[str]:
    """received = available + reserved + sold + in transit + written off for every product
    and site; the figures equal their ledger and the states of the items themselves."""
    problems = []
    engine = create_engine(stack.urls["inventory"])
    try:
        with Session(engine) as session:
            stored, recomputed = StockLevels(session).stored(), StockLevels(session).recomputed()
    finally:
        engine.dispose()
    for place, figures in stored.items():
        if figures["received"] != sum(figures[bucket] for bucket in BUCKETS):
            problems.append(f"{place}: received is not the sum of the buckets: {figures}")
        if recomputed.get(place) != figures:
            problems.append(f"{place}: figures {figures} but ledger {recomputed.get(place)}")
    counted = Counter()
    for site, key, state, number in stack.rows(
        "inventory",
        "SELECT site_id, product_key, state, count(*) FROM cards GROUP BY 1, 2, 3"
        " UNION ALL SELECT site_id, product_key, state, count(*) FROM devices"
        " WHERE product_key IS NOT NULL GROUP BY 1, 2, 3",
    ):
        bucket = {"in_stock": "available", "revealed": "sold"}.get(state, state)
        counted[(site, key, bucket)] += number
    for (site, key), figures in stored.items():
        for bucket in ("available", "reserved", "sold"):
            if figures[bucket] != counted[(site, key, bucket)]:
                problems.append(
                    f"{(site, key)}: {bucket} is {figures[bucket]} but"
                    f" {counted[(site, key, bucket)]} items are {bucket}"
                )
    return problems


def counters_against_sales(stack, told) -> list[str]:
    """What each counter was told is what sales recorded: a sale announced as done is done,
    a sale announced as not done has no money."""
    states = dict(stack.rows("sales", "SELECT id, state FROM orders"))
    problems = []
    for answer in told:
        state = states.get(answer.order_id)
        if "completed" in answer.answers and state != "completed":
            problems.append(
                f"order {answer.order_id}: the counter was told completed, it is {state}"
            )
        refused = any(a.endswith("sale-not-completed") for a in answer.answers)
        if (refused or "completion_refused" in answer.answers) and state == "completed":
            problems.append(
                f"order {answer.order_id}: the counter was told refused, it is completed"
            )
    return problems


def reveals(admin_http, gateway_url: str, world, stack) -> list[str]:
    """The counter of every completed sale with cards gets their codes."""
    keys = {counter.site_id: counter.key for counter in world.counters}
    cards = dict(
        stack.rows(
            "sales",
            "SELECT o.id, sum(l.quantity) FROM orders o JOIN order_lines l ON l.order_id = o.id"
            " WHERE o.state = 'completed' AND l.family = 'prepaid_card' GROUP BY o.id",
        )
    )
    sites = dict(stack.rows("sales", "SELECT id, site_id FROM orders WHERE state = 'completed'"))
    problems = []
    for order_id, quantity in cards.items():
        for _ in range(3):  # a 503 says "retry" (a connection the drop left in a pool)
            answer = admin_http.post(
                f"{gateway_url}/api/inventory/orders/{order_id}/card-codes/reveal",
                params={"wait": 5},
                headers={"Authorization": f"Bearer {keys[sites[order_id]]}"},
                timeout=30,
            )
            if answer.status_code < 500:
                break
        if answer.status_code != 200:
            problems.append(f"order {order_id}: reveal answered {answer.status_code} {answer.text}")
        elif len(answer.json()["cards"]) != quantity:
            problems.append(f"order {order_id}: {len(answer.json()['cards'])} codes for {quantity}")
    return problems


def messages_left(stack) -> dict[str, list[str]]:
    """Two checks of the messaging: outbox rows never sent and dead letters, by service."""
    return {
        "unsent outbox rows": [f"{s}: {n}" for s, n in stack.unsent().items() if n],
        "dead letters": [f"{s}: {n}" for s, n in stack.dead_letters().items() if n],
    }


def report_lines(problems: dict[str, list[str]]) -> list[str]:
    """The checks as Markdown items: ``ok``, or how many problems and the first 20 of them."""
    return [
        f"- {check}: {'ok' if not found else f'{len(found)} problem(s)'}"
        + "".join(f"\n  - {p}" for p in found[:20])
        for check, found in problems.items()
    ]


def write_report(path: Path, lines: list[str]) -> None:
    """The run's results to ``path`` (``tests/faults/results/``) and to the test's output."""
    text = "\n".join(lines)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    print("\n" + text)
