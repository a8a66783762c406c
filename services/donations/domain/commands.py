"""What a caller asks of donations: small frozen orders, one per use case (``handlers.py``).

``scope`` is the caller's partner when a partner key asks (``None`` for everyone else): a
partner sees and changes only its own partner and that partner's donations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Contact:
    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class RegisterPartner:
    name: str
    kind: str
    contacts: tuple[Contact, ...] = ()


@dataclass(frozen=True)
class ChangePartner:
    """Only the fields given (not ``None``) change; ``contacts`` replaces them all."""

    partner_id: str
    scope: str | None
    name: str | None = None
    kind: str | None = None
    contacts: tuple[Contact, ...] | None = None
    active: bool | None = None

    def given(self) -> set[str]:
        values = {"name": self.name, "kind": self.kind, "contacts": self.contacts}
        values["active"] = self.active
        return {name for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class CardCodeGiven:
    """A card's code given with the announcement (sealed at once, never returned)."""

    serial: str
    pin: str = field(repr=False)
    expiry_date: str | None = None


@dataclass(frozen=True)
class AnnouncedLine:
    """One announced line; which fields apply depends on ``kind`` (``lines.KIND_RULES``)."""

    kind: str
    quantity: int
    declared_value_cents: int | None = None
    category: str | None = None
    brand: str | None = None
    model: str | None = None
    declared_condition: str | None = None
    operator: str | None = None
    product_name: str | None = None
    face_value_cents: int | None = None
    voice_minutes: int | None = None
    data_mb: int | None = None
    expiry_date: date | None = None
    unit: str | None = None
    validity_days: int | None = None
    serials: tuple[str, ...] = ()
    imeis: tuple[str, ...] = ()
    codes: tuple[CardCodeGiven, ...] = ()


@dataclass(frozen=True)
class AnnounceDonation:
    partner_id: str
    site_id: str
    lines: tuple[AnnouncedLine, ...]
    scope: str | None = None


@dataclass(frozen=True)
class ExtraUnit:
    """A hardware unit that arrived beyond the announcement, known by its identifiers."""

    serial: str | None = None
    imei: str | None = None


@dataclass(frozen=True)
class Extra:
    quantity: int
    units: tuple[ExtraUnit, ...] = ()


@dataclass(frozen=True)
class ReceivedLine:
    line_id: str
    received_quantity: int
    declared_value_cents: int | None = None
    missing_identifiers: tuple[str, ...] = ()
    extra: Extra | None = None


@dataclass(frozen=True)
class ReceiveDonation:
    """What arrived of each line (every line, even when zero)."""

    donation_id: str
    lines: tuple[ReceivedLine, ...]
    scope: str | None = None


@dataclass(frozen=True)
class UploadIdentifiers:
    """A CSV of serials and/or IMEIs for one hardware line, read row by row as it streams."""

    donation_id: str
    line_id: str
    rows: Iterator[list[str]] = field(compare=False)
    scope: str | None = None


@dataclass(frozen=True)
class UploadCardCodes:
    """A CSV of ``serial,pin[,expiry_date]`` for one prepaid-cards line, read as it streams."""

    donation_id: str
    line_id: str
    rows: Iterator[list[str]] = field(compare=False, repr=False)
    scope: str | None = None
