"""What a caller asks of sales (frozen dataclasses): the views build them, ``handlers.py``
routes each to its use case (``COMMAND_HANDLERS``).

``at`` is the moment the request was made (UTC); ``site_scope`` is a counter's own site (it
sees and acts on that site's orders and people only), None for an admin.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from services.sales.domain.enrolment import EnrolmentPolicy


def _new_id() -> str:
    return str(uuid.uuid4())


# orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineWanted:
    product_key: str
    quantity: int
    device_id: str | None = None


@dataclass(frozen=True)
class PlaceOrder:
    site_id: str
    beneficiary_code: str
    lines: tuple[OrderLineWanted, ...]
    actor: str
    at: datetime
    order_id: str = field(default_factory=_new_id)  # known before the order exists: waits


@dataclass(frozen=True)
class RequestCompletion:
    order_id: str
    payment_method: str
    actor: str
    at: datetime
    site_scope: str | None = None


@dataclass(frozen=True)
class CancelOrder:
    order_id: str
    reason: str
    actor: str
    at: datetime
    site_scope: str | None = None


# referrals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterOrganisation:
    name: str
    kind: str
    contacts: tuple[dict[str, Any], ...] = ()
    city: str | None = None


@dataclass(frozen=True)
class ChangeOrganisation:
    """``changes``: any of name, kind, city and contacts (which replace the current ones)."""

    organisation_id: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class DecideApproval:
    """An admin approves (``approved``) or suspends the organisation."""

    organisation_id: str
    approved: bool
    actor: str
    at: datetime


@dataclass(frozen=True)
class Enrol:
    display_name: str
    home_site_id: str
    organisation_id: str
    referred_on: date
    starts_on: date
    today: date
    policy: EnrolmentPolicy
    actor: str
    contact: str | None = None
    social_worker_id: str | None = None
    referral_reason: str | None = None


@dataclass(frozen=True)
class RenewEnrolment:
    code: str
    today: date
    policy: EnrolmentPolicy
    site_scope: str | None = None


@dataclass(frozen=True)
class CloseEnrolment:
    code: str
    today: date
    site_scope: str | None = None


@dataclass(frozen=True)
class ErasePerson:
    code: str
    at: datetime
    site_scope: str | None = None


# limits and prices ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetLimit:
    """Create or replace the rule ``code`` (``rule``: measure, maximum, window, …)."""

    code: str
    rule: dict[str, Any]
    actor: str
    at: datetime


@dataclass(frozen=True)
class RemoveLimit:
    code: str


@dataclass(frozen=True)
class PublishPriceGrid:
    entries: tuple[dict[str, Any], ...]
    actor: str
    at: datetime
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class PublishImpactFactors:
    """A new version of the environmental factors, in force from now (``factors``: one per
    device category, in grams, ``domain/environment.py``); past sales keep theirs."""

    factors: tuple[dict[str, Any], ...]
    actor: str
    at: datetime
    note: str | None = None
