"""Who may do what in sales: counters act at their own site, auditors read without personal
data, partners and the workshop see no one, admins keep the settings."""

from __future__ import annotations

import re
import uuid
import zlib

import pytest

from tests.support.auth import as_counter, as_role
from tests.support.sales import desk_on

NAME, CONTACT, REASON = "Jeanne D.", "06 12 34 56 78", "hébergée en CHRS, recherche d'emploi"
CARD = ("card:orange:1000", 1)


@pytest.fixture
def desk(service_on_sqlite):
    return desk_on(service_on_sqlite("sales"))


@pytest.fixture
def foreign_order(desk):
    """A pending order at another counter site than the desk's."""
    other_site = desk.open_site()
    response = desk.order(desk.person(), CARD, site_id=other_site)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def pdf_text(pdf: bytes) -> str:
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    return "".join(zlib.decompress(stream).decode("latin-1") for stream in streams)


# authentication -------------------------------------------------------------------------------


def test_a_request_without_the_gateways_token_is_refused(desk):
    response = desk.client.get("/sites", headers={"Authorization": "Bearer forged"})
    assert (response.status_code, response.get_json()["code"]) == (401, "unauthenticated")


# orders: counters at their own site -----------------------------------------------------------


def test_a_counter_lists_only_its_own_sites_orders(desk, foreign_order):
    own = desk.placed(desk.person(), CARD)
    listed = desk.client.get("/orders", headers=as_counter(desk.site_id)).get_json()
    assert [item["id"] for item in listed["items"]] == [own["id"]]
    asked_for_other = f"/orders?site_id={foreign_order['site_id']}"
    assert (
        desk.client.get(asked_for_other, headers=as_counter(desk.site_id)).get_json()["total"] == 0
    )
    assert desk.client.get("/orders").get_json()["total"] == 2  # admin: every site


def test_another_sites_order_is_not_found_like_a_missing_one(desk, foreign_order):
    foreign = desk.client.get(f"/orders/{foreign_order['id']}", headers=as_counter(desk.site_id))
    missing = desk.client.get(f"/orders/{uuid.uuid4()}", headers=as_counter(desk.site_id))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json()["code"] == missing.get_json()["code"] == "order-not-found"
    receipt = desk.client.get(
        f"/orders/{foreign_order['id']}/receipt.pdf", headers=as_counter(desk.site_id)
    )
    assert receipt.status_code == 404


def test_a_counter_cannot_complete_or_cancel_another_sites_order(desk, foreign_order):
    order_url = f"/orders/{foreign_order['id']}"
    completed = desk.client.post(
        f"{order_url}/completion", json={"payment_method": "cash"}, headers=as_counter(desk.site_id)
    )
    cancelled = desk.client.post(
        f"{order_url}/cancellation", json={}, headers=as_counter(desk.site_id)
    )
    assert (completed.status_code, cancelled.status_code) == (404, 404)
    assert desk.get(foreign_order)["state"] == "pending"
    assert desk.emitted("sales.order.cancelled") == []


def test_only_a_counter_completes_a_sale(desk):
    order = desk.reserved(desk.person(), CARD)
    by_admin = desk.client.post(
        f"/orders/{order['id']}/completion", json={"payment_method": "cash"}
    )
    assert (by_admin.status_code, by_admin.get_json()["allowed_roles"]) == (403, ["counter"])
    assert desk.complete(order).status_code == 202


def test_an_admin_may_cancel_any_sites_order(desk, foreign_order):
    response = desk.client.post(f"/orders/{foreign_order['id']}/cancellation", json={})
    assert response.status_code == 200
    assert response.get_json()["ended_by"].startswith("test admin [")


# auditors: read, never write, no personal data ------------------------------------------------


def test_an_auditor_reads_orders_but_cannot_place_or_cancel_them(desk):
    order = desk.placed(desk.person(), CARD)
    assert desk.client.get(f"/orders/{order['id']}", headers=as_role("auditor")).status_code == 200
    body = {"beneficiary_code": order["beneficiary_code"], "lines": [{"product_key": CARD[0]}]}
    assert desk.client.post("/orders", json=body, headers=as_role("auditor")).status_code == 403
    cancel = desk.client.post(
        f"/orders/{order['id']}/cancellation", json={}, headers=as_role("auditor")
    )
    assert cancel.status_code == 403


