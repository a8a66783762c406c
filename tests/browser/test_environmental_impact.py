"""Environmental impact on the screens: the partner's impact shows the CO2e and materials its
gifts avoided (as frozen at each sale), and the programme dashboard shows the programme's,
each equal to what the API answers. On the living demo, so that devices were sold."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import check_screen
from tests.browser.chromium import playwright_api

expect = playwright_api().expect


@pytest.fixture(scope="module")
def demo_data() -> str:
    return "programme"


def _kg(value: float) -> str:
    """As the screen writes it in French: whole kg, thin-space thousands."""
    return f"{round(value):,} kg".replace(",", "\u202f")


def test_the_partner_impact_shows_co2e_and_materials_avoided(screens, keys, apis, partner_id):
    impact = apis["partner"].get(f"donations/partners/{partner_id}/impact").json()
    assert impact["co2e_kg"] > 0 and impact["materials_kg"] > 0  # the demo sold its devices
    page = screens.page
    screens.sign_in(keys["partner"])
    page.get_by_role("navigation").get_by_role("link", name="Impact").click()
    section = page.get_by_role("region", name="Impact environnemental")
    expect(section).to_be_visible()
    co2e = section.locator("li", has_text="CO2e évité")
    expect(co2e).to_contain_text(_kg(impact["co2e_kg"]))
    materials = section.locator("li", has_text="Matières premières évitées")
    expect(materials).to_contain_text(_kg(impact["materials_kg"]))
    expect(section.get_by_role("table")).to_be_visible()  # per donation
    check_screen(page, "partner-environment")
    screens.shot("partner environmental impact")


def test_the_dashboard_shows_the_programmes_co2e_and_recycled_mass(screens, keys, apis):
    environment = apis["admin"].get("sales/impact").json()["environment"]
    assert environment["co2e_kg"] > 0
    page = screens.page
    screens.sign_in(keys["admin"])
    section = page.get_by_role("region", name="Impact environnemental")
    expect(section).to_be_visible()
    expect(section.locator("li", has_text="CO2e évité")).to_contain_text(
        _kg(environment["co2e_kg"])
    )
    expect(section.locator("li", has_text="Masse recyclée")).to_contain_text(
        _kg(environment["recycled_kg"])
    )
    expect(section.get_by_text("CO2e évité par mois (kg)").first).to_be_visible()
    check_screen(page, "dashboard-environment")
    screens.shot("dashboard environmental impact")
