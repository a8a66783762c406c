"""``make run``'s living demo: months of a programme, seeded once, every invariant holding.

The system is started with the demo programme, stopped and started again on the same files:
the figures below are read from the second start, which must not have seeded anything more.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select

from services.demo.programme import COUNTERS, DEMO_PARTNER, WORKSHOP
from services.inventory.domain.discrepancies import SALE_MISMATCH
from services.inventory.handlers.checks import check_stock
from services.inventory.models import StockDiscrepancy
from services.sales.handlers.sale_check import publish_digest
from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until

TIMEOUT = 15


class Api:
    def __init__(self, system) -> None:
        self.url = f"{system.gateway_url}/api"
        self.keys = system.demo_keys

    def get(self, path: str, role: str = "admin", **params):
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        response = requests.get(
            f"{self.url}{path}", headers=headers, params=params, timeout=TIMEOUT
        )
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()

    def total(self, path: str, **params) -> int:
        return self.get(path, page_size=1, **params)["total"]


def counts(api: Api) -> dict[str, int]:
    """What a second seed would have added to."""
    return {
        "donations": api.total("/donations/donations"),
        "orders": api.total("/sales/orders"),
        "people": api.total("/sales/beneficiaries"),
        "transfers": api.total("/inventory/transfers"),
        "organisations": api.total("/sales/organisations"),
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    with embedded_system(data_dir, "demotest", demo_programme=True) as first:
        summary = first.demo_summary
        before = counts(Api(first))
    with embedded_system(data_dir, "demotest", demo_programme=True) as again:
        again.before, again.first_summary = before, summary
        yield again


def test_first_start_seeds_months_of_sales_within_the_time_allowed(demo):
    summary = demo.first_summary
    assert summary.orders["completed"] >= 60 and summary.orders["cancelled"] >= 3
    assert summary.orders["expired"] >= 1
    assert "rejected" not in summary.orders  # every counter sold from a catalogue in step
    assert summary.people >= 30 and summary.donations >= 6 and summary.transfers >= 8
    assert summary.seconds < 30  # ≤ 10 s on 2 cores alone; room for a busy test machine


def test_the_months_behind_have_their_reports_from_the_first_minute(demo):
    """Made by the seed as sales' worker makes them, not 10 minutes later at its first round."""
    months = [report["month"] for report in Api(demo).get("/sales/reports")]
    assert demo.first_summary.reports == len(months) >= 5
    assert months == sorted(months, reverse=True)  # newest first, one per month
    assert len(set(months)) == len(months)


def test_second_start_adds_nothing(demo):
    assert demo.demo_summary is None
    assert counts(Api(demo)) == demo.before


def test_dashboard_shows_people_sales_and_months(demo):
    api = Api(demo)
    impact = api.get("/sales/impact")
    assert impact["people_helped"] >= 20 and impact["orders"] >= 60 and impact["revenue_cents"] > 0
    months = {row["month"] for row in api.get("/sales/impact/monthly")}
    cities = {row["city"] for row in api.get("/sales/impact/monthly")}
    assert len(months) >= 6 and len(cities) >= 4


def test_workshop_board_has_every_state_and_weeks_of_throughput(demo):
    api = Api(demo)
    for state in ("received", "diagnosing", "wiping", "repairing", "grading", "available"):
        assert api.total("/inventory/devices", state=state) > 0, state
    scrapped = api.get("/inventory/devices", state="scrapped", page_size=1)["items"]
    assert api.get(f"/inventory/devices/{scrapped[0]['id']}")["scrap"]["recycler_name"]
    throughput = api.get("/inventory/workshop/throughput")
    busy_weeks = [week for week in throughput["weeks"] if week["made_available"]]
    assert len(busy_weeks) >= 8 and throughput["scrapped"] >= 1


def test_partner_sees_its_donations_receipts_and_impact(demo):
    api = Api(demo)
    partner = next(p for p in api.get("/donations/partners")["items"] if p["name"] == DEMO_PARTNER)
    donations = api.get("/donations/donations", role="partner")["items"]
    assert sum(d["state"] == "received" for d in donations) >= 3
    assert any(d["state"] == "announced" for d in donations)  # the workshop's next job
    impact = api.get(f"/donations/partners/{partner['id']}/impact", role="partner")
    assert impact["devices_sold"] > 0 and impact["cards_sold"] > 0
    assert len(impact["people_reached_by_city"]) >= 3


