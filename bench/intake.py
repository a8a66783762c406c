"""Intake end to end: a received donation of 10,000 phones until every device exists in
inventory, and until donations' partner impact has counted them all (the events back).

Both services run their real workers (relay and consumer threads) on PostgreSQL and
RabbitMQ; the donation is announced and received through donations' own API.
"""

from __future__ import annotations

import time
import uuid

from bench.environment import fresh_service
from bench.figures import Figure
from bench.identity import admin_client
from bench.polling import devices_in, wait_for
from services.donations.app import SERVICE as DONATIONS
from services.inventory.app import SERVICE as INVENTORY
from tests.support.donation_sites import open_site


def intake(phones: int = 10_000) -> list[Figure]:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    with (
        fresh_service("inventory", namespace) as inventory_settings,
        fresh_service("donations", namespace) as donations_settings,
    ):
        inventory = INVENTORY.runtime(inventory_settings)
        donations = DONATIONS.runtime(donations_settings)
        workers = [INVENTORY.worker(inventory).start(), DONATIONS.worker(donations).start()]
        for worker in workers:
            worker.wait_until_consuming()
        stock = admin_client(INVENTORY.create_app({"RUNTIME": inventory}))
        desk = admin_client(DONATIONS.create_app({"RUNTIME": donations}))
        site = stock.post("/sites", json={"name": "Atelier", "city": "Paris", "kind": "workshop"})
        open_site(donations, site.get_json()["id"])  # not left to the race with its event
        partner = desk.post("/partners", json={"name": "Op", "kind": "telecom_operator"})
        donation = desk.post(
            "/donations",
            json={
                "partner_id": partner.get_json()["id"],
                "site_id": site.get_json()["id"],
                "lines": [{"kind": "hardware_lot", "category": "smartphone", "quantity": phones}],
            },
        ).get_json()
        line = donation["lines"][0]
        started = time.perf_counter()
        desk.post(
            f"/donations/{donation['id']}/reception",
            json={"lines": [{"line_id": line["id"], "received_quantity": phones}]},
        )
        in_inventory = _wait(lambda: devices_in(inventory) >= phones) - started
        impact_url = f"/partners/{partner.get_json()['id']}/impact"
        counted = (
            _wait(lambda: desk.get(impact_url).get_json()["devices_received"] >= phones) - started
        )
        for worker in workers:
            worker.stop()
        inventory.dispose()
        donations.dispose()
    return [
        Figure(
            f"Intake: {phones:,} phones received → all in inventory (s; "
            f"{phones / in_inventory:,.0f} devices/s)",
            in_inventory,
            None,
            "s",
            "≤ 10 s",
            in_inventory <= 10,
        ),
        Figure(
            f"Intake: … → counted in the partner's impact (s; {phones / counted:,.0f} events/s)",
            counted,
            None,
            "s",
            "— (reported)",
            None,
        ),
    ]


def _wait(condition) -> float:
    return wait_for(condition, 300.0, "intake did not complete")
