"""Donations with partner webhooks under test: settings that admit a receiver on loopback and
retry fast, and the steps tests share (a partner, an endpoint, delivery rounds)."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo

from services.donations.domain.webhooks import RetryPolicy
from services.donations.settings import Settings
from services.donations.webhook_delivery import deliver_webhooks
from services.donations.webhook_settings import WebhookSettings
from tests.support.auth import as_partner
from tests.support.waiting import wait_until

FAST_RETRIES = RetryPolicy(base_seconds=0.05, cap_seconds=0.2, window_seconds=60)


def settings(**webhooks) -> Settings:
    options = {"allow_loopback_http": True, "batch_window_seconds": 0.0, "retry": FAST_RETRIES}
    return Settings(
        card_codes_key_dir=Path(os.environ["CARD_CODES_KEY_DIR"]),
        programme_timezone=ZoneInfo("Europe/Paris"),
        webhooks=WebhookSettings(**(options | webhooks)),
    )


def new_partner(client, name="Opérateur") -> str:
    response = client.post("/partners", json={"name": name, "kind": "telecom_operator"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def register(client, partner_id, url, kinds=("devices.refurbished",), **extra) -> dict:
    body = {"url": url, "kinds": list(kinds), "description": "ERP", **extra}
    response = client.post("/webhooks", json=body, headers=as_partner(partner_id))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def settle(runtime, condition, timeout=15.0):
    """Run delivery rounds (as the worker's task does) until ``condition()`` holds."""

    def probe():
        deliver_webhooks(runtime)
        return condition()

    return wait_until(probe, timeout=timeout, interval=0.05)
