"""The "Opérations" screen: a dead-lettered event is listed with its reason and type, then
replayed once its cause is fixed and seen applied; another is discarded with a reason; the
auditor reads it all without the actions. Checked with axe-core and the keyboard.

The event: a site's closing that reached donations before the site's opening, its retries
spent (``tests/support/dead_letters.py``). The embedded system's broker lives in this process,
where the command line could not reach it; the screen goes through the services' APIs."""

from __future__ import annotations

import re

from tests.browser.accessibility import check_screen
from tests.browser.chromium import playwright_api
from tests.browser.screen_steps import shown_after_reloads, switch_to
from tests.support.dead_letters import closing_of_an_unopened_site, open_the_site
from tests.support.waiting import wait_until

expect = playwright_api().expect
TYPE = "inventory.site.status_changed"


def broker(system):
    runtime = system.runtimes["donations"]
    return runtime.settings.messaging.broker_url, runtime.topology


def announce_at(apis, site_id: str):
    partner = apis["admin"].get("donations/partners").json()["items"][0]
    body = {
        "partner_id": partner["id"],
        "site_id": site_id,
        "lines": [{"kind": "funds", "quantity": 1, "declared_value_cents": 5000}],
    }
    url = f"{apis['admin'].url}/api/donations/donations"
    return apis["admin"].http.post(url, json=body, timeout=10)


def test_admin_sees_a_dead_letter_replays_it_once_fixed_and_sees_it_applied(
    screens, system, apis, keys
):
    closing = closing_of_an_unopened_site(*broker(system))
    page = screens.page
    screens.sign_in(keys["admin"])
    page.get_by_role("navigation").get_by_role("link", name="Opérations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opérations")

    donations = page.get_by_role("region", name="Dons")
    letter = donations.get_by_role("row", name=re.compile(TYPE))
    shown_after_reloads(page, letter)
    expect(letter).to_contain_text("SiteNotYetOpened")
    expect(letter).to_contain_text(closing.data["site_id"])
    check_screen(page, "operations-dead-letter")
    screens.shot("a dead letter listed")

    open_the_site(*broker(system), closing)  # the cause is fixed …
    wait_until(lambda: announce_at(apis, closing.data["site_id"]).status_code == 201)
    letter.get_by_role("button", name=f"Rejouer {TYPE}").click()  # … then the event replayed
    expect(page.locator("#status")).to_contain_text("1 événement renvoyé")
    expect(donations.get_by_role("row", name=re.compile(TYPE))).to_have_count(0)
    expect(donations).to_contain_text("Aucune lettre morte.")

    applied = donations.get_by_text(re.compile(f"{TYPE}, "))  # the last event applied
    shown_after_reloads(page, applied)
    refused = announce_at(apis, closing.data["site_id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "site-closed")
    screens.shot("replayed and applied")


def test_admin_discards_a_dead_letter_with_a_reason_and_the_auditor_only_reads(
    screens, system, keys
):
    closing = closing_of_an_unopened_site(*broker(system))
    page = screens.page
    screens.sign_in(keys["auditor"])
    page.get_by_role("navigation").get_by_role("link", name="Opérations").click()
    donations = page.get_by_role("region", name="Dons")
    shown_after_reloads(
        page, donations.get_by_role("row", name=re.compile(closing.data["site_id"]))
    )
    expect(page.get_by_role("button", name=re.compile("Rejouer"))).to_have_count(0)
    expect(page.get_by_role("button", name="Écarter définitivement")).to_have_count(0)
    expect(page.get_by_role("region", name="Ventes refusées ou tardives")).to_be_visible()
    expect(page.get_by_role("region", name="Écarts de stock ouverts")).to_be_visible()
    check_screen(page, "operations-auditor")
    screens.shot("the auditor reads")

    switch_to(screens, keys["admin"])
    screens.open("operations")
    donations = page.get_by_role("region", name="Dons")
    form = donations.get_by_role("form", name=re.compile("Écarter une lettre morte"))
    form.get_by_role("button", name="Écarter définitivement").click()
    expect(form.get_by_label("Raison")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Événement").select_option(value=closing.id)
    form.get_by_label("Raison").fill("site de test, jamais ouvert")
    form.get_by_role("button", name="Écarter définitivement").click()
    expect(page.locator("#status")).to_contain_text("Lettre morte écartée.")
    expect(page.get_by_role("row", name=re.compile(closing.data["site_id"]))).to_have_count(0)
    screens.shot("discarded")
