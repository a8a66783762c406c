"""The daily screens the programme walk passes by: the admin's sites, API keys (the secret
shown once, copied, rotated, revoked) and limit rules; a counter renewing and closing an
enrolment and cancelling an order with its reason. Each is checked with axe-core and the
keyboard."""

from __future__ import annotations

import re

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import (
    announce,
    approved_organisation,
    available,
    enrol,
    new_imei,
    publish_prices,
    receive,
    refurbish,
)
from tests.browser.chromium import playwright_api
from tests.support.waiting import wait_until

expect = playwright_api().expect

SITE = "Point d'accueil Nantes"


def test_admin_opens_a_site_and_gives_it_a_key_shown_once(screens, keys):
    page = screens.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    screens.sign_in(keys["admin"])
    nav = page.get_by_role("navigation")

    nav.get_by_role("link", name="Sites").click()
    page.get_by_role("button", name="Ouvrir le site").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Ville")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Nom").fill(SITE)
    page.get_by_label("Ville").fill("Nantes")
    page.get_by_label("Type").select_option(label="Point d'accueil")
    page.get_by_role("button", name="Ouvrir le site").click()
    row = page.get_by_role("row", name=re.compile(SITE))
    expect(row).to_contain_text("Ouvert")
    check_screen(page, "admin-sites")
    screens.shot("site opened")

    nav.get_by_role("link", name="Clés d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clés d'API")
    page.get_by_label("Nom", exact=True).fill("Accueil Nantes, poste 1")
    page.get_by_label("Rôle").select_option(label="point d'accueil")
    page.get_by_label("Point d'accueil").select_option(label=f"{SITE} (Nantes)")
    page.get_by_role("button", name="Créer la clé").click()
    secret = page.locator(".secret")
    expect(secret).to_be_focused()
    key = page.get_by_label("Clé", exact=True)
    expect(key).to_have_value(re.compile(r"^cs_"))
    first = key.input_value()
    page.get_by_role("button", name="Copier la clé").click()
    expect(secret).to_contain_text("Clé copiée.")
    assert page.evaluate("navigator.clipboard.readText()") == first
    check_screen(page, "admin-key-created")
    screens.shot("key shown once")

    row = page.get_by_role("row", name=re.compile("Accueil Nantes, poste 1"))
    expect(row).to_contain_text(SITE)
    row.get_by_role("button", name="Renouveler Accueil Nantes, poste 1").click()
    expect(page.locator(".secret")).to_contain_text("Nouvelle clé pour « Accueil Nantes, poste 1 »")
    assert page.get_by_label("Clé", exact=True).input_value() not in ("", first)
    page.reload()
    expect(page.locator(".secret")).to_have_count(0)  # shown once: gone with the page
    row = page.get_by_role("row", name=re.compile("Accueil Nantes, poste 1"))
    row.get_by_role("button", name="Révoquer Accueil Nantes, poste 1").click()
    row.get_by_role("button", name="Confirmer la révocation de Accueil Nantes, poste 1").click()
    row = page.get_by_role("row", name=re.compile("Accueil Nantes, poste 1"))
    expect(row).to_contain_text("Révoquée le")
    check_screen(page, "admin-keys")

    nav.get_by_role("link", name="Sites").click()
    row = page.get_by_role("row", name=re.compile(SITE))
    row.get_by_role("button", name=f"Fermer {SITE}").click()
    expect(page.get_by_role("row", name=re.compile(SITE))).to_contain_text("Fermé le")


def test_admin_sets_a_limit_with_products_picked_from_a_list(screens, keys):
    page = screens.page
    screens.sign_in(keys["admin"])
    page.get_by_role("navigation").get_by_role("link", name="Limites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Limites par personne")
    check_screen(page, "admin-limits")
    form = page.get_by_role("form", name="Nouvelle règle")
    form.get_by_label("Code").fill("Cartes Mois")
    form.get_by_label("Mesure").select_option("units")
    form.get_by_label("Maximum").fill("2")
    form.get_by_label("Cartes prépayées").check()
    form.get_by_role("button", name="Enregistrer la règle").click()
    expect(page.locator(".error-summary")).to_be_focused()  # uppercase and a space
    form.get_by_label("Code").fill("cartes-mois")
    form.get_by_role("button", name="Enregistrer la règle").click()
    row = page.get_by_role("row", name=re.compile("cartes-mois"))
    expect(row).to_contain_text("Cartes prépayées")
    expect(row).to_contain_text("Par mois civil")
    row.get_by_role("button", name="Modifier cartes-mois").click()
    edit = page.get_by_role("form", name="Modifier la règle cartes-mois")
    expect(edit.get_by_label("Maximum")).to_have_value("2")
    expect(edit.get_by_label("Cartes prépayées")).to_be_checked()
    edit.get_by_label("Maximum").fill("3")
    edit.get_by_role("button", name="Enregistrer la règle").click()
    expect(page.get_by_role("row", name=re.compile("cartes-mois"))).to_contain_text("3")
    check_screen(page, "admin-limit-saved")
    screens.shot("limit saved")


