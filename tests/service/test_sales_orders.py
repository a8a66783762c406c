"""Counter orders through sales' API, with inventory's answers fed through the consumer path."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from services.sales.app import SERVICE as SALES
from services.sales.clock import today
from services.sales.domain.commands import OrderLineWanted, PlaceOrder, RequestCompletion
from services.sales.domain.errors import LimitsExceeded
from services.sales.handlers.orders import place_order, request_completion
from services.sales.models import Order
from services.sales.settings import Settings
from tests.support.auth import as_counter
from tests.support.enrolments import enrolled_from
from tests.support.sales import (
    PRICES,
    accepted,
    availability,
    commit_refused,
    committed,
    desk_on,
    expired,
    rejected,
    released,
)


@pytest.fixture
def desk(service_on_sqlite):
    return desk_on(service_on_sqlite("sales"))


def ended_by_inventory(desk, order, state: str) -> dict:
    """The order as sales shows it, checked to have been ended in ``state`` by inventory."""
    shown = desk.get(order)
    assert shown["state"] == state
    assert shown["ended_by"] == "inventory" and shown["ended_at"] is not None
    return shown


def test_placing_an_order_leaves_it_pending_and_asks_inventory(desk):
    code = desk.person()
    order = desk.placed(code, ("card:orange:1000", 2))
    assert (order["state"], order["total_cents"], order["savings_cents"]) == ("pending", 500, 1500)
    [placed] = desk.emitted("sales.order.placed")
    assert placed["data"]["beneficiary_code"] == code
    assert placed["data"]["lines"][0] == {
        "line_id": order["lines"][0]["id"],
        "product_key": "card:orange:1000",
        "quantity": 2,
        "device_id": None,
    }
    assert "Jeanne" not in str(placed)


def test_completion_asks_inventory_and_records_no_money_until_it_commits(desk):
    code = desk.person()
    order = desk.reserved(code, ("card:orange:1000", 1))
    assert order["state"] == "reserved" and order["expires_at"]

    asked = desk.complete(order, "card")

    assert asked.status_code == 202
    completing = asked.get_json()
    assert (completing["state"], completing["receipt_number"]) == ("completing", None)
    assert completing["completed_at"] is None and completing["ended_at"] is None
    [request] = desk.emitted("sales.order.completion_requested")
    assert request["data"]["reservation_id"] == order["reservation_id"]
    assert desk.emitted("sales.order.completed") == []
    assert desk.client.get(f"/orders/{order['id']}/receipt.pdf").status_code == 409

    desk.apply(committed(desk.get(order)))

    sold = desk.get(order)
    assert (sold["state"], sold["payment_method"]) == ("completed", "card")
    assert sold["receipt_number"] == f"{today().year}-000001"
    assert sold["ended_at"] == sold["completed_at"] is not None
    assert sold["ended_by"] == completing["completion_requested_by"] == sold["placed_by"]
    [completed] = desk.emitted("sales.order.completed")
    assert completed["data"]["reservation_id"] == order["reservation_id"]
    pdf = desk.client.get(f"/orders/{order['id']}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_refused_commit_ends_the_order_with_no_money_and_no_receipt(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    desk.complete(order, "cash")

    desk.apply(commit_refused(desk.get(order)))

    after = ended_by_inventory(desk, order, "completion_refused")
    assert (after["payment_method"], after["receipt_number"], after["completed_at"]) == (
        None,
        None,
        None,
    )
    assert "not sold" in after["end_reason"]
    assert desk.emitted("sales.order.completed") == []
    again = desk.complete(order)
    assert (again.status_code, again.get_json()["code"]) == (409, "sale-not-completed")
    assert again.get_json()["order_state"] == "completion_refused"


def test_completion_waits_for_inventory_and_answers_the_outcome(desk):
    sold_order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    refused_order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    for order, answer, expected in (
        (sold_order, committed, 200),
        (refused_order, commit_refused, 409),
    ):
        reply = threading.Timer(0.3, lambda o=order, a=answer: desk.apply(a(desk.get(o))))
        reply.start()
        response = desk.complete(order, wait=5)
        reply.join()
        assert response.status_code == expected, response.get_json()
    assert desk.get(sold_order)["state"] == "completed"
    problem = desk.complete(refused_order, wait=5).get_json()
    assert problem["code"] == "sale-not-completed" and problem["status"] == 409


def test_asking_again_while_completing_sends_one_request_and_answers_the_outcome(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    assert desk.complete(order).status_code == 202
    assert desk.complete(order, "card").status_code == 202
    assert len(desk.emitted("sales.order.completion_requested")) == 1
    desk.apply(committed(desk.get(order)))
    again = desk.complete(order, "card")
    assert again.status_code == 200
    assert again.get_json()["payment_method"] == "cash"  # the first request's, as paid


def test_while_completing_the_order_cannot_be_cancelled_and_ignores_expiry(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    desk.complete(order)
    refused = desk.cancel(order)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "illegal-order-step")
    desk.apply(expired(order), released(order))
    assert desk.get(order)["state"] == "completing"
    desk.apply(committed(desk.get(order), after_expiry=True))
    assert desk.get(order)["state"] == "completed"


def test_duplicate_and_late_commit_answers_change_nothing(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    desk.complete(order)
    answer = committed(desk.get(order))
    desk.apply(answer, answer, commit_refused(desk.get(order)), expired(order))
    after = desk.get(order)
    assert (after["state"], after["receipt_number"]) == ("completed", f"{today().year}-000001")
    assert len(desk.emitted("sales.order.completed")) == 1
    stray = desk.reserved(desk.person(), ("card:orange:1000", 1))
    desk.apply(committed(stray), commit_refused(stray))  # never asked: not a sale
    assert desk.get(stray)["state"] == "reserved"


def test_an_order_counts_in_the_month_it_was_placed_for_limits_and_impact(desk):
    code = desk.person()
    order = desk.reserved(code, ("card:orange:1000", 1))
    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=2)
    with desk.runtime.session_factory() as session:
        session.execute(update(Order).where(Order.id == order["id"]).values(placed_at=last_month))
        session.commit()
    desk.complete(order)
    desk.apply(committed(desk.get(order)))
    with desk.runtime.session_factory() as session:
        assert session.get(Order, order["id"]).sale_month == last_month.strftime("%Y-%m")
    rows = desk.client.get("/impact/monthly").get_json()
    assert [(row["month"], row["orders"]) for row in rows] == [(last_month.strftime("%Y-%m"), 1)]


def test_receipts_are_numbered_per_site_without_gaps(desk):
    other_site = desk.open_site()
    code = desk.person()
    first = desk.completed(code, ("card:orange:1000", 1))
    desk.cancel(desk.reserved(code, ("card:orange:1000", 1)))
    order = desk.order(code, ("card:orange:1000", 1), site_id=other_site).get_json()
    desk.apply(accepted(order))
    desk.complete(order)
    desk.apply(committed(desk.get(order)))
    at_other_site = desk.get(order)
    second = desk.completed(code, ("card:orange:1000", 1))
    year = today().year
    assert [first["receipt_number"], second["receipt_number"]] == [
        f"{year}-000001",
        f"{year}-000002",
    ]
    assert at_other_site["receipt_number"] == f"{year}-000001"


def test_rejected_order_keeps_inventory_reasons(desk):
    order = desk.placed(desk.person(), ("device:smartphone:b", 1))
    desk.apply(rejected(order))
    refused = ended_by_inventory(desk, order, "rejected")
    assert refused["refused_lines"][0]["reason"] == "out_of_stock"


def test_cancelling_a_reserved_order_tells_inventory_which_reservation(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    response = desk.cancel(order)
    assert response.get_json()["state"] == "cancelled"
    [cancelled] = desk.emitted("sales.order.cancelled")
    assert cancelled["data"]["reservation_id"] == order["reservation_id"]
    # the reason typed at the counter (personal) stays in sales; inventory gets a fixed one
    assert cancelled["data"]["reason"] == "cancelled in sales"
    assert response.get_json()["end_reason"] == "changed"
    desk.apply(released(order))
    assert desk.get(order)["state"] == "cancelled"


def test_an_acceptance_after_the_counter_cancelled_releases_the_stock_at_once(desk):
    order = desk.placed(desk.person(), ("card:orange:1000", 1))
    desk.cancel(order)
    late = accepted(order)
    desk.apply(late, late)
    assert desk.get(order)["state"] == "cancelled"
    first, second = desk.emitted("sales.order.cancelled")
    assert first["data"]["reservation_id"] is None
    assert second["data"]["reservation_id"] == late.data["reservation_id"]


def test_expired_reservation_expires_the_order_and_completion_is_refused_clearly(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    desk.apply(expired(order))
    ended_by_inventory(desk, order, "expired")
    response = desk.complete(order)
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "reservation-expired"
    assert problem["expires_at"] == order["expires_at"].replace("Z", "+00:00")
    assert desk.emitted("sales.order.completion_requested") == []


def test_a_completion_near_the_expiry_is_asked_all_the_same(desk):
    """Inventory decides: the hold is committed, or its items are taken back if still free."""
    order = desk.reserved(desk.person(), ("card:orange:1000", 1), minutes=0)
    assert desk.complete(order).status_code == 202
    assert len(desk.emitted("sales.order.completion_requested")) == 1


def test_late_and_duplicate_answers_change_nothing(desk):
    order = desk.placed(desk.person(), ("card:orange:1000", 1))
    desk.apply(expired(order))  # overtook the acceptance
    desk.apply(accepted(order), rejected(order))
    assert desk.get(order)["state"] == "expired"
    reserved = desk.reserved(desk.person(), ("card:orange:1000", 1))
    answer = accepted(reserved)
    desk.apply(answer, answer, rejected(reserved))
    assert desk.get(reserved)["state"] == "reserved"


def test_an_inventory_release_of_a_live_order_cancels_it(desk):
    order = desk.reserved(desk.person(), ("device:smartphone:b", 1))
    desk.apply(released(order, reason="device withdrawn"))
    after = desk.get(order)
    assert after["state"] == "cancelled" and "device withdrawn" in after["end_reason"]
    assert desk.emitted("sales.order.cancelled") == []


def test_commands_outside_the_saga_are_refused(desk):
    order = desk.placed(desk.person(), ("card:orange:1000", 1))
    response = desk.complete(order)
    assert (response.status_code, response.get_json()["code"]) == (409, "illegal-order-step")
    desk.cancel(order)
    again = desk.cancel(order)
    assert again.get_json()["order_state"] == "cancelled"


def waited_while_inventory_answers(desk, order, answer) -> tuple[dict, float]:
    """``GET /orders/<id>?wait=5`` while inventory's ``answer()`` is applied 0.3 s later:
    the order it returned and the seconds it took."""
    timer = threading.Timer(0.3, answer)
    started = time.monotonic()
    timer.start()
    response = desk.client.get(f"/orders/{order['id']}?wait=5")
    timer.join()
    return response.get_json(), time.monotonic() - started


def test_wait_returns_as_soon_as_inventory_answers(desk):
    order = desk.placed(desk.person(), ("card:orange:1000", 1))
    shown, took = waited_while_inventory_answers(desk, order, lambda: desk.apply(accepted(order)))
    assert shown["state"] == "reserved"
    assert 0.25 <= took < 2


def test_following_a_completion_waits_for_inventorys_commit(desk):
    order = desk.reserved(desk.person(), ("card:orange:1000", 1))
    assert desk.complete(order).status_code == 202
    shown, took = waited_while_inventory_answers(
        desk, order, lambda: desk.apply(committed(desk.get(order)))
    )
    assert shown["state"] == "completed"
    assert 0.25 <= took < 2


def test_wait_is_bounded_and_answers_pending_on_time_out(service_on_sqlite):
    desk = desk_on(service_on_sqlite("sales", own=Settings(max_wait_seconds=0.3)))
    order = desk.placed(desk.person(), ("card:orange:1000", 1))
    started = time.monotonic()
    response = desk.client.get(f"/orders/{order['id']}?wait=30")
    assert response.get_json()["state"] == "pending"
    assert 0.25 <= time.monotonic() - started < 1.5


# eligibility at order time --------------------------------------------------------------------


def test_orders_are_refused_before_and_after_the_enrolment(desk):
    later = desk.person(starts_on=(date.today() + timedelta(days=3)).isoformat())
    lapsed = enrolled_from(desk, date.today() - timedelta(days=400))
    for code, state in ((later, "upcoming"), (lapsed, "expired")):
        response = desk.order(code, ("card:orange:1000", 1))
        assert response.status_code == 409
        problem = response.get_json()
        assert (problem["code"], problem["enrolment_state"]) == ("beneficiary-not-eligible", state)


def test_a_renewed_enrolment_can_order_again_but_only_one_renewal(desk):
    code = enrolled_from(desk, date.today() - timedelta(days=300))
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 409
    renewed = desk.client.post(f"/beneficiaries/{code}/renewal")
    assert renewed.get_json()["state"] == "renewed"
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201
    refused = desk.client.post(f"/beneficiaries/{code}/renewal")
    assert (refused.status_code, refused.get_json()["code"]) == (409, "renewal-refused")


def test_a_suspended_organisation_stops_its_referrals_ordering(desk):
    organisation = desk.organisation()
    code = desk.person(organisation=organisation)
    desk.client.put(f"/organisations/{organisation['id']}/approval", json={"approved": False})
    response = desk.order(code, ("card:orange:1000", 1))
    assert (response.status_code, response.get_json()["code"]) == (409, "referral-not-approved")


def test_a_closed_enrolment_cannot_order(desk):
    code = desk.person()
    desk.client.post(f"/beneficiaries/{code}/closure")
    assert desk.order(code, ("card:orange:1000", 1)).get_json()["enrolment_state"] == "closed"


# limits ---------------------------------------------------------------------------------------


def test_spending_cap_says_which_rule_and_by_how_much(desk):
    code = desk.person()
    desk.completed(code, ("card:orange:2000", 4))  # 2000 cents
    response = desk.order(code, ("card:orange:2000", 3))  # 1500 more
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "limit-exceeded"
    [breach] = problem["breaches"]
    assert breach["rule"] == "monthly-spending"
    assert (breach["maximum"], breach["already_used"], breach["requested"]) == (3000, 2000, 1500)
    assert breach["exceeded_by"] == 500


def test_cancelled_rejected_and_expired_orders_give_their_allowance_back(desk):
    code = desk.person()
    desk.cancel(desk.placed(code, ("card:orange:2000", 6)))
    desk.apply(rejected(desk.placed(code, ("card:orange:2000", 6))))
    gone = desk.placed(code, ("card:orange:2000", 6))
    desk.apply(expired(gone))
    assert desk.order(code, ("card:orange:2000", 6)).status_code == 201


def test_one_smartphone_per_twelve_months(desk):
    code = desk.person()
    phone = desk.completed(code, ("device:smartphone:b", 1))
    refused = desk.order(code, ("device:smartphone:b", 1))
    assert refused.get_json()["breaches"][0]["rule"] == "smartphone-per-12-months"
    with desk.runtime.session_factory() as session:
        long_ago = Order.placed_at - timedelta(days=366)
        session.execute(update(Order).where(Order.id == phone["id"]).values(placed_at=long_ago))
        session.commit()
    assert desk.order(code, ("device:smartphone:b", 1)).status_code == 201


def test_one_computer_per_enrolment(desk):
    code = desk.person()
    desk.completed(code, ("device:laptop:a", 1))
    refused = desk.order(code, ("device:laptop:a", 1)).get_json()
    assert refused["breaches"][0]["rule"] == "computer-per-enrolment"


def test_the_allowance_shows_each_rules_use_and_what_remains(desk):
    code = desk.person()
    desk.completed(code, ("card:orange:2000", 2))  # 1000 cents
    desk.cancel(desk.placed(code, ("card:orange:1000", 4)))  # gives its allowance back
    desk.placed(code, ("device:smartphone:b", 1))  # pending: held, so counted (1500 cents)
    rules = desk.client.get(f"/beneficiaries/{code}/allowance", headers=as_counter(desk.site_id))
    by_rule = {rule["rule"]: rule for rule in rules.get_json()}
    spending = by_rule["monthly-spending"]
    assert (spending["maximum"], spending["used"], spending["remaining"]) == (3000, 2500, 500)
    phones = by_rule["smartphone-per-12-months"]
    assert (phones["used"], phones["remaining"], phones["window"]) == (1, 0, "rolling_days")
    assert by_rule["computer-per-enrolment"]["remaining"] == 1
    refused = desk.order(code, ("card:orange:2000", 2)).get_json()
    assert refused["breaches"][0]["already_used"] == spending["used"]
    missing = desk.client.get("/beneficiaries/B-AAAAAAAAAAAAAAAA/allowance")
    assert missing.status_code == 404


def test_limits_are_configurable(desk):
    rule = {
        "measure": "units",
        "maximum": 1,
        "window": "calendar_month",
        "product_prefixes": ["card"],
    }
    assert desk.client.put("/limits/one-card-a-month", json=rule).status_code == 200
    assert (
        desk.client.put(
            "/limits/monthly-spending",
            json={"measure": "cents", "maximum": 100000, "window": "calendar_month"},
        ).status_code
        == 200
    )
    code = desk.person()
    refused = desk.order(code, ("card:orange:1000", 2)).get_json()
    assert [b["rule"] for b in refused["breaches"]] == ["one-card-a-month"]
    assert desk.client.delete("/limits/one-card-a-month").status_code == 204
    assert desk.order(code, ("card:orange:1000", 2)).status_code == 201
    bad = desk.client.put("/limits/x", json={**rule, "window": "rolling_days"})
    assert bad.status_code == 422


# the programme's calendar (Europe/Paris) at fixed moments --------------------------------------


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def enrolled_for(desk, moment: datetime) -> str:
    """A person enrolled from the first of ``moment``'s month, with prices in force then."""
    desk.publish_prices(valid_from="2027-01-01T00:00:00+00:00")
    return enrolled_from(desk, date(moment.year, moment.month, 1))


