"""The embedded system (``make run``): four services in this process, through the gateway."""

from __future__ import annotations

import pytest
import requests

from services.common.tokens import ROLES
from services.embedded import DEMO_PARTNER, DEMO_SITES
from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until

http = requests.Session()  # sends the demo admin key (set by the fixture)


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with embedded_system(tmp_path_factory.mktemp("embedded"), "embeddedtest") as running:
        http.headers["Authorization"] = f"Bearer {running.demo_keys['admin']}"
        yield running


def api(system, path: str) -> str:
    return f"{system.gateway_url}/api/{path}"


def read(system, path: str):
    """``GET /api/<path>`` through the gateway: the JSON answer."""
    return http.get(api(system, path), timeout=10).json()


def announce(system, partner_id: str, site_id: str, *lines: dict) -> requests.Response:
    """``POST /api/donations/donations``: the partner's donation of ``lines`` at the site."""
    body = {"partner_id": partner_id, "site_id": site_id, "lines": list(lines)}
    return http.post(api(system, "donations/donations"), json=body, timeout=10)


def first_site(system, **wanted) -> dict:
    """The first of inventory's sites whose fields have the ``wanted`` values."""
    sites = read(system, "inventory/sites")
    return next(site for site in sites if all(site[k] == v for k, v in wanted.items()))


def test_health_names_every_service_as_up(system):
    response = requests.get(f"{system.gateway_url}/health", timeout=10)
    assert response.status_code == 200
    services = response.json()["services"]
    assert set(services) == {"donations", "inventory", "sales"}
    assert all(state["status"] == "up" for state in services.values())


def test_demo_sites_are_seeded_and_projected_into_sales(system):
    sites = http.get(api(system, "inventory/sites"), timeout=10).json()
    assert sorted(site["city"] for site in sites) == sorted(city for _, city, _ in DEMO_SITES)
    wait_until(
        lambda: len(http.get(api(system, "sales/sites"), timeout=10).json()) == len(DEMO_SITES)
    )


def test_received_donation_becomes_devices_and_partner_impact(system):
    partner = http.get(api(system, "donations/partners"), timeout=10).json()["items"][0]
    workshop = first_site(system, kind="workshop")
    announced = announce(
        system,
        partner["id"],
        workshop["id"],
        {
            "kind": "hardware_lot",
            "category": "smartphone",
            "quantity": 5,
            "brand": "Fairphone",
            "model": "4",
            "serials": ["FP4-0001"],
            "imeis": ["35-693803-564380-9"],
        },
        {
            "kind": "prepaid_cards",
            "quantity": 20,
            "operator": "Opérateur",
            "product_name": "Recharge 5 EUR",
            "face_value_cents": 500,
            "expiry_date": "2099-12-31",
        },
    )
    assert announced.status_code == 201, announced.text
    donation = announced.json()
    received = http.post(
        api(system, f"donations/donations/{donation['id']}/reception"),
        json={
            "lines": [
                {
                    "line_id": line["id"],
                    "received_quantity": 4 if line["kind"] == "hardware_lot" else 20,
                }
                for line in donation["lines"]
            ]
        },
        headers={"X-Request-ID": "embedded-journey"},
        timeout=10,
    )
    assert received.status_code == 200, received.text
    assert received.headers["X-Request-ID"] == "embedded-journey"

    devices = wait_until(
        lambda: (
            (page := read(system, f"inventory/devices?donation_id={donation['id']}"))["total"] == 4
            and page
        )
    )
    assert {d["state"] for d in devices["items"]} == {"received"}
    assert sorted(d["serial"] or "" for d in devices["items"])[-1] == "FP4-0001"
    impact = wait_until(
        lambda: (
            (body := read(system, f"donations/partners/{partner['id']}/impact"))["devices_received"]
            >= 4
            and body
        )
    )
    assert impact["partner_id"] == partner["id"]


def test_combined_openapi_covers_every_service(system):
    document = http.get(f"{system.gateway_url}/openapi.json", timeout=10).json()
    paths = set(document["paths"])
    assert "/api/donations/partners" in paths
    assert "/api/inventory/devices" in paths
    assert "/api/sales/sites" in paths


def test_bad_input_through_the_gateway_is_a_problem(system):
    response = http.post(api(system, "inventory/sites"), json={"name": ""}, timeout=10)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_cli_uploads_an_identifier_file_through_the_gateway_with_progress(system, tmp_path):
    import io

    from services.donations.upload_cli import upload

    partner = http.get(api(system, "donations/partners"), timeout=10).json()["items"][0]
    tablets = {"kind": "hardware_lot", "category": "tablet", "quantity": 10}
    donation = announce(system, partner["id"], first_site(system)["id"], tablets).json()

    def upload_file(name: str, rows: str) -> tuple[int, str]:
        """The CLI uploads ``rows`` to the donation's line: its exit status and its output."""
        path = tmp_path / name
        path.write_text(rows)
        out = io.StringIO()
        line_id = donation["lines"][0]["id"]
        key = system.demo_keys["admin"]
        status = upload(system.gateway_url, donation["id"], line_id, str(path), out, api_key=key)
        return status, out.getvalue()

    status, output = upload_file("good.csv", "serial\nTAB-1\nTAB-2\n")
    assert status == 0
    assert "uploading 100%" in output

    status, output = upload_file("bad.csv", "serial\nTAB-3\nTAB-1\n")
    assert status == 1
    assert "row 3: serial donated before" in output


