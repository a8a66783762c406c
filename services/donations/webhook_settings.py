"""Partner webhooks' settings, read once when donations starts (``Settings.webhooks``).

``WEBHOOKS_ALLOW_LOOPBACK_HTTP=1`` is for tests and the embedded demo ONLY: it lets
endpoints on loopback addresses (127.0.0.0/8, ::1) be registered and delivered to, over
plain http too. Off by default; production never sets it. The other variables tune the
delivery loop (README, "Webhooks").
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from services.common.config import env_float, env_int, env_str
from services.donations.domain.webhooks import RetryPolicy


@dataclass(frozen=True)
class WebhookSettings:
    allow_loopback_http: bool = False  # TEST / DEVELOPMENT ONLY
    interval_seconds: float = 0.5  # how often the delivery loop looks for work
    batch_window_seconds: float = 2.0  # facts of one kind gathered for this long
    batch_max_items: int = 1000  # facts in one delivery at most
    connect_timeout_seconds: float = 3.0
    total_timeout_seconds: float = 10.0
    lease_margin_seconds: float = 30.0  # a dead sender's claims return after total + this
    max_response_bytes: int = 64 * 1024
    senders: int = 8  # deliveries in flight at most, all endpoints together
    per_endpoint: int = 2  # deliveries in flight at most to one endpoint
    secret_overlap_seconds: float = 24 * 3600.0  # the previous secret stays valid this long
    retry: RetryPolicy = RetryPolicy()
    secrets_key: bytes | None = None  # WEBHOOK_SECRETS_KEY (base64, 32 bytes)

    @classmethod
    def from_env(cls) -> WebhookSettings:
        key = env_str("WEBHOOK_SECRETS_KEY", "")
        return cls(
            allow_loopback_http=env_str("WEBHOOKS_ALLOW_LOOPBACK_HTTP", "0") == "1",
            interval_seconds=env_float("WEBHOOKS_INTERVAL_SECONDS", cls.interval_seconds),
            batch_window_seconds=env_float(
                "WEBHOOKS_BATCH_WINDOW_SECONDS", cls.batch_window_seconds
            ),
            batch_max_items=env_int("WEBHOOKS_BATCH_MAX_ITEMS", cls.batch_max_items),
            connect_timeout_seconds=env_float(
                "WEBHOOKS_CONNECT_TIMEOUT_SECONDS", cls.connect_timeout_seconds
            ),
            total_timeout_seconds=env_float(
                "WEBHOOKS_TOTAL_TIMEOUT_SECONDS", cls.total_timeout_seconds
            ),
            lease_margin_seconds=env_float(
                "WEBHOOKS_LEASE_MARGIN_SECONDS", cls.lease_margin_seconds
            ),
            senders=env_int("WEBHOOKS_SENDERS", cls.senders),
            per_endpoint=env_int("WEBHOOKS_PER_ENDPOINT", cls.per_endpoint),
            retry=RetryPolicy(
                base_seconds=env_float("WEBHOOKS_RETRY_BASE_SECONDS", 5.0),
                cap_seconds=env_float("WEBHOOKS_RETRY_CAP_SECONDS", 3600.0),
                window_seconds=env_float("WEBHOOKS_RETRY_WINDOW_SECONDS", 24 * 3600.0),
                disable_after_seconds=env_float("WEBHOOKS_DISABLE_AFTER_SECONDS", 24 * 3600.0),
            ),
            secrets_key=base64.b64decode(key) if key else None,
        )
