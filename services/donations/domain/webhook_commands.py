"""What a caller asks of partner webhooks (``handlers/webhooks.py`` carries them out).

``scope`` is the caller's partner when a partner key asks (``None`` for an admin): a partner
registers, sees and changes only its own endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegisterWebhook:
    partner_id: str
    scope: str | None
    url: str
    kinds: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class ChangeWebhook:
    """Only the fields given (not ``None``) change; ``enabled=True`` re-enables a disabled
    endpoint (its failure streak starts again)."""

    webhook_id: str
    scope: str | None
    url: str | None = None
    kinds: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True)
class RemoveWebhook:
    webhook_id: str
    scope: str | None


@dataclass(frozen=True)
class RotateWebhookSecret:
    webhook_id: str
    scope: str | None


@dataclass(frozen=True)
class PingWebhook:
    webhook_id: str
    scope: str | None


@dataclass(frozen=True)
class ReplayDelivery:
    webhook_id: str
    delivery_id: str
    scope: str | None
