"""Donations' own settings: read once, when the service starts.

Its own variables are the partner webhooks' (``WEBHOOKS_*``, ``WEBHOOK_SECRETS_KEY``: a
group of their own, ``webhook_settings.py``). Besides, it needs where the card-code keys are
(``CARD_CODES_KEY_DIR``) to seal codes for inventory, and the programme's time zone
(``PROGRAMME_TIMEZONE``) to number and date receipts, both shared with the other services
(``services/common/config.py``). Upload bounds (rows per chunk, bad rows counted and listed,
codes per event) are part of the API's contract and stay constants
(``domain/files.py``, ``domain/events.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from services.common.config import card_codes_key_dir, programme_timezone
from services.common.webapp import current_runtime
from services.donations.webhook_settings import WebhookSettings


@dataclass(frozen=True)
class Settings:
    card_codes_key_dir: Path
    programme_timezone: ZoneInfo
    webhooks: WebhookSettings = WebhookSettings()  # partner webhooks (webhook_settings.py)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            card_codes_key_dir=card_codes_key_dir(),
            programme_timezone=programme_timezone(),
            webhooks=WebhookSettings.from_env(),
        )


def current_settings() -> Settings:
    """The settings of the donations service serving this request."""
    return current_runtime().settings.own
