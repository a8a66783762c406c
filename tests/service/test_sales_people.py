"""Referrals, enrolment, erasure of personal data, programme impact, and the migrations."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select, text

from services.common.migrations import upgrade
from services.sales.clock import month_of, today
from services.sales.domain.enrolment import EnrolmentPolicy, add_months
from services.sales.handlers.people import PERSONAL_FIELDS, erase_due
from services.sales.models import IDEMPOTENCY, Beneficiary, metadata
from services.sales.settings import Settings
from tests.support.auth import as_counter, as_role
from tests.support.enrolments import enrolled_from
from tests.support.sales import accepted, committed, desk_on, event
from tests.support.services import migrated, schema_differences

NAME, CONTACT, REASON = "Jeanne D.", "06 12 34 56 78", "hébergée en CHRS, recherche d'emploi"


@pytest.fixture
def desk(service_on_sqlite):
    return desk_on(service_on_sqlite("sales"))


def test_the_migrations_build_the_models_and_seed_the_default_limits(tmp_path):
    with migrated(tmp_path, "sales") as engine, engine.connect() as connection:
        assert schema_differences(connection, metadata) == []
        rules = connection.execute(text("SELECT code, maximum FROM limit_rules ORDER BY code"))
        assert rules.all() == [
            ("computer-per-enrolment", 1),
            ("monthly-spending", 3000),
            ("smartphone-per-12-months", 1),
        ]


# referrals and enrolment ----------------------------------------------------------------------


def test_referrals_count_only_once_the_organisation_is_approved(desk):
    organisation = desk.organisation(approved=False)
    refused = desk.enrol(organisation)
    assert (refused.status_code, refused.get_json()["code"]) == (409, "referral-not-approved")
    approval = desk.client.put(
        f"/organisations/{organisation['id']}/approval",
        json={"approved": True},
        headers=as_role("admin", name="Programme admin"),
    ).get_json()
    assert approval["approved"] is True
    assert approval["approved_by"].startswith("Programme admin [")
    assert desk.enrol(organisation).status_code == 201
    listed = desk.client.get("/organisations?approved=true").get_json()
    assert organisation["id"] in [item["id"] for item in listed["items"]]


def test_enrolment_gives_a_random_pseudonymous_code_and_nine_months(desk):
    first, second = (desk.enrol().get_json() for _ in range(2))
    assert first["code"].startswith("B-") and len(first["code"]) == 18
    assert first["code"] != second["code"]
    assert first["state"] == "active"
    today = date.today()
    assert date.fromisoformat(first["ends_on"]) > today + timedelta(days=265)
    assert desk.client.get(f"/beneficiaries/{first['code']}").get_json()["display_name"] == NAME


def test_enrolment_durations_come_from_the_settings(service_on_sqlite):
    settings = Settings(enrolment=EnrolmentPolicy(months=1))
    desk = desk_on(service_on_sqlite("sales", own=settings))
    person = desk.enrol().get_json()
    assert person["ends_on"] == (add_months(today(), 1) - timedelta(days=1)).isoformat()


@pytest.mark.parametrize("days", [-32, 32, -365 * 126, 365 * 173])
def test_an_enrolment_starting_beyond_31_days_of_today_is_refused_unwritten(desk, days):
    organisation = desk.organisation()
    starts_on = (today() + timedelta(days=days)).isoformat()

    refused = desk.enrol(organisation, starts_on=starts_on)

    problem = refused.get_json()
    assert (refused.status_code, problem["code"]) == (422, "start-out-of-window")
    assert list(problem["errors"]["json"]) == ["starts_on"]
    assert desk.client.get("/beneficiaries").get_json()["total"] == 0


@pytest.mark.parametrize("days", [-31, 0, 31])
def test_an_enrolment_starts_within_31_days_of_today(desk, days):
    starts_on = (today() + timedelta(days=days)).isoformat()
    enrolled = desk.enrol(starts_on=starts_on)
    assert (enrolled.status_code, enrolled.get_json()["starts_on"]) == (201, starts_on)


def test_enrolment_refuses_unknown_sites_contacts_and_extra_fields(desk):
    organisation = desk.organisation()
    other = desk.organisation()
    assert desk.enrol(organisation, home_site_id=desk.open_site(kind="workshop")).status_code == 422
    foreign = desk.enrol(organisation, social_worker_id=other["contacts"][0]["id"])
    assert foreign.get_json()["code"] == "social-worker-not-found"
    assert desk.enrol(organisation, birth_date="1980-01-01").status_code == 422


def search(desk, headers=None, **body):
    return desk.client.post("/beneficiaries/search", json=body, headers=headers)


def test_a_person_is_found_by_part_of_their_name_whatever_case_and_accents(desk):
    organisation = desk.organisation()
    for name in ("Hélène Dupont", "Jeanne D.", "Zoé  MARTIN"):
        desk.person(organisation=organisation, display_name=name)
    elsewhere = desk.open_site()
    desk.person(organisation=organisation, display_name="Hélène B.", home_site_id=elsewhere)

    def found(headers=None, **body) -> list[str]:
        answer = search(desk, headers, **body)
        assert answer.status_code == 200, answer.get_json()
        return [person["display_name"] for person in answer.get_json()["items"]]

    assert found(name="helene") == ["Hélène Dupont", "Hélène B."]
    assert found(as_counter(desk.site_id), name="HÉLÈNE") == ["Hélène Dupont"]
    assert found(name=" zoe martin ") == ["Zoé  MARTIN"]
    assert found(name="%") == found(name="_") == []  # wildcards are plain characters
    page = search(desk, name="e", page_size=2).get_json()
    assert (page["total"], len(page["items"])) == (4, 2)  # still paginated


def test_a_name_never_travels_in_a_url(desk):
    desk.person(display_name="Hélène Dupont")
    refused = desk.client.get("/beneficiaries?name=dupont")
    assert refused.status_code == 422 and "name" in refused.get_json()["errors"]["query"]


def test_a_counter_lists_and_searches_only_the_people_of_its_own_site(desk):
    organisation = desk.organisation()
    here = desk.person(organisation=organisation, display_name="Hélène Ici")
    elsewhere = desk.open_site()
    there = desk.person(
        organisation=organisation, display_name="Hélène Ailleurs", home_site_id=elsewhere
    )
    counter = as_counter(desk.site_id)

    def codes(page) -> list[str]:
        assert page.status_code == 200, page.get_json()
        return [person["code"] for person in page.get_json()["items"]]

    assert codes(desk.client.get("/beneficiaries", headers=counter)) == [here]
    assert codes(desk.client.get(f"/beneficiaries?home_site_id={elsewhere}", headers=counter)) == []
    assert codes(search(desk, counter, name="helene")) == [here]
    assert codes(search(desk, counter, name="ailleurs")) == []
    assert codes(desk.client.get("/beneficiaries")) == [here, there]  # an admin sees all
    reached = desk.client.get(f"/beneficiaries/{there}", headers=counter)  # by exact code
    assert (reached.status_code, reached.get_json()["display_name"]) == (200, "Hélène Ailleurs")


def test_erased_people_are_never_found_by_name_and_auditors_cannot_search(desk):
    code = desk.person(display_name="Hélène Dupont")
    counter = as_role("counter", site_id=desk.site_id)
    assert search(desk, counter, name="dupont").get_json()["total"] == 1
    desk.client.post(f"/beneficiaries/{code}/erasure")
    assert search(desk, counter, name="dupont").get_json()["total"] == 0

    refused = search(desk, as_role("auditor"), name="dupont")
    assert (refused.status_code, refused.get_json()["code"]) == (403, "forbidden")
    assert search(desk, name=" ").status_code == 422


def test_the_migration_folds_the_names_of_people_enrolled_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    upgrade("sales", url, revision="0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO beneficiaries (id, code, display_name, home_site_id, "
                "organisation_id, referred_on, starts_on, ends_on, renewals, version, "
                "created_at, created_by) VALUES ('p1', 'B-1', 'Élodie M.', 's', 'o', "
                "'2026-01-01', '2026-01-01', '2026-09-30', 0, 1, '2026-01-01', 'test')"
            )
        )
    upgrade("sales", url)
    with engine.connect() as connection:
        folded = connection.scalar(text("SELECT display_name_folded FROM beneficiaries"))
    engine.dispose()
    assert folded == "elodie m."


def test_the_migration_moves_sales_completed_just_after_midnight_in_paris_to_their_month(
    tmp_path,
):
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    upgrade("sales", url, revision="0003")
    engine = create_engine(url)
    with engine.begin() as connection:
        for order, completed_at in (("o1", "2027-02-28 23:30:00"), ("o2", "2027-02-28 22:30:00")):
            connection.execute(
                text(
                    "INSERT INTO orders (id, site_id, beneficiary_id, beneficiary_code, state, "
                    "version, total_cents, market_total_cents, placed_at, placed_by, "
                    "completed_at, completed_month) VALUES (:order, 's', 'p', 'B-1', "
                    "'completed', 3, 250, 1000, :at, 'test', :at, '2027-02')"
                ),
                {"order": order, "at": completed_at},
            )
    upgrade("sales", url, revision="0004")
    with engine.connect() as connection:
        months = connection.execute(text("SELECT id, completed_month FROM orders ORDER BY id"))
        assert months.all() == [("o1", "2027-03"), ("o2", "2027-02")]
    with engine.begin() as connection:  # o1 was placed the evening before, in February
        connection.execute(text("UPDATE orders SET placed_at = '2027-02-28 20:00:00'"))
    upgrade("sales", url)
    with engine.connect() as connection:
        months = connection.execute(text("SELECT id, sale_month FROM orders ORDER BY id"))
        assert months.all() == [("o1", "2027-02"), ("o2", "2027-02")]  # their placement month
    engine.dispose()


def test_contacts_named_by_referrals_are_kept(desk):
    organisation = desk.organisation()
    desk.enrol(organisation)
    response = desk.client.patch(
        f"/organisations/{organisation['id']}", json={"contacts": [{"name": "Autre"}]}
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "contacts-in-use")


# erasure --------------------------------------------------------------------------------------


def personal_values(runtime, code):
    with runtime.session_factory() as session:
        row = session.scalar(select(Beneficiary).where(Beneficiary.code == code))
        return {name: getattr(row, name) for name in PERSONAL_FIELDS}


def database_text(runtime) -> str:
    """Every value of every row of every table, as one string to search."""
    with runtime.engine.connect() as connection:
        return "\n".join(
            repr(row)
            for table in metadata.sorted_tables
            for row in connection.execute(select(table)).all()
        )


def test_erasure_on_request_leaves_no_personal_field_and_impact_unchanged(desk):
    code = desk.person()
    desk.completed(code, ("card:orange:1000", 2))
    impact_before = desk.client.get("/impact").get_json()
    monthly_before = desk.client.get("/impact/monthly").get_json()
    assert NAME in database_text(desk.runtime)

    erased = desk.client.post(f"/beneficiaries/{code}/erasure").get_json()

    assert personal_values(desk.runtime, code) == dict.fromkeys(PERSONAL_FIELDS)
    everything = database_text(desk.runtime)
    for value in (NAME, CONTACT, REASON):
        assert value not in everything
    assert (erased["state"], erased["display_name"]) == ("closed", None)
    assert desk.client.get("/impact").get_json() == impact_before
    assert desk.client.get("/impact/monthly").get_json() == monthly_before
    assert desk.client.get(f"/orders?beneficiary_code={code}").get_json()["total"] == 1


def test_erasure_removes_what_the_counter_typed_when_the_persons_order_ended(desk):
    code = desk.person()
    order = desk.placed(code, ("card:orange:1000", 1))
    said = "Mme Dupont-Secret a renoncé"
    cancelled = desk.client.post(
        f"/orders/{order['id']}/cancellation",
        json={"reason": said},
        headers=as_counter(desk.site_id),
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    assert desk.get(order)["end_reason"] == said

    desk.client.post(f"/beneficiaries/{code}/erasure")

    assert desk.get(order)["end_reason"] is None
    assert desk.get(order)["state"] == "cancelled"


def test_erasure_removes_stored_answers_that_repeat_personal_data(desk):
    organisation = desk.organisation()
    body = {
        "display_name": NAME,
        "home_site_id": desk.site_id,
        "organisation_id": organisation["id"],
        "referred_on": date.today().isoformat(),
    }
    created = desk.client.post("/beneficiaries", json=body, headers={"Idempotency-Key": "k1"})
    code = created.get_json()["code"]
    desk.client.post(f"/beneficiaries/{code}/erasure")
    with desk.runtime.engine.connect() as connection:
        assert connection.execute(select(IDEMPOTENCY)).all() == []


def test_automatic_erasure_after_the_enrolment_ends_and_the_retention_passes(desk):
    lapsed = enrolled_from(desk, date.today() - timedelta(days=400))
    current = desk.person()
    closed = desk.person()
    desk.client.post(f"/beneficiaries/{closed}/closure")

    assert erase_due(desk.runtime.unit_of_work, retention_days=90) == 1
    assert personal_values(desk.runtime, lapsed) == dict.fromkeys(PERSONAL_FIELDS)
    assert personal_values(desk.runtime, current)["display_name"] == NAME
    assert personal_values(desk.runtime, closed)["display_name"] == NAME

    later = datetime.now(UTC) + timedelta(days=91)
    assert erase_due(desk.runtime.unit_of_work, retention_days=90, now=later) == 1
    assert personal_values(desk.runtime, closed)["display_name"] is None
    assert erase_due(desk.runtime.unit_of_work, retention_days=90, now=later) == 0


# impact ---------------------------------------------------------------------------------------


def test_impact_counts_distinct_people_across_sites_against_the_target(desk):
    other_site = desk.open_site()
    alice, bob = desk.person(), desk.person()
    desk.completed(alice, ("card:orange:1000", 2))
    order = desk.order(alice, ("device:smartphone:b", 1), site_id=other_site).get_json()
    desk.apply(accepted(order))
    desk.complete(order)
    desk.apply(committed(desk.get(order)))
    desk.completed(bob, ("allowance:data-mb", 500))
    desk.placed(bob, ("card:orange:1000", 1))  # pending: not yet a sale

    figures = desk.client.get("/impact").get_json()
    assert figures["people_helped"] == 2
    assert (figures["target"], figures["orders"]) == (100_000, 3)
    assert figures["progress_percent"] == 0.0
    assert figures["items_by_family"] == {"device": 1, "prepaid_card": 2, "allowance": 500}
    assert figures["revenue_cents"] == 500 + 1500 + 500
    assert figures["savings_cents"] == 1500 + 10500 + 500

    rows = desk.client.get("/impact/monthly").get_json()
    by_site = {row["site_id"]: row for row in rows}
    assert (by_site[desk.site_id]["people"], by_site[desk.site_id]["orders"]) == (2, 2)
    assert by_site[other_site]["items_by_family"]["device"] == 1
    assert by_site[other_site]["month"] == month_of(datetime.now(UTC))


def test_impact_exports_csv_for_funders(desk):
    desk.completed(desk.person(), ("card:orange:1000", 2))
    response = desk.client.get(f"/impact/monthly.csv?site_id={desk.site_id}")
    assert response.mimetype == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["site_id"] == desk.site_id
    assert (row["people"], row["items_prepaid_card"], row["revenue_cents"]) == ("1", "2", "500")
    assert row["savings_cents"] == "1500"
    assert (row["devices_sold"], row["co2e_kg"], row["minutes_sold"]) == ("0", "0.0", "0")
    assert desk.client.get("/impact/monthly?from_month=2026-13").status_code == 422


def test_impact_csv_cells_cannot_run_as_spreadsheet_formulas(desk):
    name = '=HYPERLINK("http://example.invalid","Lyon")'
    data = {"site_id": desk.site_id, "name": name, "city": "+33 Lyon", "kind": "counter"}
    desk.apply(event("inventory.site.opened", desk.site_id, 2, data))  # renamed by inventory
    desk.completed(desk.person(), ("card:orange:1000", 1))

    response = desk.client.get(f"/impact/monthly.csv?site_id={desk.site_id}")

    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["site_name"], row["city"]) == ("'" + name, "'+33 Lyon")
    assert row["people"] == "1"
