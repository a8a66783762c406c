"""The daily screens the programme walk passes by: the admin's sites, API keys (the secret
shown once, copied, rotated, revoked) and limit rules, a referring organisation suspended
and a price grid's new version made from the one in force, with its validity dates; a
counter renewing and closing an enrolment and cancelling an order with its reason. Each is
checked with axe-core and the keyboard, and the states these screens reach once more in
English."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.browser.accessibility import check_screen
from tests.browser.api_setup import (
    announce,
    approved_organisation,
    available,
    counter_key,
    enrol,
    new_imei,
    publish_prices,
    receive,
    receive_transfer,
    refurbish,
    ship,
    suspend,
)
from tests.browser.chromium import playwright_api
from tests.browser.screen_steps import euros
from tests.support.waiting import wait_until

expect = playwright_api().expect

SITE = "Point d'accueil Nantes"
PHONE, CARD = "Smartphone, état B", "Carte Orange"  # api_setup.PRICES' products, on screen
PARIS = ZoneInfo("Europe/Paris")  # the browser's time zone (conftest)
SHOWN_DATE = """([day, locale]) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(`${day}T12:00:00`))"""


def shown_date(page, day: date, locale: str = "fr-FR") -> str:
    """``day`` as the screens write it (format.js' ``date``)."""
    return page.evaluate(SHOWN_DATE, [day.isoformat(), locale])


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
    confirm = row.get_by_role("button", name="Confirmer la révocation de Accueil Nantes, poste 1")
    expect(confirm).to_be_focused()
    check_screen(page, "admin-key-revoke-confirmation")
    confirm.click()
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
    check_screen(page, "counter-enrolment-close-confirmation")
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


def test_admin_suspends_a_referrer_and_publishes_a_version_from_the_current(screens, apis, keys):
    admin = apis["admin"]
    organisation = approved_organisation(admin)
    publish_prices(admin)
    version = admin.get("sales/price-grids/current").json()["version"]
    name = organisation["name"]
    page = screens.page
    screens.sign_in(keys["admin"])
    nav = page.get_by_role("navigation")

    nav.get_by_role("link", name="Structures").click()
    row = page.get_by_role("row", name=re.compile(name))
    expect(row).to_contain_text("Agréée le")
    row.get_by_role("button", name=f"Suspendre {name}").click()
    row = page.get_by_role("row", name=re.compile(name))
    expect(row.locator(f"#state-{organisation['id']}")).to_have_text("Suspendue")
    expect(row.locator(f"#state-{organisation['id']}")).to_be_focused()
    expect(row.get_by_role("button", name=f"Agréer {name}")).to_be_visible()  # again, later
    check_screen(page, "admin-organisation-suspended")
    screens.shot("referrer suspended")

    nav.get_by_role("link", name="Prix").click()
    form = page.get_by_role("form", name=f"Nouvelle version à partir de la version {version}")
    expect(form.get_by_role("heading", level=2)).to_be_visible()
    expect(form.get_by_label(re.compile(f"Prix du marché de {PHONE}"))).to_have_value("120,00")
    expect(form.get_by_label(re.compile(f"Prix solidaire de {CARD}"))).to_have_value("2,50")
    solidarity = form.get_by_label(re.compile(f"Prix solidaire de {PHONE}"))
    expect(solidarity).to_have_value("15,00")  # every row of the grid in force, prefilled
    today = datetime.now(PARIS).date()
    until = today + timedelta(days=90)
    form.get_by_label("Valable à partir du").fill(today.isoformat())
    form.get_by_label("Valable jusqu'au").fill(until.isoformat())
    solidarity.fill("12,00")
    form.get_by_role("button", name="Publier la nouvelle version").click()
    caption = (
        f"Grille en vigueur : version {version + 1}, "
        f"du {shown_date(page, today)} au {shown_date(page, until)}"
    )
    current = page.get_by_role("table", name=caption)
    expect(current).to_be_visible()
    expect(current.get_by_role("row", name=re.compile(PHONE))).to_contain_text(euros("12,00"))
    expect(current.get_by_role("row", name=re.compile(CARD))).to_contain_text(euros("2,50"))
    expect(page.get_by_role("heading", level=2)).to_have_text(
        f"Nouvelle version à partir de la version {version + 1}"
    )
    check_screen(page, "admin-prices-version-published")
    screens.shot("version from the current one published")

    grid = admin.get("sales/price-grids/current").json()
    assert grid["version"] == version + 1
    midnight = {day: datetime.combine(day, datetime.min.time(), PARIS) for day in (today, until)}
    assert datetime.fromisoformat(grid["valid_from"]) == midnight[today]
    assert datetime.fromisoformat(grid["valid_until"]) == midnight[until]
    prices = {entry["product_key"]: entry["solidarity_cents"] for entry in grid["entries"]}
    assert prices == {"device:smartphone:b": 1200, "card:orange:1000": 250}


def sign_in_in_english(screens, key: str) -> None:
    """Signed out if need be, the English button pressed on the sign-in screen, signed in."""
    page = screens.page
    sign_out = page.get_by_role("button", name="Sign out")
    if sign_out.count():
        sign_out.click()
    screens.open()
    english = page.get_by_role("button", name="English")
    if english.count():
        english.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#nav a").first.wait_for()


def test_the_daily_screens_states_pass_the_checks_in_english(
    screens, apis, keys, paris, partner_id, workshop_site
):
    admin, workshop = apis["admin"], apis["workshop"]
    referrer = approved_organisation(admin)
    suspended = suspend(admin, approved_organisation(admin))
    publish_prices(admin)
    donation = announce(apis["partner"], partner_id, workshop_site["id"], phones=2)
    devices = receive(workshop, donation)
    for device in devices:
        refurbish(workshop, device)
    received = ship(workshop, workshop_site["id"], paris["id"], devices[:1])
    receive_transfer(apis["counter"], received)
    ship(workshop, workshop_site["id"], paris["id"], devices[1:])  # still in transit
    key = counter_key(admin, "Accueil Paris, poste 9", paris["id"])
    code = enrol(apis["counter"], referrer, "Noé D.")
    page = screens.page

    sign_in_in_english(screens, keys["admin"])
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referring organisations")
    expect(page.get_by_role("row", name=re.compile(suspended["name"]))).to_contain_text("Suspended")
    expect(page.get_by_role("row", name=re.compile(referrer["name"]))).to_contain_text(
        "Approved on"
    )
    check_screen(page, "admin-organisations-en")

    nav.get_by_role("link", name="Prices").click()
    expect(page.get_by_role("table", name=re.compile("^Grid in force: version"))).to_be_visible()
    check_screen(page, "admin-prices-en")

    nav.get_by_role("link", name="Transfers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transfers to the counters")
    for caption in (r"^\d+ transfers? in transit", r"^\d+ transfers? received"):
        expect(page.get_by_role("table", name=re.compile(caption))).to_be_visible()
    check_screen(page, "workshop-transfers-en")
    screens.open(f"workshop/transfer/{received['id']}")
    expect(page.locator("#transfer-state")).to_have_text("Received")
    check_screen(page, "workshop-transfer-received-en")

    nav.get_by_role("link", name="API keys").click()
    row = page.get_by_role("row", name=re.compile(key["name"]))
    row.get_by_role("button", name=f"Revoke {key['name']}").click()
    expect(row.get_by_role("button", name=f"Confirm revoking {key['name']}")).to_be_focused()
    check_screen(page, "admin-key-revoke-confirmation-en")
    screens.shot("revoke confirmation in English")

    sign_in_in_english(screens, keys["counter"])
    page.get_by_role("navigation").get_by_role("link", name="Incoming transfers").click()
    expect(page.get_by_role("table", name=re.compile(r"^\d+ transfers? received"))).to_be_visible()
    check_screen(page, "counter-transfers-en")
    screens.open(f"counter/transfer/{received['id']}")
    expect(page.locator("#transfer-state")).to_have_text("Received")
    check_screen(page, "counter-transfer-received-en")
    screens.open(f"counter/person/{code}")
    enrolment = page.get_by_role("region", name="Enrolment")
    enrolment.get_by_role("button", name="Close the enrolment").click()
    expect(enrolment).to_contain_text("will no longer be able to buy")
    expect(enrolment.get_by_role("button", name="Confirm the closure")).to_be_focused()
    check_screen(page, "counter-enrolment-close-confirmation-en")
    screens.shot("close confirmation in English")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