def place_at(desk, code: str, moment: datetime, *lines: tuple[str, int]) -> str:
    """Place an order at ``moment`` through the counter's use case; its id."""
    command = PlaceOrder(
        site_id=desk.site_id,
        beneficiary_code=code,
        lines=tuple(OrderLineWanted(key, quantity) for key, quantity in lines),
        actor="test counter",
        at=moment,
    )
    return place_order(desk.runtime.unit_of_work(), command).id


def sell_at(desk, code: str, moment: datetime, *lines: tuple[str, int]) -> dict:
    """Place an order at ``moment``, let inventory reserve it, complete it at ``moment``."""
    order_id = place_at(desk, code, moment, *lines)
    desk.apply(accepted(desk.get({"id": order_id})))
    command = RequestCompletion(order_id, "cash", "test counter", moment)
    request_completion(desk.runtime.unit_of_work(), command)
    desk.apply(committed(desk.get({"id": order_id}), at=moment))
    return desk.get({"id": order_id})


@pytest.mark.parametrize(
    ("last_evening", "first_night", "months"),
    [
        # 23:30 and 00:30 in Paris, winter time (UTC+1)
        (utc(2027, 2, 28, 22, 30), utc(2027, 2, 28, 23, 30), ("2027-02", "2027-03")),
        # summer time (UTC+2, since 28 March)
        (utc(2027, 3, 31, 21, 30), utc(2027, 3, 31, 22, 30), ("2027-03", "2027-04")),
        # back to winter time that very day
        (utc(2027, 10, 31, 22, 30), utc(2027, 10, 31, 23, 30), ("2027-10", "2027-11")),
    ],
)
def test_an_order_at_half_past_midnight_in_paris_counts_in_the_new_month(
    desk, last_evening, first_night, months
):
    code = enrolled_for(desk, last_evening)
    sell_at(desk, code, last_evening, ("card:orange:2000", 4))  # 2000 cents, the old month
    sell_at(desk, code, first_night, ("card:orange:2000", 4))  # 2000 more: a new month began
    with pytest.raises(LimitsExceeded) as refused:
        place_at(desk, code, first_night + timedelta(hours=1), ("card:orange:2000", 3))
    [breach] = refused.value.breaches
    assert (breach.already_used, breach.exceeded_by) == (2000, 500)
    assert breach.window_start == (first_night - timedelta(minutes=30)).isoformat()
    rows = desk.client.get("/impact/monthly").get_json()
    assert [(row["month"], row["orders"]) for row in rows] == [(months[0], 1), (months[1], 1)]


