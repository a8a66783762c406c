"""Devices sold through the real saga (the living demo's sales, in the embedded system) show
up in their partners' CO2e: sales freezes each device line's avoided figures when inventory
commits, states them in ``sales.order.completed``, and donations adds them to the partner
whose gift the device was. Every device sold came from a partner's gift, so once the events
have flowed the partners' CO2e add up to the programme's."""

from __future__ import annotations

import pytest
import requests

from tests.support.embedded import embedded_system
from tests.support.waiting import wait_until

TIMEOUT = 15


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with embedded_system(tmp_path_factory.mktemp("env"), "envflow", demo_programme=True) as one:
        yield one


def _get(system, path: str, **params):
    headers = {"Authorization": f"Bearer {system.demo_keys['admin']}"}
    answer = requests.get(
        f"{system.gateway_url}/api{path}", headers=headers, params=params, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _partners_co2e(system) -> tuple[float, list[dict]]:
    partners = _get(system, "/donations/partners", page_size=100)["items"]
    impacts = [_get(system, f"/donations/partners/{p['id']}/impact") for p in partners]
    return round(sum(impact["co2e_kg"] for impact in impacts), 3), impacts


def test_devices_sold_through_the_saga_count_in_their_partners_co2e(demo):
    programme = _get(demo, "/sales/impact")["environment"]
    assert programme["devices_sold"] > 0 and programme["co2e_kg"] > 0
    wait_until(lambda: _partners_co2e(demo)[0] == programme["co2e_kg"], timeout=TIMEOUT)
    _total, impacts = _partners_co2e(demo)
    for impact in impacts:
        per_donation = sum(donation["co2e_kg"] for donation in impact["donations"])
        assert round(per_donation, 3) == impact["co2e_kg"]
        sold = sum(donation["devices_sold"] for donation in impact["donations"])
        assert sold <= impact["devices_sold"]
