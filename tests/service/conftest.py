"""Fixtures of the service tests: one service over HTTP (its Flask test client) on a SQLite
file and the in-process broker, built by ``service_on_sqlite`` (``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.support.donation_sites import SITE_ID, open_site


@pytest.fixture(params=["donations", "inventory", "sales"])
def each_service(request, service_on_sqlite):
    """Each service in turn (the test runs once for each): ``(name, runtime, test client)``."""
    service = service_on_sqlite(request.param)
    return request.param, service.runtime, service.client


@pytest.fixture
def donations(service_on_sqlite):
    """Donations with inventory's site ``SITE_ID`` opened: ``(runtime, test client)``."""
    service = service_on_sqlite("donations")
    open_site(service.runtime, SITE_ID)
    return service.runtime, service.client


@pytest.fixture
def donations_partner(donations) -> dict:
    """A partner registered with donations (a telecom operator), as the API shows it."""
    _, client = donations
    response = client.post("/partners", json={"name": "Opérateur", "kind": "telecom_operator"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
