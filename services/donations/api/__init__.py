"""Donations' HTTP API: partners (with their impact), then donations (announcement,
reception, files, receipts), in the order the OpenAPI document lists them."""

from __future__ import annotations

from services.donations.api.donations import donations
from services.donations.api.partners import partners
from services.donations.api.webhooks import webhooks

BLUEPRINTS = (partners, donations, webhooks)