def test_counter_cancels_with_a_reason_then_renews_and_closes(
    screens, apis, keys, paris, partner_id
):
    donation = announce(apis["partner"], partner_id, paris["id"], phones=1)
    for device in receive(apis["workshop"], donation):
        refurbish(apis["workshop"], device)
    publish_prices(apis["admin"])
    wait_until(lambda: available(apis["counter"], paris["id"]), timeout=20)
    code = enrol(apis["counter"], approved_organisation(apis["admin"]), "Lina B.")
    page = screens.page
    screens.sign_in(keys["counter"])
    screens.open(f"counter/person/{code}")
    page.get_by_label(re.compile("Quantité de Smartphone")).fill("1")
    page.get_by_role("button", name="Passer la commande").click()
    expect(page.locator("#outcome")).to_contain_text("Réservée")
    cancel = page.get_by_role("form", name="Annuler la commande")
    cancel.get_by_role("button", name="Annuler la commande").click()
    expect(cancel.locator(".error-summary")).to_be_focused()
    cancel.get_by_label("Motif de l'annulation").fill("La personne reviendra demain")
    check_screen(page, "counter-order-cancel")
    cancel.get_by_role("button", name="Annuler la commande").click()
    expect(page.locator("#outcome")).to_contain_text("Annulée La personne reviendra demain")
    screens.shot("order cancelled with its reason")

    page.get_by_role("link", name="← Fiche de la personne").click()
    enrolment = page.get_by_role("region", name="Inscription")
    check_screen(page, "counter-person-enrolment")
    ends = page.locator("dd", has_text=re.compile(r"\d{4}")).nth(0).inner_text()
    enrolment.get_by_role("button", name="Renouveler l'inscription").click()
    expect(page.locator("#eligibility")).to_have_text("renouvelée")
    assert page.locator("dd", has_text=re.compile(r"\d{4}")).nth(0).inner_text() != ends
    enrolment = page.get_by_role("region", name="Inscription")
    enrolment.get_by_role("button", name="Clore l'inscription").click()
    expect(enrolment).to_contain_text("ne pourra plus acheter")
    enrolment.get_by_role("button", name="Confirmer la clôture").click()
    expect(page.locator("#eligibility")).to_have_text("close")
    expect(page.get_by_role("region", name="Inscription")).to_contain_text("est close")
    screens.shot("enrolment closed")


def test_workshop_receives_more_than_announced_only_with_the_units_scanned(
    screens, apis, keys, partner_id, workshop_site
):
    announce(apis["partner"], partner_id, workshop_site["id"], phones=1)
    extra = new_imei()
    page = screens.page
    screens.sign_in(keys["workshop"])
    page.get_by_role("navigation").get_by_role("link", name="Réceptions").click()
    page.get_by_role("link", name=re.compile("Don annoncé le")).last.click()
    line = page.get_by_role("group", name=re.compile("^Ligne 1"))
    line.get_by_label("Quantité reçue").fill("2")
    expect(line.locator("output")).to_have_text("Écart avec l'annonce : +1.")
    page.get_by_role("button", name="Enregistrer la réception").click()
    expect(page.locator(".error-summary")).to_contain_text("scannez les unités en plus")
    expect(line.get_by_label("Quantité reçue")).to_have_attribute("aria-invalid", "true")
    expect(line.get_by_label("Quantité reçue")).to_have_value("2")
    check_screen(page, "workshop-reception-refused")
    screens.shot("more than announced, refused")

    line.get_by_label("Identifiant scanné (IMEI ou numéro de série)").click()
    page.keyboard.type(extra)
    page.keyboard.press("Enter")
    expect(line.locator(".scans li")).to_contain_text(extra)
    page.get_by_role("button", name="Enregistrer la réception").click()
    expect(page.locator("#reception-state")).to_have_text("Réceptionné")
    row = page.get_by_role("table", name="Lignes du don").locator("tbody tr").first
    expect(row).to_contain_text("2")
    expect(row.locator("td").nth(2)).to_have_text("1")  # the difference
    screens.shot("extra unit received")