def test_partner_impact_matches_inventory_after_refurbishment(system):
    from tests.support.inventory_workshop import SCRAP, TO_AVAILABLE

    partner = http.post(
        api(system, "donations/partners"), json={"name": "Impact Op", "kind": "company"}, timeout=10
    ).json()
    workshop = first_site(system, kind="workshop")
    phones = {"kind": "hardware_lot", "category": "smartphone", "quantity": 4}
    donation = announce(system, partner["id"], workshop["id"], phones).json()
    line = donation["lines"][0]
    http.post(
        api(system, f"donations/donations/{donation['id']}/reception"),
        json={"lines": [{"line_id": line["id"], "received_quantity": 4}]},
        timeout=10,
    ).raise_for_status()
    devices_url = api(system, f"inventory/devices?donation_id={donation['id']}")
    devices = wait_until(
        lambda: (page := http.get(devices_url, timeout=10).json())["total"] == 4 and page
    )["items"]

    def move(device_id, transition):
        url = api(system, f"inventory/devices/{device_id}")
        etag = http.get(url, timeout=10).headers["ETag"]
        response = http.post(
            f"{url}/transitions", json=transition, headers={"If-Match": etag}, timeout=10
        )
        assert response.status_code == 200, response.text

    for device in devices[:2]:
        for transition in TO_AVAILABLE:
            move(device["id"], transition)
    move(devices[2]["id"], {"to": "diagnosing"})
    move(devices[2]["id"], {"to": "scrapped", "scrap": SCRAP})

    impact_url = api(system, f"donations/partners/{partner['id']}/impact")
    expected = {"in_workshop": 1, "refurbished": 2, "scrapped": 1}
    impact = wait_until(
        lambda: (body := http.get(impact_url, timeout=10).json())["devices"] == expected and body
    )
    by_state = {
        state: http.get(f"{devices_url}&state={state}", timeout=10).json()["total"]
        for state in ("available", "scrapped")
    }
    assert (by_state["available"], by_state["scrapped"]) == (2, 1)  # inventory agrees
    assert impact["devices_received"] == 4


def test_demo_keys_one_per_role_are_written_and_work(system):
    import json
    import os
    from pathlib import Path

    written = json.loads((Path(os.environ.get("DATA_DIR", "var")) / "demo-keys.json").read_text())
    assert written == system.demo_keys
    assert set(written) == set(ROLES)
    paris = first_site(system, name=DEMO_SITES[1][0])
    for role, key in written.items():
        me = requests.get(api(system, "me"), headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert me.status_code == 200
        assert me.json()["role"] == role
    counter = requests.get(
        api(system, "me"), headers={"Authorization": f"Bearer {written['counter']}"}, timeout=10
    )
    assert counter.json()["site_id"] == paris["id"]
    partner = requests.get(
        api(system, "donations/partners"),
        headers={"Authorization": f"Bearer {written['partner']}"},
        timeout=10,
    )
    assert [p["name"] for p in partner.json()["items"]] == [DEMO_PARTNER]


def test_without_a_key_the_gateway_and_the_services_refuse(system):
    assert requests.get(api(system, "donations/partners"), timeout=10).status_code == 401
    for name, url in system.upstream_urls.items():
        direct = requests.get(
            f"{url}/sites" if name != "donations" else f"{url}/partners", timeout=10
        )
        assert direct.status_code == 401, name
        assert direct.headers["Content-Type"].startswith("application/problem+json")


def test_a_closed_site_takes_no_donation_until_it_reopens(system):
    partner = http.get(api(system, "donations/partners"), timeout=10).json()["items"][0]
    opened = http.post(
        api(system, "inventory/sites"),
        json={"name": "Point Annecy", "city": "Annecy", "kind": "counter"},
        timeout=10,
    ).json()
    body = {
        "partner_id": partner["id"],
        "site_id": opened["id"],
        "lines": [{"kind": "funds", "quantity": 1, "declared_value_cents": 5000}],
    }

    def announce():
        return http.post(api(system, "donations/donations"), json=body, timeout=10)

    wait_until(lambda: announce().status_code == 201)
    closing = http.patch(api(system, f"inventory/sites/{opened['id']}"), json={"open": False})
    assert closing.json()["open"] is False
    wait_until(lambda: announce().json().get("code") == "site-closed")
    http.patch(api(system, f"inventory/sites/{opened['id']}"), json={"open": True}, timeout=10)
    wait_until(lambda: announce().status_code == 201)
