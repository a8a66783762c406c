"""Every screen not already checked on the way of a journey (sign-in, dashboards, read-only
roles), both languages, keyboard-only use, and a request failing without losing the form."""

from __future__ import annotations

import re

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import announce, receive, refurbish
from tests.browser.chromium import playwright_api

expect = playwright_api().expect

DICTIONARY_KEYS = """async () => {
  const load = async (code) =>
    Object.keys((await import(`/app/js/locales/${code}.js`)).default).sort();
  return [await load('fr'), await load('en')];
}"""


def test_signs_in_with_the_keyboard_alone(screens, keys):
    page = screens.page
    screens.open()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    check_screen(page, "sign-in")
    screens.shot("sign-in")

    page.reload()
    key = page.get_by_label("Clé d'API", exact=True)
    expect(key).to_be_focused()  # the screen starts where the work is
    skip = page.get_by_role("link", name="Aller au contenu")
    for _ in range(5):  # back to the skip link, the page's first stop
        page.keyboard.press("Shift+Tab")
        if skip.evaluate("link => link === document.activeElement"):
            break
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(key).to_be_focused()
    page.keyboard.type("cs_not-a-key")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Clé d'API non reconnue")
    expect(key).to_have_value("cs_not-a-key")
    screens.shot("unknown key")

    key.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(keys["admin"])
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Tableau de bord du programme")
    expect(heading).to_be_focused()


def test_dashboard_in_french_then_english_remembered(
    screens, apis, keys, partner_id, workshop_site
):
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=1)
    [device] = receive(apis["workshop"], donation)
    refurbish(apis["workshop"], device)  # made available this week
    page = screens.page
    screens.sign_in(keys["admin"])
    expect(page.get_by_role("img", name=re.compile("par rapport à l'objectif"))).to_contain_text(
        re.compile(r"sur 100\s000")
    )
    throughput = page.locator("figure", has=page.get_by_role("img", name=re.compile("par semaine")))
    expect(throughput.get_by_role("img")).to_have_accessible_name(
        re.compile(r"12 dernières semaines.*Semaine \d+ \(du .*\): Mis en vente 1, Recyclés")
    )
    throughput.get_by_text("Voir les données en tableau").click()
    weeks = throughput.get_by_role("table", name=re.compile("sortis de l'atelier par semaine"))
    expect(weeks.get_by_role("row")).to_have_count(13)  # the head and 12 weeks
    expect(weeks.get_by_role("row").last.get_by_role("cell").first).to_have_text("1")
    check_screen(page, "dashboard-fr")
    screens.shot("dashboard")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programme dashboard")
    check_screen(page, "dashboard-en")
    screens.shot("dashboard in English")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_auditor_reads_the_workshop_without_its_actions(
    screens, apis, keys, partner_id, workshop_site
):
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=1)
    [device] = receive(apis["workshop"], donation)
    page = screens.page
    screens.sign_in(keys["auditor"])
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Atelier")).to_be_visible()
    expect(nav.get_by_role("link", name="Scanner des appareils")).to_have_count(0)
    nav.get_by_role("link", name="Atelier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier de reconditionnement")
    check_screen(page, "auditor-board")
    screens.open(f"workshop/device/{device['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Appareil {device['asset_tag']}")
    expect(page.get_by_role("heading", name="Étapes suivantes")).to_have_count(0)
    check_screen(page, "auditor-device")
    screens.shot("auditor device page")


def test_a_request_that_fails_keeps_what_was_typed(screens, keys, workshop_site):
    page = screens.page
    screens.sign_in(keys["partner"])
    screens.open("partner/new")
    page.get_by_label("Lieu de livraison").select_option(workshop_site["id"])
    page.get_by_label("Nombre d'appareils").fill("2")
    page.get_by_label("Marque").fill("Fairphone")
    page.context.set_offline(True)
    page.get_by_role("button", name="Annoncer le don").click()
    expect(page.locator(".error-summary")).to_contain_text("Le serveur ne répond pas")
    expect(page.get_by_label("Nombre d'appareils")).to_have_value("2")
    expect(page.get_by_label("Marque")).to_have_value("Fairphone")
    screens.shot("offline, form kept")
    page.context.set_offline(False)
    page.get_by_role("button", name="Annoncer le don").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Don du")


def test_every_text_exists_in_both_languages(screens):
    screens.open()
    french, english = screens.page.evaluate(DICTIONARY_KEYS)
    assert set(french) ^ set(english) == set()
