"""Partners and donations through a donations service test client (Flask's), for the tests
that need one announced before they begin."""

from __future__ import annotations

from tests.support.donation_sites import SITE_ID


def register_partner(client, name: str = "Op", kind: str = "company") -> dict:
    """A new partner, as the API shows it."""
    response = client.post("/partners", json={"name": name, "kind": kind})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def announce(client, partner_id: str, *lines: dict, site_id: str = SITE_ID) -> dict:
    """A donation of ``lines`` by the partner at ``site_id``, as the API shows it."""
    body = {"partner_id": partner_id, "site_id": site_id, "lines": list(lines)}
    response = client.post("/donations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()