def test_an_auditor_does_not_see_the_counters_free_text_on_an_order(desk):
    order = desk.placed(desk.person(), CARD)
    desk.client.post(f"/orders/{order['id']}/cancellation", json={"reason": "Mme D. a renoncé"})
    seen = desk.client.get(f"/orders/{order['id']}", headers=as_role("auditor")).get_json()
    assert seen["state"] == "cancelled" and "end_reason" not in seen


def test_the_receipt_names_the_person_by_code_only_so_an_auditor_may_read_it(desk):
    code = desk.person()
    order = desk.completed(code, CARD)
    response = desk.client.get(f"/orders/{order['id']}/receipt.pdf", headers=as_role("auditor"))
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert code in text and NAME not in text and CONTACT not in text


def test_an_auditor_sees_beneficiaries_without_personal_fields(desk):
    code = desk.person()
    one = desk.client.get(f"/beneficiaries/{code}", headers=as_role("auditor")).get_json()
    listed = desk.client.get("/beneficiaries", headers=as_role("auditor")).get_json()["items"]
    for person in (one, *listed):
        assert {"display_name", "contact", "referral_reason"}.isdisjoint(person)
        assert person["code"] and person["state"] == "active"
    assert desk.client.get(f"/beneficiaries/{code}").get_json()["display_name"] == NAME


def test_an_auditor_sees_organisations_without_their_contacts_names_and_details(desk):
    organisation = desk.organisation()
    seen = desk.client.get(
        f"/organisations/{organisation['id']}", headers=as_role("auditor")
    ).get_json()
    [contact] = seen["contacts"]
    assert {"name", "email", "phone"}.isdisjoint(contact)
    assert contact["id"] == organisation["contacts"][0]["id"]
    assert seen["name"] == organisation["name"]


def test_an_auditor_cannot_enrol_close_or_erase(desk):
    code = desk.person()
    for action in ("closure", "renewal", "erasure"):
        response = desk.client.post(f"/beneficiaries/{code}/{action}", headers=as_role("auditor"))
        assert response.status_code == 403, action
    assert (
        desk.client.post("/beneficiaries", json={}, headers=as_role("auditor")).status_code == 403
    )


# partners and the workshop see no one ---------------------------------------------------------


@pytest.mark.parametrize("role", ["partner", "workshop"])
def test_partners_and_the_workshop_never_see_people_or_orders(desk, role):
    code = desk.person()
    order = desk.placed(code, CARD)
    scope = {"partner_id": uuid.uuid4()} if role == "partner" else {}
    for url in (
        "/beneficiaries",
        f"/beneficiaries/{code}",
        f"/beneficiaries/{code}/allowance",
        "/organisations",
        "/orders",
        f"/orders/{order['id']}",
        f"/orders/{order['id']}/receipt.pdf",
    ):
        assert desk.client.get(url, headers=as_role(role, **scope)).status_code == 403, url


# referrals and enrolment at the counter -------------------------------------------------------


def test_a_counter_registers_an_organisation_that_waits_for_an_admins_approval(desk):
    body = {"name": "Secours local", "kind": "association", "contacts": [{"name": "A. Martin"}]}
    sneaky = desk.client.post(
        "/organisations", json={**body, "approved": True}, headers=as_counter(desk.site_id)
    )
    assert sneaky.status_code == 422
    created = desk.client.post("/organisations", json=body, headers=as_counter(desk.site_id))
    assert (created.status_code, created.get_json()["approved"]) == (201, False)
    url = f"/organisations/{created.get_json()['id']}"
    approval = desk.client.put(
        f"{url}/approval", json={"approved": True}, headers=as_counter(desk.site_id)
    )
    renamed = desk.client.patch(url, json={"name": "Autre"}, headers=as_counter(desk.site_id))
    assert (approval.status_code, renamed.status_code) == (403, 403)


