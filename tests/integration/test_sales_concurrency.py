"""Sales on PostgreSQL: limits hold under concurrent orders, receipts stay gapless."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.sales.app import SERVICE as SALES
from services.sales.clock import today
from tests.support.sales import accepted, committed, expired, ready_desk


@pytest.fixture
def desk(settings_for):
    runtime = SALES.runtime(settings_for("sales"))
    yield ready_desk(runtime)
    runtime.dispose()


def at_once(desk, count, *lines, code):
    """``count`` counters (threads, each its own test client) order for one person at once."""

    def place(_):
        return desk.order(code, *lines, client=desk.app.test_client())

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(place, range(count)))


def test_concurrent_orders_for_one_person_cannot_both_pass_the_spending_cap(desk):
    code = desk.person()
    responses = at_once(desk, 8, ("card:orange:2000", 4), code=code)  # 2000 of 3000 cents each
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 7
    refusals = [r.get_json() for r in responses if r.status_code == 409]
    assert {problem["breaches"][0]["rule"] for problem in refusals} == {"monthly-spending"}
    assert {problem["breaches"][0]["already_used"] for problem in refusals} == {2000}


def test_concurrent_orders_for_one_person_take_one_smartphone(desk):
    code = desk.person()
    responses = at_once(desk, 6, ("device:smartphone:b", 1), code=code)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


def test_orders_for_different_people_do_not_wait_for_each_other(desk):
    codes = [desk.person() for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(
                lambda code: desk.order(
                    code, ("card:orange:2000", 4), client=desk.app.test_client()
                ),
                codes,
            )
        )
    assert [r.status_code for r in responses] == [201] * 6


def test_concurrent_sales_at_a_site_get_consecutive_receipt_numbers(desk):
    orders = [desk.reserved(desk.person(), ("card:orange:1000", 1)) for _ in range(12)]
    for order in orders:
        assert desk.complete(order).status_code == 202
    commits = [committed(desk.get(order)) for order in orders]

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(desk.apply, commits))  # each in a transaction of its own, at once
    numbers = sorted(desk.get(order)["receipt_number"] for order in orders)
    assert numbers == [f"{today().year}-{n:06d}" for n in range(1, 13)]


def test_the_saga_and_erasure_on_postgresql(desk):
    code = desk.person()
    order = desk.reserved(code, ("card:orange:1000", 2))
    assert desk.complete(order, "cheque").get_json()["state"] == "completing"
    desk.apply(expired(order), committed(desk.get(order), after_expiry=True))
    assert desk.get(order)["state"] == "completed"
    late = desk.placed(code, ("card:orange:1000", 1))
    desk.cancel(late)
    desk.apply(accepted(late))
    assert len(desk.emitted("sales.order.cancelled")) == 2
    before = desk.client.get("/impact").get_json()
    desk.client.post(f"/beneficiaries/{code}/erasure")
    assert desk.client.get(f"/beneficiaries/{code}").get_json()["display_name"] is None
    assert desk.client.get("/impact").get_json() == before
    assert desk.client.get("/impact/monthly.csv").status_code == 200
