"""Sales' plain-Python rules: enrolment and eligibility, limits on the programme's calendar,
prices, the order table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.sales.clock import civil, month_of
from services.sales.domain import enrolment as e
from services.sales.domain.errors import NotEligible, RenewalRefused
from services.sales.domain.limits import (
    DEFAULT_RULES,
    LimitRule,
    Purchase,
    breaches,
    covers,
    window_start,
)
from services.sales.domain.orders import TERMINAL, next_state
from services.sales.domain.pricing import Price, PricedLine, family_of, unpriced

POLICY = e.EnrolmentPolicy(months=9, renewal_months=9, max_renewals=1)
START = date(2026, 1, 15)
NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


# enrolment ------------------------------------------------------------------------------------


def test_enrolment_lasts_nine_months_to_the_day_before():
    assert e.enrol(START, POLICY) == e.Enrolment(START, date(2026, 10, 14))


def test_adding_months_clamps_to_the_end_of_a_shorter_month():
    assert e.add_months(date(2026, 5, 31), 9) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 1, 14), "upcoming"),
        (START, "active"),
        (date(2026, 10, 14), "active"),
        (date(2026, 10, 15), "expired"),
    ],
)
def test_state_follows_the_dates(today, state):
    assert e.state_on(e.enrol(START, POLICY), today) == state


def test_eligible_only_during_the_enrolment():
    enrolment = e.enrol(START, POLICY)
    e.require_eligible(enrolment, date(2026, 3, 1))
    with pytest.raises(NotEligible, match="starts on 2026-01-15") as before:
        e.require_eligible(enrolment, date(2026, 1, 1))
    with pytest.raises(NotEligible, match="ended on 2026-10-14") as after:
        e.require_eligible(enrolment, date(2026, 10, 15))
    assert (before.value.details(), after.value.details()) == (
        {"enrolment_state": "upcoming"},
        {"enrolment_state": "expired"},
    )


def test_renewal_runs_on_from_the_current_end_and_is_allowed_once():
    renewed = e.renew(e.enrol(START, POLICY), date(2026, 10, 1), POLICY)
    assert (renewed.ends_on, renewed.renewals) == (date(2027, 7, 14), 1)
    assert e.state_on(renewed, date(2027, 7, 14)) == "renewed"
    assert e.state_on(renewed, date(2027, 7, 15)) == "expired"
    with pytest.raises(RenewalRefused, match="1 time"):
        e.renew(renewed, date(2027, 7, 1), POLICY)


def test_a_lapsed_enrolment_renews_from_today():
    renewed = e.renew(e.enrol(START, POLICY), date(2026, 12, 1), POLICY)
    assert renewed.ends_on == date(2027, 8, 31)


def test_a_closed_enrolment_is_neither_eligible_nor_renewable():
    closed = e.Enrolment(START, date(2026, 10, 14), closed_on=date(2026, 3, 1))
    assert e.state_on(closed, date(2026, 3, 1)) == "closed"
    with pytest.raises(NotEligible):
        e.require_eligible(closed, date(2026, 3, 2))
    with pytest.raises(RenewalRefused):
        e.renew(closed, date(2026, 3, 2), POLICY)


def test_durations_are_settings():
    policy = e.EnrolmentPolicy(months=6, renewal_months=12, max_renewals=2)
    twice = e.renew(e.renew(e.enrol(START, policy), START, policy), START, policy)
    assert (twice.ends_on, twice.renewals) == (date(2028, 7, 14), 2)


# limits ---------------------------------------------------------------------------------------

SPENDING, SMARTPHONE, COMPUTER = DEFAULT_RULES


def bought(key, quantity=1, cents=0, days_ago=0):
    return Purchase(key, quantity, cents, NOW - timedelta(days=days_ago))


def check(history, basket, rules=DEFAULT_RULES, enrolled_on=START):
    return breaches(rules, history, basket, NOW, enrolled_on)


def test_monthly_spending_cap_counts_this_calendar_month_only():
    history = [bought("card:orange:1000", cents=2000, days_ago=5)]  # 15 June
    history.append(bought("card:orange:1000", cents=2500, days_ago=25))  # May: not counted
    assert check(history, [bought("card:orange:1000", cents=1000)]) == []
    [breach] = check(history, [bought("card:orange:2000", cents=1500)])
    assert breach.rule == "monthly-spending"
    assert (breach.maximum, breach.already_used, breach.requested) == (3000, 2000, 1500)
    assert breach.exceeded_by == 500
    assert breach.window_start == "2026-06-01T00:00:00+00:00"


def test_one_smartphone_per_rolling_twelve_months():
    old = [bought("device:smartphone:b", days_ago=366)]
    assert check(old, [bought("device:smartphone:a")]) == []
    recent = [bought("device:smartphone:c", days_ago=300)]
    [breach] = check(recent, [bought("device:smartphone:a")])
    assert (breach.rule, breach.exceeded_by) == ("smartphone-per-12-months", 1)


def test_one_computer_per_enrolment_counts_laptops_and_desktops_together():
    history = [bought("device:desktop:b", days_ago=100)]  # 12 March
    [breach] = check(history, [bought("device:laptop:a")])
    assert breach.rule == "computer-per-enrolment"
    assert check(history, [bought("device:laptop:a")], enrolled_on=date(2026, 2, 1)) != []
    assert check(history, [bought("device:laptop:a")], enrolled_on=date(2026, 6, 1)) == []


def test_a_basket_alone_can_pass_a_unit_cap():
    [breach] = check([], [bought("device:smartphone:b", quantity=2)])
    assert (breach.already_used, breach.requested, breach.exceeded_by) == (0, 2, 1)


def test_rules_only_see_the_products_they_cover():
    assert covers(SMARTPHONE, "device:smartphone:b")
    assert not covers(SMARTPHONE, "device:smartphone_case:B")
    assert not covers(SMARTPHONE, "device:laptop:a")
    assert covers(SPENDING, "allowance:data_mb")
    assert check([bought("device:smartphone:b", days_ago=1)], [bought("card:orange:1000")]) == []


def test_every_breach_is_reported_at_once():
    rules = (
        *DEFAULT_RULES,
        LimitRule("cards-per-month", "units", 2, "calendar_month", None, ("card",)),
    )
    basket = [bought("card:orange:1000", quantity=3, cents=3300)]
    assert [b.rule for b in check([], basket, rules)] == ["monthly-spending", "cards-per-month"]


# the programme's calendar (Europe/Paris) ------------------------------------------------------

PARIS = ZoneInfo("Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "month_starts"),
    [
        (utc(2027, 2, 28, 23, 30), utc(2027, 2, 28, 23)),  # 00:30 on 1 March in Paris (UTC+1)
        (utc(2027, 3, 31, 22, 30), utc(2027, 3, 31, 22)),  # 00:30 on 1 April (summer time, +2)
        (utc(2027, 3, 28, 12), utc(2027, 2, 28, 23)),  # summer time began today, March in winter
        (utc(2027, 10, 31, 0, 30), utc(2027, 9, 30, 22)),  # 02:30 summer time, 31 October
        (utc(2027, 10, 31, 1, 30), utc(2027, 9, 30, 22)),  # 02:30 again, winter time
        (utc(2027, 10, 31, 22, 30), utc(2027, 9, 30, 22)),  # 23:30, still October
        (utc(2027, 10, 31, 23, 30), utc(2027, 10, 31, 23)),  # 00:30 on 1 November (+1)
    ],
)
def test_the_calendar_month_is_the_one_of_paris_across_midnight_and_clock_changes(
    now, month_starts
):
    start = window_start(SPENDING, now.astimezone(PARIS), START)
    assert (start, start.utcoffset()) == (month_starts, timedelta(0))


def test_a_purchase_at_half_past_midnight_in_paris_counts_in_the_new_month():
    now = utc(2027, 3, 10, 12).astimezone(PARIS)
    history = [
        Purchase("card:orange:2000", 4, 2000, utc(2027, 2, 28, 23, 30)),  # 00:30 on 1 March
        Purchase("card:orange:2000", 2, 1000, utc(2027, 2, 28, 22, 30)),  # 23:30 on 28 February
    ]
    basket = [Purchase("card:orange:2000", 3, 1500, now)]
    [breach] = breaches([SPENDING], history, basket, now, START)
    assert (breach.already_used, breach.exceeded_by) == (2000, 500)
    assert breach.window_start == "2027-02-28T23:00:00+00:00"


def test_the_enrolment_window_opens_at_midnight_in_paris():
    now, enrolled_on = utc(2027, 6, 20, 12).astimezone(PARIS), date(2027, 6, 1)
    basket = [Purchase("device:laptop:a", 1, 2500, now)]
    on_the_eve = Purchase("device:laptop:a", 1, 2500, utc(2027, 5, 31, 21, 30))  # 23:30, 31 May
    first_hour = Purchase("device:laptop:a", 1, 2500, utc(2027, 5, 31, 22, 30))  # 00:30, 1 June
    assert breaches([COMPUTER], [on_the_eve], basket, now, enrolled_on) == []
    assert breaches([COMPUTER], [first_hour], basket, now, enrolled_on) != []


def test_days_and_months_follow_the_programme_time_zone_setting(monkeypatch):
    moment = utc(2027, 2, 28, 23, 30)
    assert (month_of(moment), civil(moment).date()) == ("2027-03", date(2027, 3, 1))
    assert month_of(moment.replace(tzinfo=None)) == "2027-03"  # SQLite hands UTC back naive
    monkeypatch.setenv("PROGRAMME_TIMEZONE", "America/Cayenne")  # UTC-3, no summer time
    assert (month_of(moment), month_of(utc(2027, 3, 1, 2, 30))) == ("2027-02", "2027-02")
    monkeypatch.setenv("PROGRAMME_TIMEZONE", "Europe/Lutece")
    with pytest.raises(ValueError, match="PROGRAMME_TIMEZONE must be an IANA time zone"):
        month_of(moment)


# prices and orders ----------------------------------------------------------------------------


def test_families_come_from_the_product_key():
    assert [family_of(k) for k in ("device:laptop:a", "card:sfr:500", "allowance:minutes")] == [
        "device",
        "prepaid_card",
        "allowance",
    ]


def test_a_priced_line_knows_its_amount_and_saving():
    price = Price("card:orange:1000", market_cents=1000, solidarity_cents=250, grid_version=3)
    assert PricedLine("card:orange:1000", 3, price).amount_cents == 750
    assert price.saving_cents == 750
    assert unpriced(
        ["card:orange:1000", "card:sfr:500", "card:sfr:500"], {price.product_key: price}
    ) == ["card:sfr:500"]


def test_the_order_table_follows_the_saga():
    assert next_state("pending", "accepted") == "reserved"
    assert next_state("pending", "rejected") == "rejected"
    assert next_state("reserved", "complete") == "completing"
    assert next_state("completing", "committed") == "completed"
    assert next_state("completing", "commit_refused") == "completion_refused"
    assert next_state("reserved", "expired") == "expired"
    assert next_state("pending", "complete") is None


@pytest.mark.parametrize("happening", ["expired", "released", "cancel", "complete"])
def test_a_completion_under_way_waits_for_inventorys_answer_alone(happening):
    assert next_state("completing", happening) is None


@pytest.mark.parametrize("state", TERMINAL)
@pytest.mark.parametrize(
    "happening",
    ["accepted", "rejected", "released", "expired", "cancel", "committed", "commit_refused"],
)
def test_terminal_states_absorb_every_late_fact(state, happening):
    assert next_state(state, happening) is None