def test_a_counter_enrols_at_its_own_site_by_default_and_not_at_another(desk):
    organisation = desk.organisation()
    other_site = desk.open_site()
    own = desk.enrol(organisation, home_site_id=None, headers=as_counter(desk.site_id))
    assert (own.status_code, own.get_json()["home_site_id"]) == (201, desk.site_id)
    other = desk.enrol(organisation, home_site_id=other_site, headers=as_counter(desk.site_id))
    assert (other.status_code, other.get_json()["code"]) == (403, "not-your-site")


def test_an_admin_names_the_home_site_when_enrolling(desk):
    response = desk.enrol(home_site_id=None)
    assert (response.status_code, response.get_json()["code"]) == (422, "home-site-required")


def test_a_counter_serves_people_whatever_their_home_site(desk):
    code = desk.person()  # at the desk's site
    elsewhere = desk.open_site()
    seen = desk.client.get(f"/beneficiaries/{code}", headers=as_counter(elsewhere)).get_json()
    assert seen["display_name"] == NAME
    assert desk.order(code, CARD, site_id=elsewhere).status_code == 201


@pytest.mark.parametrize("change", ["renewal", "closure"])
def test_only_the_persons_home_counter_renews_or_closes_the_enrolment(desk, change):
    code = desk.person()  # at the desk's site
    elsewhere = desk.open_site()

    refused = desk.client.post(f"/beneficiaries/{code}/{change}", headers=as_counter(elsewhere))

    assert (refused.status_code, refused.get_json()["code"]) == (403, "not-your-site")
    assert desk.client.get(f"/beneficiaries/{code}").get_json()["state"] == "active"
    done = desk.client.post(f"/beneficiaries/{code}/{change}", headers=as_counter(desk.site_id))
    assert done.status_code == 200, done.get_json()


def test_only_an_admin_erases_a_person(desk):
    code = desk.person()
    refused = desk.client.post(f"/beneficiaries/{code}/erasure", headers=as_counter(desk.site_id))
    assert refused.status_code == 403
    closed = desk.client.post(f"/beneficiaries/{code}/closure", headers=as_counter(desk.site_id))
    assert closed.get_json()["state"] == "closed"


# settings, sites and impact -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["counter", "auditor"])
def test_limits_and_prices_are_read_by_counters_and_auditors_but_set_by_admins(desk, role):
    def caller():
        return as_role(role, site_id=desk.site_id) if role == "counter" else as_role(role)

    for url in ("/limits", "/price-grids", "/price-grids/current", "/price-grids/1"):
        assert desk.client.get(url, headers=caller()).status_code == 200, url
    rule = {"measure": "units", "maximum": 9, "window": "calendar_month"}
    assert desk.client.put("/limits/more-cards", json=rule, headers=caller()).status_code == 403
    assert desk.client.delete("/limits/monthly-spending", headers=caller()).status_code == 403
    grid = {"entries": [{"product_key": CARD[0], "market_cents": 9, "solidarity_cents": 0}]}
    assert desk.client.post("/price-grids", json=grid, headers=caller()).status_code == 403


@pytest.mark.parametrize("role", ["partner", "workshop", "auditor"])
def test_sites_catalogue_and_impact_are_open_to_every_role_and_carry_no_personal_data(desk, role):
    code = desk.person()
    desk.completed(code, CARD)
    scope = {"partner_id": uuid.uuid4()} if role == "partner" else {}
    for url in (
        "/sites",
        f"/sites/{desk.site_id}/catalogue",
        "/impact",
        "/impact/monthly",
        "/impact/monthly.csv",
    ):
        response = desk.client.get(url, headers=as_role(role, **scope))
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for personal in (code, NAME, CONTACT, REASON):
            assert personal not in text, (url, personal)


def test_an_auditor_may_read_a_persons_allowance(desk):
    code = desk.person()
    response = desk.client.get(f"/beneficiaries/{code}/allowance", headers=as_role("auditor"))
    assert response.status_code == 200
    assert {rule["rule"] for rule in response.get_json()} >= {"monthly-spending"}
