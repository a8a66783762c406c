"""The per-database cache of rarely changing rows: kept while fresh, per engine, never a
``None``; and through sales, a limit changed by the API applies to the very next order while
a site not yet known as a counter is looked up again."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.common import database_cache
from services.common.database_cache import DatabaseCache
from services.sales.app import SERVICE as SALES
from services.sales.models import LimitRuleRow
from services.sales.repository.limits import RULES_KEPT_SECONDS
from tests.support.sales import ready_desk


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(database_cache, "time", SimpleNamespace(monotonic=clock.monotonic))
    return clock


@pytest.fixture
def engines():
    first, second = create_engine("sqlite://"), create_engine("sqlite://")
    yield first, second
    first.dispose()
    second.dispose()


class Loader:
    """``load`` for a key: answers the next value and counts its calls."""

    def __init__(self, *values) -> None:
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.values.pop(0)


def test_a_value_is_loaded_once_while_fresh_and_again_once_expired(clock, engines):
    cache = DatabaseCache(seconds=5)
    load = Loader("v1", "v2")
    with Session(engines[0]) as session:
        assert cache.get(session, "k", load) == "v1"
        clock.now += 4.9
        assert cache.get(session, "k", load) == "v1"
        assert load.calls == 1
        clock.now += 0.1
        assert cache.get(session, "k", load) == "v2"
        assert load.calls == 2


def test_a_value_kept_for_ever_does_not_expire(clock, engines):
    cache = DatabaseCache(seconds=None)
    load = Loader(True, False)
    with Session(engines[0]) as session:
        cache.get(session, "site", load)
        clock.now += 10**9
        assert cache.get(session, "site", load) is True
    assert load.calls == 1


def test_none_is_never_kept(clock, engines):
    cache = DatabaseCache(seconds=None)
    load = Loader(None, None, "found", "not asked")
    with Session(engines[0]) as session:
        assert [cache.get(session, "k", load) for _ in range(4)] == [None, None, "found", "found"]
    assert load.calls == 3


def test_each_database_keeps_its_own_values(clock, engines):
    cache = DatabaseCache(seconds=60)
    with Session(engines[0]) as first, Session(engines[1]) as second:
        assert cache.get(first, "k", lambda: "first") == "first"
        assert cache.get(second, "k", lambda: "second") == "second"
        assert cache.get(first, "k", Loader()) == "first"  # kept: an empty Loader is not called
    with Session(engines[0]) as another_session_on_first:
        assert cache.get(another_session_on_first, "k", Loader()) == "first"


def test_clear_forgets_one_database_only(clock, engines):
    cache = DatabaseCache(seconds=60)
    with Session(engines[0]) as first, Session(engines[1]) as second:
        for session, value in ((first, "first"), (second, "second")):
            cache.get(session, "a", lambda value=value: value + "-a")
            cache.get(session, "b", lambda value=value: value + "-b")
        cache.clear(first)
        load = Loader("first-a again", "first-b again")
        assert [cache.get(first, key, load) for key in ("a", "b")] == [
            "first-a again",
            "first-b again",
        ]
        assert [cache.get(second, key, Loader()) for key in ("a", "b")] == ["second-a", "second-b"]


# through sales --------------------------------------------------------------------------------


@pytest.fixture
def desk(sqlite_settings):
    runtime = SALES.runtime(sqlite_settings("sales"))
    yield ready_desk(runtime)
    runtime.dispose()


ONE_CARD_A_MONTH = {
    "measure": "units",
    "maximum": 1,
    "window": "calendar_month",
    "product_prefixes": ["card"],
}


def test_a_limit_changed_through_the_api_applies_to_the_next_order_though_rules_are_kept(
    clock, desk
):
    code = desk.person()
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201  # the rules are now kept
    with desk.runtime.session_factory() as session:  # a change this process did not make ...
        session.add(LimitRuleRow(code="cards-written-directly", **ONE_CARD_A_MONTH))
        session.commit()
    clock.now += RULES_KEPT_SECONDS - 0.1
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201  # ... not seen yet

    assert desk.client.put("/limits/one-card-a-month", json=ONE_CARD_A_MONTH).status_code == 200
    refused = desk.order(code, ("card:orange:1000", 1))
    assert refused.status_code == 409
    assert [b["rule"] for b in refused.get_json()["breaches"]] == [
        "cards-written-directly",
        "one-card-a-month",
    ]

    assert desk.client.delete("/limits/cards-written-directly").status_code == 204
    refused = desk.order(code, ("card:orange:1000", 1))
    assert [b["rule"] for b in refused.get_json()["breaches"]] == ["one-card-a-month"]
    assert desk.client.delete("/limits/one-card-a-month").status_code == 204
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201


def test_rules_changed_elsewhere_are_seen_once_kept_long_enough(clock, desk):
    code = desk.person()
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201
    with desk.runtime.session_factory() as session:
        session.add(LimitRuleRow(code="one-card-a-month", **ONE_CARD_A_MONTH))
        session.commit()
    assert desk.order(code, ("card:orange:1000", 1)).status_code == 201
    clock.now += RULES_KEPT_SECONDS
    refused = desk.order(code, ("card:orange:1000", 1))
    assert refused.status_code == 409
    assert [b["rule"] for b in refused.get_json()["breaches"]] == ["one-card-a-month"]


def test_a_site_unknown_at_first_is_accepted_once_inventory_described_it(desk):
    code = desk.person()
    new_site = str(uuid.uuid4())
    unknown = desk.order(code, ("card:orange:1000", 1), site_id=new_site)
    assert (unknown.status_code, unknown.get_json()["code"]) == (422, "unknown-counter-site")
    enrolment = desk.enrol(home_site_id=new_site)
    assert (enrolment.status_code, enrolment.get_json()["code"]) == (422, "unknown-counter-site")

    desk.open_site(new_site)

    assert desk.order(code, ("card:orange:1000", 1), site_id=new_site).status_code == 201
    assert desk.enrol(home_site_id=new_site).status_code == 201


def test_a_site_that_is_not_a_counter_is_refused_every_time(desk):
    code = desk.person()
    workshop = desk.open_site(kind="workshop")
    for _ in range(2):
        refused = desk.order(code, ("card:orange:1000", 1), site_id=workshop)
        assert (refused.status_code, refused.get_json()["code"]) == (422, "unknown-counter-site")
