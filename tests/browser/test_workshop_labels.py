"""The workshop prints asset-tag labels from the screens: a received donation's from its
reception page, a selection of scanned tags from the labels screen. The PDF that the browser
saves is decoded by zbar, label by label, and must carry the tags from the start position."""

from __future__ import annotations

from pathlib import Path

from services.inventory.domain.labels import FORMATS
from tests.browser.accessibility import check_screen
from tests.browser.api_setup import announce, receive
from tests.browser.chromium import playwright_api
from tests.support.label_scanning import in_reading_order, scan_sheets

expect = playwright_api().expect


def saved_pdf(page, button) -> bytes:
    with page.expect_download() as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename.endswith(".pdf")
    data = Path(saved.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    return data


def test_workshop_prints_a_donations_labels_on_a_partly_used_sheet(
    screens, apis, keys, partner_id, workshop_site, tmp_path
):
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=3)
    tags = sorted(device["asset_tag"] for device in receive(apis["workshop"], donation))
    page = screens.page

    screens.sign_in(keys["workshop"])
    screens.open(f"workshop/reception/{donation['id']}")
    panel = page.get_by_role("region", name="Imprimer les étiquettes")
    panel.get_by_label("Planche").select_option("a4-3x7")
    panel.get_by_label("Première étiquette libre").fill("3")
    panel.get_by_label("Ajouter un QR code du numéro").check()
    check_screen(page, "workshop-donation-labels")
    screens.shot("donation labels")
    pdf = saved_pdf(page, panel.get_by_role("button", name="Imprimer les étiquettes"))

    slots = in_reading_order(scan_sheets(pdf, FORMATS["a4-3x7"], tmp_path / "bars"))
    assert slots[:5] == [None, None, *tags]
    qr = in_reading_order(scan_sheets(pdf, FORMATS["a4-3x7"], tmp_path / "qr", "qrcode"))
    assert qr[:5] == [None, None, *tags]


def test_workshop_prints_labels_for_scanned_tags_and_sees_unknown_ones(
    screens, apis, keys, partner_id, workshop_site, tmp_path
):
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=2)
    tags = sorted(device["asset_tag"] for device in receive(apis["workshop"], donation))
    page = screens.page

    screens.sign_in(keys["workshop"])
    page.get_by_role("navigation").get_by_role("link", name="Étiquettes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imprimer les étiquettes")
    scanned = page.get_by_role("textbox", name="Numéros d'inventaire")
    scanned.fill("\n".join([*reversed(tags), "CS-999997"]))
    print_button = page.get_by_role("button", name="Imprimer les étiquettes")
    print_button.click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Aucun appareil ne porte ces numéros : CS-999997")
    screens.shot("unknown tag")

    scanned.fill("\n".join(reversed(tags)))
    check_screen(page, "workshop-labels")
    pdf = saved_pdf(page, print_button)
    slots = in_reading_order(scan_sheets(pdf, FORMATS["a4-3x8"], tmp_path))
    assert slots[:2] == list(reversed(tags))  # the order they were scanned in
    assert slots[2:] == [None] * 22