def test_sale_receipts_are_numbered_by_the_paris_year_at_new_year(desk):
    code = enrolled_for(desk, utc(2027, 12, 1))
    numbers = [
        sell_at(desk, code, moment, ("card:orange:1000", 1))["receipt_number"]
        for moment in (
            utc(2027, 12, 31, 22, 30),  # 23:30 on 31 December in Paris
            utc(2027, 12, 31, 23, 30),  # 00:30 on 1 January 2028
            utc(2028, 1, 1, 10),
        )
    ]
    assert numbers == ["2027-000001", "2028-000001", "2028-000002"]
    months = [row["month"] for row in desk.client.get("/impact/monthly").get_json()]
    assert months == ["2027-12", "2028-01"]


def test_a_bad_programme_time_zone_stops_the_service_at_start(sqlite_settings, monkeypatch):
    monkeypatch.setenv("PROGRAMME_TIMEZONE", "Paris")
    with pytest.raises(ValueError, match="PROGRAMME_TIMEZONE"):
        SALES.runtime(sqlite_settings("sales"))


# prices and catalogue -------------------------------------------------------------------------


def test_a_sale_keeps_its_price_when_the_grid_changes(desk):
    code = desk.person()
    sold = desk.completed(code, ("card:orange:1000", 2))
    dearer = [
        {**entry, "solidarity_cents": entry["solidarity_cents"] + 100} for entry in PRICES[:4]
    ]
    new_grid = desk.publish_prices(dearer)
    after = desk.get(sold)
    assert after["lines"][0]["unit_solidarity_cents"] == 250
    assert after["lines"][0]["grid_version"] == new_grid["version"] - 1
    assert after["total_cents"] == 500
    assert desk.client.get("/impact").get_json()["revenue_cents"] == 500
    next_order = desk.placed(code, ("card:orange:1000", 1))
    assert (next_order["total_cents"], next_order["lines"][0]["grid_version"]) == (
        350,
        new_grid["version"],
    )


