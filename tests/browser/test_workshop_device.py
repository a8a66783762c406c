"""The workshop in the browser: a device from received to available. It is scanned into
diagnosis with the bulk scan screen (a barcode scanner types its IMEI and Enter), then taken
through each step from its own page, each step's record typed into its form."""

from __future__ import annotations

import re

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import announce, new_imei, receive
from tests.browser.chromium import playwright_api
from tests.browser.screen_steps import fill_wipe_record

expect = playwright_api().expect


def test_workshop_takes_a_device_from_received_to_available(
    screens, apis, keys, partner_id, workshop_site
):
    imei = new_imei()
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=1, imeis=[imei])
    [device] = receive(apis["workshop"], donation)
    page = screens.page
    state = page.locator("#device-state")

    screens.sign_in(keys["workshop"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier de reconditionnement")
    received = page.get_by_role("region", name="Reçu")
    expect(received.get_by_role("link", name=device["asset_tag"])).to_be_visible()
    check_screen(page, "workshop-board")
    screens.shot("board")

    page.get_by_role("navigation").get_by_role("link", name="Scanner des appareils").click()
    scan = page.get_by_label("Étiquette ou IMEI scanné")
    expect(scan).to_be_focused()
    for scanned in (imei, "CS-999999"):  # as a scanner does: the digits, then Enter
        page.keyboard.type(scanned)
        page.keyboard.press("Enter")
    expect(scan).to_have_value("")
    expect(page.locator(".scans li")).to_have_count(2)
    check_screen(page, "workshop-scan")
    page.get_by_role("button", name="Appliquer à 2 appareils").click()
    results = page.locator("table")
    expect(results.get_by_role("row", name=re.compile(imei))).to_contain_text("Déplacé")
    expect(results.get_by_role("row", name=re.compile("CS-999999"))).to_contain_text("Refusé")
    expect(page.locator(".scans li")).to_have_count(1)  # the refused scan stays, to retry
    screens.shot("scan results")

    results.get_by_role("link", name=device["asset_tag"]).click()
    expect(state).to_have_text("Diagnostic")
    check_screen(page, "workshop-device")

    page.get_by_role("button", name="Terminer le diagnostic et passer à l'effacement").click()
    page.get_by_role("button", name="Valider : Effacement des données").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Toutes les fonctions doivent être testées")
    expect(page.get_by_role("group", name="Écran").get_by_label("Conforme")).to_have_attribute(
        "aria-invalid", "true"
    )
    screens.shot("checklist incomplete")
    page.get_by_role("button", name="Tout est conforme").click()
    page.get_by_label("Santé de la batterie (%)").fill("88")
    check_screen(page, "workshop-diagnosis-form")
    page.get_by_role("button", name="Valider : Effacement des données").click()
    expect(state).to_have_text("Effacement des données")

    page.get_by_role("button", name="Passer au classement").click()
    fill_wipe_record(page)
    check_screen(page, "workshop-wipe-form")
    screens.shot("wipe record")
    page.get_by_role("button", name="Valider : Classement").click()
    expect(state).to_have_text("Classement")
    expect(
        page.get_by_role("button", name="Télécharger le certificat d'effacement")
    ).to_be_visible()

    page.get_by_role("button", name="Classer et mettre en vente").click()
    page.get_by_label("B — bon état").check()
    page.get_by_label("1 — tout fonctionne").check()
    page.get_by_label("Libellé pour l'acheteur").fill("Fairphone 4 - très bon état")
    check_screen(page, "workshop-grade-form")
    page.get_by_role("button", name="Valider : Disponible").click()
    expect(state).to_have_text("Disponible")
    expect(
        page.get_by_role("table", name=re.compile("Changements d'état")).locator("tbody tr")
    ).to_have_count(4)
    check_screen(page, "workshop-device-available")
    screens.shot("device available")

    assert apis["workshop"].get(f"inventory/devices/{device['id']}").json()["state"] == "available"
