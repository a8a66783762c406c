"""Donations accept a donation only for a site inventory has opened: tests open theirs."""

from __future__ import annotations

import uuid

from services.common.events.envelope import new_event
from services.donations.handlers import record_site_city
from tests.support.waiting import wait_until

SITE_ID = "5a1e0000-0000-4000-8000-000000000001"  # the site tests/service/conftest.py opens


def open_site(runtime, site_id: str | None = None, city: str = "Lyon") -> str:
    """Apply ``inventory.site.opened`` to donations, as its consumer would; the site's id."""
    site_id = site_id or str(uuid.uuid4())
    data = {"site_id": site_id, "name": f"Site {site_id[:8]}", "city": city, "kind": "counter"}
    opened = new_event(
        "inventory.site.opened", source="inventory", subject=site_id, sequence=1, data=data
    )
    with runtime.unit_of_work() as uow:
        record_site_city(uow, opened)
        uow.commit()
    return site_id


def announce_once_site_known(client, body: dict, headers: dict | None = None) -> dict:
    """POST a donation through the gateway with ``client`` (its ``url`` and ``http`` session),
    retried while donations has not yet learnt of a site just opened (an event away)."""

    def attempt():
        url = f"{client.url}/api/donations/donations"
        response = client.http.post(url, json=body, headers=headers, timeout=10)
        unknown = response.status_code == 422 and response.json().get("code") == "unknown-site"
        return None if unknown else response

    response = wait_until(attempt)
    assert response.status_code == 201, f"announce: {response.status_code} {response.text}"
    return response.json()
