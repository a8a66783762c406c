"""A partner in the browser: the Webhooks page. A private address is refused with the
reason; an endpoint on a receiver on loopback (the test-only setting) is registered and its
secret shown once; a test ping is delivered, signed with that secret, and shows in the
recent deliveries."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from tests.browser.accessibility import check_screen
from tests.browser.chromium import playwright_api
from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import Receiver

expect = playwright_api().expect


@pytest.fixture(scope="module")
def system(tmp_path_factory, demo_data):
    """The browser tests' embedded system, with loopback endpoints allowed (tests only)."""
    data_dir = tmp_path_factory.mktemp("browser-webhooks")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEMO_DATA", demo_data)
        patch.setenv("WEBHOOKS_ALLOW_LOOPBACK_HTTP", "1")
        with embedded_system(data_dir, "browserhooks", rate_limit="1000/second") as running:
            yield running


def test_partner_registers_an_endpoint_pings_it_and_sees_the_delivery(screens, keys):
    page = screens.page
    heading = page.get_by_role("heading", level=1)
    screens.sign_in(keys["partner"])
    page.get_by_role("navigation").get_by_role("link", name="Webhooks").click()
    expect(heading).to_have_text("Webhooks")
    expect(page.get_by_text("Aucune adresse pour l'instant.")).to_be_visible()
    check_screen(page, "partner-webhooks-empty")

    url = page.get_by_label("URL de l'adresse")
    url.fill("https://10.0.0.7/hooks")  # a literal private address: refused, never contacted
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("adresse non publique")
    expect(url).to_have_value("https://10.0.0.7/hooks")
    screens.shot("private address refused")

    with Receiver() as receiver:
        url.fill(receiver.url)
        page.get_by_label("Description").fill("Notre ERP")
        page.get_by_label("Impact du mois prêt").uncheck()  # only the ping will come
        page.get_by_role("button", name="Enregistrer").click()
        panel = page.locator(".secret")
        expect(panel).to_be_focused()
        expect(panel).to_contain_text("Adresse enregistrée : son secret de signature")
        secret = panel.locator("input").input_value()
        assert secret.startswith("whsec_")
        endpoint = page.get_by_role("region", name=receiver.url)
        expect(endpoint).to_contain_text("Rien d'envoyé pour l'instant.")
        check_screen(page, "partner-webhooks-secret")
        screens.shot("endpoint registered, secret shown once")

        endpoint.get_by_role("button", name="Envoyer un test").click()
        expect(page.locator(".secret")).to_have_count(0)  # gone once the page is redrawn
        wait_until(lambda: receiver.received, timeout=20)  # the worker's delivery loop
        [delivery] = receiver.received
        payload = Webhook(secret).verify(delivery.body, delivery.headers)
        assert payload["type"] == "webhook.test"

        def delivered() -> bool:
            page.reload()
            row = page.get_by_role("region", name=receiver.url).locator("tbody tr").first
            return "Livré (204)" in (row.text_content(timeout=5000) or "")

        wait_until(delivered, timeout=20, interval=0.5)
    row = page.get_by_role("region", name=receiver.url).locator("tbody tr").first
    expect(row).to_contain_text("webhook.test")
    expect(page.locator(".secret")).to_have_count(0)
    check_screen(page, "partner-webhooks-deliveries")
    screens.shot("test ping delivered")
