"""A partner in the browser: announce a donation, upload a file of IMEIs with a bad row
(the whole file refused, the row named, with a progress bar), upload the corrected file,
download the donation receipt once received, and see the impact charts."""

from __future__ import annotations

import re
from pathlib import Path

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import new_imei
from tests.browser.chromium import playwright_api
from tests.support.waiting import wait_until

expect = playwright_api().expect


def csv_file(name: str, rows: list[str]) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": ("imei\n" + "\n".join(rows)).encode()}


def test_partner_uploads_a_file_with_a_bad_row_then_a_good_one(
    screens, apis, keys, partner_id, workshop_site
):
    page = screens.page
    heading = page.get_by_role("heading", level=1)
    screens.sign_in(keys["partner"])
    expect(heading).to_have_text("Mes dons")
    check_screen(page, "partner-donations")

    page.get_by_role("navigation").get_by_role("link", name="Annoncer un don").click()
    expect(heading).to_have_text("Annoncer un don")
    page.get_by_label("Nombre d'appareils").fill("3")
    page.get_by_role("button", name="Annoncer le don").click()  # no delivery site yet
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Lieu de livraison")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Nombre d'appareils")).to_have_value("3")
    check_screen(page, "partner-announce-error")
    screens.shot("announcement refused, form kept")

    page.get_by_label("Lieu de livraison").select_option(workshop_site["id"])
    page.get_by_label("Marque").fill("Fairphone")
    page.get_by_label("Modèle").fill("4")
    page.get_by_role("button", name="Annoncer le don").click()
    expect(heading).to_contain_text("Don du")
    donation_id = page.url.rsplit("/", 1)[-1]

    good = [new_imei() for _ in range(3)]
    bad = good[1][:-1] + str((int(good[1][-1]) + 1) % 10)  # wrong check digit
    upload = page.get_by_label("Fichier des numéros de série ou IMEI (CSV)")
    upload.set_input_files(csv_file("imeis.csv", [good[0], bad, good[2]]))
    page.get_by_role("button", name="Envoyer le fichier").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Le fichier est refusé en entier")
    refused = page.locator("table.bad-rows tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("3")  # the header is row 1
    expect(refused).to_contain_text(bad)
    expect(refused).to_contain_text("chiffre de contrôle incorrect")
    expect(page.get_by_role("progressbar", name="Envoi du fichier")).to_have_attribute(
        "value", "100"
    )
    check_screen(page, "partner-upload-refused")
    screens.shot("file refused with its bad row")

    upload.set_input_files(csv_file("imeis-fixed.csv", good))
    page.get_by_role("button", name="Envoyer le fichier").click()
    expect(page.locator(".notice.ok")).to_contain_text("3 valeur(s) enregistrée(s) sur 3 ligne(s)")
    expect(summary).to_have_count(0)
    screens.shot("corrected file accepted")
    donation = apis["partner"].get(f"donations/donations/{donation_id}").json()
    assert sorted(donation["lines"][0]["imeis"]) == sorted(good)

    apis["workshop"].post(
        f"donations/donations/{donation_id}/reception",
        {"lines": [{"line_id": donation["lines"][0]["id"], "received_quantity": 3}]},
    )
    page.reload()
    with page.expect_download() as receipt:
        page.get_by_role("button", name=re.compile("Télécharger l'attestation")).click()
    assert Path(receipt.value.path()).read_bytes().startswith(b"%PDF")
    check_screen(page, "partner-donation-received")
    screens.shot("donation received, receipt")

    impact = f"donations/partners/{partner_id}/impact"
    wait_until(lambda: apis["partner"].get(impact).json()["devices_received"] >= 3, timeout=20)
    page.get_by_role("navigation").get_by_role("link", name="Impact").click()
    expect(heading).to_have_text("Impact de vos dons")
    chart = page.get_by_role("img", name=re.compile("Appareils par étape"))
    expect(chart).to_be_visible()
    check_screen(page, "partner-impact")
    screens.shot("impact")
