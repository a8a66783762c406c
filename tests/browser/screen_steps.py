"""Steps of the browser tests that several journeys take on screen: sign in as a role,
wait for what an event will bring, take a device through the workshop."""

from __future__ import annotations

import re

from tests.browser.chromium import playwright_api

expect = playwright_api().expect


def shown_after_reloads(page, locator, tries: int = 20) -> None:
    """``locator`` appears once an event has done its work: reload the screen until then."""
    for _ in range(tries):
        try:
            expect(locator.first).to_be_visible(timeout=1500)
            return
        except AssertionError:
            page.reload()
    expect(locator.first).to_be_visible()


def switch_to(screens, key: str) -> None:
    """Sign out whoever is signed in, then sign in with ``key``."""
    page = screens.page
    sign_out = page.get_by_role("button", name="Se déconnecter")
    if sign_out.count():
        sign_out.click()
        expect(page.get_by_label("Clé d'API", exact=True)).to_be_visible()
    screens.sign_in(key)


def refurbish_on_screen(page) -> None:
    """The device page on screen, from received to available, each step's record typed."""
    state = page.locator("#device-state")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    page.get_by_role("button", name="Valider : Diagnostic").click()
    expect(state).to_have_text("Diagnostic")
    page.get_by_role("button", name="Terminer le diagnostic et passer à l'effacement").click()
    page.get_by_role("button", name="Tout est conforme").click()
    page.get_by_label("Santé de la batterie (%)").fill("91")
    page.get_by_role("button", name="Valider : Effacement des données").click()
    expect(state).to_have_text("Effacement des données")
    page.get_by_role("button", name="Passer au classement").click()
    fill_wipe_record(page)
    page.get_by_role("button", name="Valider : Classement").click()
    expect(state).to_have_text("Classement")
    page.get_by_role("button", name="Classer et mettre en vente").click()
    page.get_by_label("B — bon état").check()
    page.get_by_label("1 — tout fonctionne").check()
    page.get_by_label("Libellé pour l'acheteur").fill("Fairphone 4 - très bon état")
    page.get_by_role("button", name="Valider : Disponible").click()
    expect(state).to_have_text("Disponible")


def fill_wipe_record(page) -> None:
    """The data sanitisation record of the wiping step, as a technician types it."""
    page.get_by_label("Niveau (NIST SP 800-88)").select_option("purge")
    page.get_by_label("Méthode").select_option("crypto_erase")
    page.get_by_label("Outil", exact=True).fill("Blancco Mobile Diagnostics & Erasure")
    page.get_by_label("Version de l'outil").fill("7.3.1")
    page.get_by_label("Type de support").fill("mémoire flash (eMMC)")
    page.get_by_label("Complète").check()
    for group, person in (
        ("Effacement réalisé par", "Zoé Martin"),
        ("Vérification réalisée par", "Karim Benali"),
    ):
        operator = page.get_by_role("group", name=group)
        operator.get_by_label("Nom").fill(person)
        operator.get_by_label("Fonction").fill("Technicienne")
        operator.get_by_label("Lieu").fill("Atelier Paris 11e")


def euros(amount: str) -> re.Pattern:
    return re.compile(amount + r"\s*€")  # French money has a narrow no-break space before €