def test_referrers_people_and_prices_are_those_of_a_running_programme(demo):
    api = Api(demo)
    organisations = api.get("/sales/organisations")["items"]
    assert sorted(o["approved"] for o in organisations) == [False, True, True]
    assert api.get("/sales/price-grids/current")["version"] == 2
    people = api.get("/sales/beneficiaries", role="counter", page_size=100)["items"]
    ending_first = min(date.fromisoformat(person["ends_on"]) for person in people)
    assert ending_first - date.today() < timedelta(days=31)  # near the end of their enrolment
    assert ending_first > date.today()  # and still enrolled: there is time to renew
    assert api.total("/inventory/transfers", state="in_transit") > 0


def test_reconciliation_finds_nothing(demo):
    check_stock(demo.runtimes["inventory"])
    api = Api(demo)
    assert api.get("/inventory/stock/discrepancies", state="all")["items"] == []
    completed = api.total("/sales/orders", state="completed")
    assert api.total("/inventory/reservations", state="committed") == completed


def test_receptions_kept_their_differences(demo):
    api = Api(demo)
    received = api.get("/donations/donations", state="received", page_size=100)["items"]
    lines = [line for donation in received for line in donation["lines"]]
    short = [
        line
        for line in lines
        if line["received_quantity"] != line["expected_quantity"] and line["missing_identifiers"]
    ]
    assert short, "no reception with announced identifiers missing"
    for line in short:  # each missing identifier is a unit fewer than announced
        assert line["received_quantity"] <= line["expected_quantity"] - len(
            line["missing_identifiers"]
        )
    beyond = [
        line
        for line in lines
        if line["kind"] == "hardware_lot"
        and line["received_quantity"] > line["expected_quantity"]
        and len(line["imeis"]) + len(line["serials"]) > line["expected_quantity"]
    ]
    assert beyond, "no unit received beyond the announcement, with its identifier"
    assert any(
        line["kind"] == "prepaid_cards" and line["received_quantity"] < line["expected_quantity"]
        for line in lines
    ), "no card counted short"


def test_cards_are_in_custody_and_allowances_in_stock(demo):
    api = Api(demo)
    sites = {site["name"]: site["id"] for site in api.get("/inventory/sites")}
    in_stock = {
        name: api.total("/inventory/cards", state="in_stock", site_id=sites[name])
        for name in (WORKSHOP, *COUNTERS)
    }
    assert in_stock[WORKSHOP] > 0, in_stock
    assert sum(in_stock[name] > 0 for name in COUNTERS) >= 2, in_stock  # shipped to counters
    assert api.total("/inventory/cards", state="revealed") + api.total(
        "/inventory/cards", state="sold"
    )
    allowances = api.get("/inventory/stock", family="allowance", page_size=100)["items"]
    assert {level["unit"] for level in allowances if level["available"]} >= {"minutes", "data_mb"}
    assert any(level["sold"] for level in allowances)


def test_sale_cross_check_finds_nothing_disputed(demo):
    """Sales' digest of its completed orders against inventory's committed reservations,
    twice (a bucket counts only when a later round still disagrees), through the events."""
    sales, inventory = demo.runtimes["sales"], demo.runtimes["inventory"]
    inbox = inventory.tables.inbox

    def digests_taken_in() -> int:
        with inventory.engine.connect() as connection:
            return connection.scalar(
                select(func.count())
                .select_from(inbox)
                .where(inbox.c.event_type == "sales.sale_digest.published")
            )

    for _ in range(2):
        before = digests_taken_in()
        assert publish_digest(sales) >= 60  # the completed orders digested
        wait_until(lambda before=before: digests_taken_in() > before, timeout=TIMEOUT)
    with inventory.engine.connect() as connection:
        found = connection.scalars(
            select(StockDiscrepancy).where(StockDiscrepancy.kind == SALE_MISMATCH)
        ).all()
    assert found == []  # not even a first sighting
    assert (
        Api(demo).get("/inventory/stock/discrepancies", kind=SALE_MISMATCH, state="all")["items"]
        == []
    )
