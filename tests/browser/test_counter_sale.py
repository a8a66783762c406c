"""A full sale at a counter, in the browser: enrol a referred person, see their budget and
the catalogue, order a phone and a prepaid card, take the payment, get the receipt and
reveal the card's code once."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import (
    CARD,
    PHONE,
    announce,
    approved_organisation,
    available,
    publish_prices,
    receive,
    refurbish,
    upload_pins,
)
from tests.browser.chromium import playwright_api
from tests.support.waiting import wait_until

expect = playwright_api().expect


def euros(amount: str) -> re.Pattern:
    return re.compile(amount + r"\s*€")  # French money has a narrow no-break space before €


def stock_a_phone_and_a_card(apis, partner_id: str, site_id: str) -> str:
    pin = f"{uuid.uuid4().int % 10**12:012d}"
    donation = announce(apis["partner"], partner_id, site_id, phones=1, cards=1)
    upload_pins(apis["partner"], donation, [pin])
    for device in receive(apis["workshop"], donation):
        refurbish(apis["workshop"], device)
    publish_prices(apis["admin"])
    wait_until(
        lambda: (stock := available(apis["counter"], site_id)).get(PHONE) and stock.get(CARD),
        timeout=20,
    )
    return pin


def test_counter_sells_a_phone_and_a_card_and_reveals_the_code_once(
    screens, apis, keys, paris, partner_id
):
    pin = stock_a_phone_and_a_card(apis, partner_id, paris["id"])
    organisation = approved_organisation(apis["admin"])
    page = screens.page
    heading = page.get_by_role("heading", level=1)

    screens.sign_in(keys["counter"])
    expect(heading).to_have_text("Accueil des personnes")
    check_screen(page, "counter-home")
    screens.shot("counter home")

    # A missing name: the error is on the field, and what was typed stays.
    page.get_by_label("Contact").fill("06 12 34 56 78")
    page.get_by_label("Structure orienteuse").select_option(label=organisation["name"])
    page.get_by_role("button", name="Inscrire la personne").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nom ou initiales : Ce champ est obligatoire.")
    name = page.get_by_label("Nom ou initiales")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Contact")).to_have_value("06 12 34 56 78")
    expect(page.get_by_label("Structure orienteuse")).to_have_value(organisation["id"])
    check_screen(page, "counter-enrolment-error")
    screens.shot("enrolment refused, form kept")

    name.fill("Jeanne D.")
    page.get_by_label("Référent ou référente").select_option(label="Assistante sociale")
    page.get_by_role("button", name="Inscrire la personne").click()
    expect(heading).to_have_text("Jeanne D.")
    expect(page.locator("#eligibility")).to_have_text("active")
    expect(page.locator("#budget")).to_contain_text(euros("30,00"))
    phone_row = page.get_by_role("row", name=re.compile("Smartphone, état B"))
    expect(phone_row).to_contain_text(euros("15,00"))
    expect(phone_row).to_contain_text(euros("120,00"))
    check_screen(page, "counter-person")
    screens.shot("person, budget and catalogue")

    page.get_by_label("Quantité de Smartphone, état B").fill("1")
    page.get_by_label("Quantité de Carte Orange").fill("1")
    expect(page.locator(".total")).to_contain_text(euros("17,50"))
    page.get_by_role("button", name="Passer la commande").click()
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Réservée")
    check_screen(page, "counter-order-reserved")
    screens.shot("order reserved")

    page.get_by_label("Espèces").check()
    page.get_by_role("button", name="Valider la vente").click()
    expect(outcome).to_contain_text("Terminée")
    expect(outcome).to_contain_text(re.compile(r"Reçu de vente n° \d{4}-\d{6}"))
    with page.expect_download() as receipt:
        page.get_by_role("button", name="Télécharger le reçu (PDF)").click()
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Imprimer le reçu").click()
    expect(printed.value).to_have_url(re.compile(r"^blob:"))
    printed.value.close()
    screens.shot("sale completed")

    page.get_by_role("button", name="Afficher les codes (une seule fois)").click()
    codes = page.locator("table.codes")
    expect(codes).to_contain_text(pin)
    expect(page.get_by_role("button", name="Afficher les codes (une seule fois)")).to_have_count(0)
    check_screen(page, "counter-codes-revealed")
    screens.shot("card code revealed once")

    # The answer was lost (say the page was reloaded): this post may show them again for a while.
    page.reload()
    page.get_by_role("button", name="Afficher les codes (une seule fois)").click()
    expect(page.locator("table.codes")).to_contain_text(pin)

    page.get_by_role("link", name="← Fiche de la personne").click()
    expect(page.locator("#budget")).to_contain_text(euros("12,50"))
    screens.shot("budget after the sale")

    page.get_by_role("link", name="← Accueil des personnes").click()
    page.get_by_label("Code ou nom").fill("jeanne")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("table", name="1 personne trouvée")).to_contain_text("Jeanne D.")
    check_screen(page, "counter-search")