def test_an_unpriced_product_cannot_be_ordered(desk):
    response = desk.order(desk.person(), ("card:bouygues:500", 1))
    assert (response.status_code, response.get_json()["product_keys"]) == (
        422,
        ["card:bouygues:500"],
    )


def test_a_grid_in_force_later_does_not_price_today(desk):
    from datetime import UTC, datetime

    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    desk.publish_prices([{**PRICES[0], "solidarity_cents": 1}], valid_from=later)
    assert desk.client.get("/price-grids/current").get_json()["version"] == 1
    assert desk.placed(desk.person(), ("card:orange:1000", 1))["total_cents"] == 250


def test_catalogue_shows_available_products_with_prices_and_ignores_stale_counts(desk):
    site = desk.site_id
    desk.apply(
        availability(site, "device:smartphone:b", 3, 5, category="smartphone", cosmetic_grade="B"),
        availability(site, "device:smartphone:b", 9, 4, category="smartphone", cosmetic_grade="B"),
        availability(site, "card:sfr:500", 2, 1, operator="SFR", face_value_cents=500),
        availability(site, "card:orange:1000", 0, 7, operator="Orange", face_value_cents=1000),
    )
    items = desk.client.get(f"/sites/{site}/catalogue").get_json()
    assert [(i["product_key"], i["available"]) for i in items] == [
        ("device:smartphone:b", 3),
        ("card:sfr:500", 2),
    ]
    assert items[0]["price"] == {
        "market_cents": 12000,
        "solidarity_cents": 1500,
        "saving_cents": 10500,
        "grid_version": 1,
    }
    assert items[1]["price"] is None


