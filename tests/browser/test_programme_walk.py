"""The whole programme on an empty system (``DEMO_DATA=none``), from the screens alone: no
API call beyond reading the demo keys. The admin registers and approves a referring
organisation; a partner announces a donation and joins its IMEIs and card codes; the
workshop receives it line by line (one IMEI missing), prints the receipt, refurbishes a
phone; the admin publishes prices for what is in stock; the workshop ships a transfer; the
counter counts and receives it, enrols a person, sells, prints the receipt and reveals the
card code; the day's sales, the partner's impact and the dashboard move."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import new_imei
from tests.browser.chromium import playwright_api
from tests.browser.screen_steps import euros, refurbish_on_screen, shown_after_reloads, switch_to

expect = playwright_api().expect

ORGANISATION = "CCAS de Paris 11e"
PHONE, CARD = "Smartphone, état B", "Carte Orange"


@pytest.fixture(scope="module")
def demo_data() -> str:
    """As ``DEMO_DATA=none make run`` starts: no demo programme (said here, not assumed)."""
    return "none"


def csv_file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def admin_approves_an_organisation(screens, page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Structures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Structures orienteuses")
    expect(page.get_by_text("Aucune structure pour l'instant.")).to_be_visible()
    page.get_by_label("Nom", exact=True).fill(ORGANISATION)
    page.get_by_label("Type").select_option(label="CCAS")
    page.get_by_label("Ville").fill("Paris")
    page.get_by_label("Nom du référent").fill("Assistante sociale")
    page.get_by_label("E-mail").fill("as@example.org")
    page.get_by_role("button", name="Enregistrer la structure").click()
    row = page.get_by_role("row", name=re.compile(ORGANISATION))
    expect(row).to_contain_text("En attente d'agrément")
    check_screen(page, "admin-organisations")
    row.get_by_role("button", name=f"Agréer {ORGANISATION}").click()
    expect(row).to_contain_text("Agréée le")
    check_screen(page, "admin-organisation-approved")
    screens.shot("organisation approved")


def partner_announces(screens, page, imeis: list[str], pin: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Annoncer un don").click()
    page.get_by_label("Lieu de livraison").select_option(
        label="Atelier de reconditionnement (Paris)"
    )
    page.get_by_label("Nombre d'appareils").fill(str(len(imeis)))
    page.get_by_label("Marque").fill("Fairphone")
    page.get_by_label("Modèle").fill("4")
    page.get_by_role("button", name="Ajouter une ligne").click()
    second = page.get_by_role("group", name="Ligne 2")
    second.get_by_label("Nature").select_option("prepaid_cards")
    second.get_by_label("Opérateur").fill("Orange")
    second.get_by_label("Nom de l'offre").fill("Recharge 10 EUR")
    second.get_by_label("Nombre de cartes").fill("1")
    second.get_by_label("Valeur faciale").fill("10,00")
    second.get_by_label("Date d'expiration").fill("2099-12-31")
    page.get_by_role("button", name="Annoncer le don").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Don du")
    page.get_by_label("Fichier des numéros de série ou IMEI (CSV)").set_input_files(
        csv_file("imeis.csv", "imei\n" + "\n".join(imeis))
    )
    page.get_by_role("button", name="Envoyer le fichier").first.click()
    expect(page.get_by_text("Fichier accepté : 3 valeur(s)")).to_be_visible()
    page.get_by_label("Fichier des codes de cartes (CSV)").set_input_files(
        csv_file("codes.csv", f"serial,pin\nSER-{uuid.uuid4().hex[:8]},{pin}")
    )
    page.get_by_role("button", name="Envoyer le fichier").last.click()
    expect(page.get_by_text("Fichier accepté : 1 valeur(s)")).to_be_visible()
    screens.shot("donation announced with its files")


def workshop_receives(screens, page, imeis: list[str]) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Réceptions").click()
    shown_after_reloads(page, page.get_by_role("link", name=re.compile("Don annoncé le")))
    check_screen(page, "workshop-receptions")
    page.get_by_role("link", name=re.compile("Don annoncé le")).click()
    phones = page.get_by_role("group", name=re.compile("^Ligne 1"))
    scan = phones.get_by_label("Identifiant scanné (IMEI ou numéro de série)")
    for imei in imeis[:2]:  # the third phone never arrived
        scan.click()
        page.keyboard.type(imei)
        page.keyboard.press("Enter")
    expect(phones.get_by_label(imeis[0])).to_be_checked()
    expect(phones.get_by_label(imeis[2])).not_to_be_checked()
    phones.get_by_label("Quantité reçue").fill("2")
    expect(phones.locator("output")).to_have_text("Écart avec l'annonce : -1.")
    check_screen(page, "workshop-reception-form")
    screens.shot("reception counted and scanned")
    page.get_by_role("button", name="Enregistrer la réception").click()
    expect(page.locator("#reception-state")).to_have_text("Réceptionné")
    lines = page.get_by_role("table", name="Lignes du don")
    expect(lines.get_by_role("row", name=re.compile("Fairphone"))).to_contain_text(imeis[2])
    with page.expect_download() as receipt:
        page.get_by_role("button", name="Télécharger le reçu (PDF)").click()
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    check_screen(page, "workshop-reception-done")
    screens.shot("donation received, receipt")


def workshop_refurbishes(screens, page, imei: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Atelier").click()
    for _ in range(20):  # the devices arrive with the reception's event
        page.get_by_label("Étiquette, IMEI ou numéro de série").fill(imei)
        page.get_by_role("button", name="Chercher").click()
        try:
            expect(page.locator("#device-state")).to_have_text("Reçu", timeout=1500)
            break
        except AssertionError:
            page.reload()
    refurbish_on_screen(page)
    screens.shot("phone refurbished")


def admin_publishes_prices(screens, page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Prix").click()
    expect(page.get_by_text("Aucune grille n'est en vigueur")).to_be_visible()
    picker = page.get_by_label("Produit à ajouter")
    for key, market, solidarity in (
        ("device:smartphone:b", "120,00", "15,00"),
        ("card:orange:1000", "10,00", "2,50"),
    ):
        shown_after_reloads(page, picker.locator(f"option[value='{key}']").locator(".."))
        page.get_by_label("Produit à ajouter").select_option(key)
        page.get_by_role("button", name="Ajouter le produit").click()
        name = PHONE if key.startswith("device") else CARD
        page.get_by_label(re.compile(f"Prix du marché de {name}")).fill(market)
        page.get_by_label(re.compile(f"Prix solidaire de {name}")).fill(solidarity)
    check_screen(page, "admin-prices")
    page.get_by_role("button", name="Publier la nouvelle version").click()
    current = page.get_by_role("table", name=re.compile("Grille en vigueur : version 1"))
    expect(current.get_by_role("row", name=re.compile(PHONE))).to_contain_text(euros("15,00"))
    check_screen(page, "admin-prices-published")
    screens.shot("prices published")


def workshop_ships(screens, page, imei: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Transferts").click()
    expect(page.get_by_text("Aucun transfert en route.")).to_be_visible()
    check_screen(page, "workshop-transfers")
    page.get_by_role("link", name="Nouveau transfert").click()
    page.get_by_label("Point d'accueil destinataire").select_option(
        label="Point d'accueil Paris (Paris)"
    )
    page.get_by_label("Étiquette, IMEI ou numéro de série scanné").click()
    page.keyboard.type(imei)
    page.keyboard.press("Enter")
    expect(page.locator(".scans li")).to_have_count(1)
    page.get_by_label(re.compile(f"Quantité à envoyer de {CARD}")).fill("1")
    check_screen(page, "workshop-transfer-new")
    screens.shot("transfer ready")
    page.get_by_role("button", name="Expédier le transfert").click()
    expect(page.locator("#transfer-state")).to_have_text("En route")
    check_screen(page, "workshop-transfer-shipped")
    screens.shot("transfer shipped")
    page.get_by_role("navigation").get_by_role("link", name="Transferts").click()
    expect(page.get_by_role("table", name="1 transfert en route")).to_be_visible()
    check_screen(page, "workshop-transfers-listed")


def counter_receives(screens, page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Transferts reçus").click()
    expect(page.get_by_role("table", name="1 transfert en route")).to_be_visible()
    check_screen(page, "counter-transfers")
    page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    page.get_by_label(re.compile(f"Nombre compté de {PHONE}")).fill("1")
    page.get_by_label(re.compile(f"Nombre compté de {CARD}")).fill("2")
    page.get_by_role("button", name="Confirmer la réception").click()
    expect(page.locator(".error-summary")).to_contain_text("Le compte ne correspond pas")
    check_screen(page, "counter-transfer-count")
    screens.shot("count differs")
    page.get_by_label(re.compile(f"Nombre compté de {CARD}")).fill("1")
    page.get_by_role("button", name="Confirmer la réception").click()
    expect(page.locator("#transfer-state")).to_have_text("Reçu")
    check_screen(page, "counter-transfer-received")
    screens.shot("transfer received")


def counter_sells(screens, page, pin: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Accueil des personnes").click()
    page.get_by_label("Nom ou initiales").fill("Samir K.")
    page.get_by_label("Structure orienteuse").select_option(label=ORGANISATION)
    page.get_by_role("button", name="Inscrire la personne").click()
    expect(page.locator("#eligibility")).to_have_text("active")
    shown_after_reloads(page, page.get_by_label(f"Quantité de {CARD}", exact=False))
    page.get_by_label(re.compile(f"Quantité de {PHONE}")).fill("1")
    page.get_by_label(re.compile(f"Quantité de {CARD}")).fill("1")
    page.get_by_role("button", name="Passer la commande").click()
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Réservée")
    page.get_by_label("Espèces").check()
    page.get_by_role("button", name="Valider la vente").click()
    expect(outcome).to_contain_text("Terminée")
    with page.expect_download() as receipt:
        page.get_by_role("button", name="Télécharger le reçu (PDF)").click()
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    page.get_by_role("button", name="Afficher les codes (une seule fois)").click()
    expect(page.locator("table.codes")).to_contain_text(pin)
    screens.shot("sold, code revealed")

    page.get_by_role("navigation").get_by_role("link", name="Ventes du jour").click()
    sales = page.locator(".figure", has_text="ventes terminées").locator(".value")
    expect(sales).to_have_text("1")
    expect(
        page.get_by_role("button", name=re.compile(r"Imprimer le reçu \d{4}-\d{6}"))
    ).to_be_visible()
    check_screen(page, "counter-day-sales")
    screens.shot("the day's sales")


def impact_and_dashboard_move(screens, page, keys) -> None:
    switch_to(screens, keys["partner"])
    page.get_by_role("navigation").get_by_role("link", name="Impact").click()
    sold = page.locator(".figure", has_text="Appareils vendus").locator(".value")
    shown_after_reloads(page, sold.filter(has_text=re.compile("^1$")))
    expect(page.locator(".figure", has_text="Appareils reçus").locator(".value")).to_have_text("2")
    screens.shot("partner impact")
    switch_to(screens, keys["admin"])
    people = page.locator(".figure", has_text="Personnes aidées (distinctes)").locator(".value")
    shown_after_reloads(page, people.filter(has_text=re.compile("^1$")))
    screens.shot("dashboard")


def test_the_whole_programme_runs_from_the_screens_on_an_empty_system(screens, keys):
    page = screens.page
    imeis = [new_imei() for _ in range(3)]
    pin = f"{uuid.uuid4().int % 10**12:012d}"

    screens.sign_in(keys["admin"])
    admin_approves_an_organisation(screens, page)

    switch_to(screens, keys["partner"])
    partner_announces(screens, page, imeis, pin)

    switch_to(screens, keys["workshop"])
    workshop_receives(screens, page, imeis)
    workshop_refurbishes(screens, page, imeis[0])

    switch_to(screens, keys["admin"])
    admin_publishes_prices(screens, page)

    switch_to(screens, keys["workshop"])
    workshop_ships(screens, page, imeis[0])

    switch_to(screens, keys["counter"])
    counter_receives(screens, page)
    counter_sells(screens, page, pin)

    impact_and_dashboard_move(screens, page, keys)