# the counter's requests -----------------------------------------------------------------------


def test_an_order_is_placed_by_a_counter_key_at_a_known_counter(desk):
    code = desk.person()
    body = {"beneficiary_code": code, "lines": [{"product_key": "card:orange:1000"}]}
    by_admin = desk.client.post("/orders", json=body)
    assert (by_admin.status_code, by_admin.get_json()["code"]) == (403, "forbidden")
    placed = desk.order(code, ("card:orange:1000", 1)).get_json()
    assert placed["site_id"] == desk.site_id
    assert placed["placed_by"].startswith("test counter [")
    unknown = desk.order(code, ("card:orange:1000", 1), site_id=str(uuid.uuid4()))
    assert (unknown.status_code, unknown.get_json()["code"]) == (422, "unknown-counter-site")


@pytest.mark.parametrize(
    "body",
    [
        {"beneficiary_code": "B-AAAAAAAAAAAAAAAA", "lines": []},
        {"beneficiary_code": "jeanne", "lines": [{"product_key": "card:orange:1000"}]},
        {"beneficiary_code": "B-AAAAAAAAAAAAAAAA", "lines": [{"product_key": "DROP TABLE"}]},
        {
            "beneficiary_code": "B-AAAAAAAAAAAAAAAA",
            "lines": [{"product_key": "card:x:1", "quantity": "2"}],
        },
        {
            "beneficiary_code": "B-AAAAAAAAAAAAAAAA",
            "lines": [{"product_key": "card:x:1", "device_id": str(uuid.uuid4())}],
        },
        {
            "beneficiary_code": "B-AAAAAAAAAAAAAAAA",
            "lines": [{"product_key": "card:x:1"}],
            "price": 0,
        },
        [],
    ],
)
def test_bad_orders_are_client_errors(desk, body):
    response = desk.client.post("/orders", json=body, headers=as_counter(desk.site_id))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_unknown_people_and_orders_are_not_found(desk):
    response = desk.order("B-AAAAAAAAAAAAAAAA", ("card:orange:1000", 1))
    assert (response.status_code, response.get_json()["code"]) == (404, "beneficiary-not-found")
    assert desk.client.get(f"/orders/{uuid.uuid4()}").status_code == 404
    assert desk.client.get("/orders/not-a-uuid").status_code == 404
    assert desk.client.get(f"/orders/{uuid.uuid4()}?wait=forever").status_code == 422


def test_a_device_line_names_the_device_for_inventory(desk):
    device_id = str(uuid.uuid4())
    body = {
        "beneficiary_code": desk.person(),
        "lines": [{"product_key": "device:smartphone:b", "device_id": device_id}],
    }
    response = desk.client.post("/orders", json=body, headers=as_counter(desk.site_id))
    assert response.get_json()["lines"][0]["device_id"] == device_id
    assert desk.emitted("sales.order.placed")[0]["data"]["lines"][0]["device_id"] == device_id


def test_placing_is_idempotent_with_a_key(desk):
    code = desk.person()
    body = {"beneficiary_code": code, "lines": [{"product_key": "card:orange:1000"}]}
    first = desk.client.post(
        "/orders", json=body, headers={**as_counter(desk.site_id), "Idempotency-Key": "order-1"}
    )
    again = desk.client.post(
        "/orders", json=body, headers={**as_counter(desk.site_id), "Idempotency-Key": "order-1"}
    )
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(desk.emitted("sales.order.placed")) == 1


def test_orders_are_listed_by_site_state_and_person(desk):
    code = desk.person()
    desk.placed(code, ("card:orange:1000", 1))
    desk.completed(code, ("card:orange:1000", 1))
    listed = desk.client.get(f"/orders?beneficiary_code={code}&state=completed").get_json()
    assert listed["total"] == 1 and listed["items"][0]["state"] == "completed"


def test_every_event_sales_subscribes_to_has_a_handler():
    from services.common.events.topology import SUBSCRIPTIONS

    assert set(SALES.handlers) == set(SUBSCRIPTIONS["sales"])
