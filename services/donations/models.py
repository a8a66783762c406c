"""Donations' tables: partners, donations and their lines, the partner impact counters."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common import clock
from services.common.db import new_id, new_metadata
from services.common.events.store import messaging_tables
from services.common.idempotency import idempotency_table

metadata = new_metadata()
MESSAGING = messaging_tables(metadata)
IDEMPOTENCY = idempotency_table(metadata)


class Base(DeclarativeBase):
    metadata = metadata


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    contacts: Mapped[list[PartnerContact]] = relationship(
        order_by="PartnerContact.position", cascade="all, delete-orphan"
    )


class PartnerContact(Base):
    __tablename__ = "partner_contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))


class Donation(Base):
    """Announced by a partner, then received line by line at a site."""

    __tablename__ = "donations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20), default="announced")
    version: Mapped[int] = mapped_column(Integer, default=1)
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt_year: Mapped[int | None] = mapped_column(Integer)
    receipt_number: Mapped[int | None] = mapped_column(Integer)
    lines: Mapped[list[DonationLine]] = relationship(
        back_populates="donation", order_by="DonationLine.position", cascade="all, delete-orphan"
    )


class DonationLine(Base):
    __tablename__ = "donation_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    donation_id: Mapped[str] = mapped_column(ForeignKey("donations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    declared_condition: Mapped[str | None] = mapped_column(String(120))
    operator: Mapped[str | None] = mapped_column(String(80))
    product_name: Mapped[str | None] = mapped_column(String(120))
    face_value_cents: Mapped[int | None] = mapped_column(Integer)
    voice_minutes: Mapped[int | None] = mapped_column(Integer)
    data_mb: Mapped[int | None] = mapped_column(Integer)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[str | None] = mapped_column(String(20))
    validity_days: Mapped[int | None] = mapped_column(Integer)
    expected_quantity: Mapped[int] = mapped_column(BigInteger)
    received_quantity: Mapped[int | None] = mapped_column(BigInteger)
    declared_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    donation: Mapped[Donation] = relationship(back_populates="lines")
    identifiers: Mapped[list[LineIdentifier]] = relationship(
        order_by="LineIdentifier.position", cascade="all, delete-orphan"
    )


class LineIdentifier(Base):
    """A serial number or IMEI of a hardware line; unique across all donations.

    ``unit`` numbers the device it identifies on its line: a file's row, an extra unit of
    the reception, or in an announcement the same place in ``serials`` and ``imeis``; a
    device has at most one identifier of each scheme. A reception counts units, not
    identifiers, and inventory gets each unit's identifiers together."""

    __tablename__ = "line_identifiers"
    __table_args__ = (
        UniqueConstraint("scheme", "value"),
        Index("ix_line_identifiers_line_id_unit", "line_id", "unit"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    line_id: Mapped[str] = mapped_column(ForeignKey("donation_lines.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    unit: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str] = mapped_column(String(10))  # "imei" or "serial"
    value: Mapped[str] = mapped_column(String(64))
    received: Mapped[bool | None] = mapped_column(Boolean)  # None until the reception


class CardCodeBatch(Base):
    """One upload of card codes, sealed with one data key wrapped for inventory."""

    __tablename__ = "card_code_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    line_id: Mapped[str] = mapped_column(ForeignKey("donation_lines.id"), index=True)
    wrapped_key: Mapped[str] = mapped_column(Text)
    code_count: Mapped[int] = mapped_column(Integer, default=0)
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class CardCode(Base):
    """A prepaid card's code, sealed: donations cannot read it back (see card_codes.py).

    A code whose PIN another partner donated before is kept ``quarantined``: never forwarded
    to inventory, never sold (see ``domain/files.py``). Among the codes in circulation a
    PIN is unique.
    """

    __tablename__ = "card_codes"
    __table_args__ = (
        Index(
            "uq_card_codes_pin_hash_in_circulation",
            "pin_hash",
            unique=True,
            sqlite_where=text("NOT quarantined"),
            postgresql_where=text("NOT quarantined"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    batch_id: Mapped[str] = mapped_column(ForeignKey("card_code_batches.id"), index=True)
    line_id: Mapped[str] = mapped_column(ForeignKey("donation_lines.id"), index=True)
    serial: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None] = mapped_column(Date)
    pin_hash: Mapped[str] = mapped_column(String(64), index=True)
    nonce: Mapped[str] = mapped_column(String(24))
    ciphertext: Mapped[str] = mapped_column(Text)
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReceiptCounter(Base):
    """The last donation receipt number given in a calendar year (numbers have no gaps)."""

    __tablename__ = "receipt_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class DeviceOutcome(Base):
    """Where a donated device stands, as inventory's events tell it: the partner impact view.

    One row per device, updated only by a newer event (higher ``version``), so duplicates and
    late events change nothing and the counts equal inventory's own records.
    """

    __tablename__ = "device_outcomes"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(36), index=True)
    donation_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(36))
    category: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))  # in_workshop, refurbished, scrapped
    version: Mapped[int] = mapped_column(Integer)


class SoldItem(Base):
    """An item inventory sold (``inventory.reservation.committed``), with its provenance."""

    __tablename__ = "sold_items"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_type: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    donation_id: Mapped[str | None] = mapped_column(String(36))
    site_id: Mapped[str] = mapped_column(String(36))


class CompletedOrder(Base):
    """Who an order reached, by pseudonymous code only (``sales.order.completed``)."""

    __tablename__ = "completed_orders"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    beneficiary_code: Mapped[str] = mapped_column(String(64), index=True)
    site_id: Mapped[str] = mapped_column(String(36))


class SoldDeviceImpact(Base):
    """What a device sold avoids, as sales froze it at the sale (``sales.order.completed``'s
    ``devices``): joined to ``sold_items`` by (order, item) for its partner and donation."""

    __tablename__ = "sold_device_impacts"

    order_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(40))
    co2e_avoided_g: Mapped[int] = mapped_column(Integer)
    materials_avoided_g: Mapped[int] = mapped_column(Integer)
    impact_factor_version: Mapped[int | None] = mapped_column(Integer)


class SiteCity(Base):
    """Each site inventory opened (``inventory.site.opened``): its city, to report people
    reached per city, and whether it is closed (``inventory.site.status_changed``), to refuse
    donations for it."""

    __tablename__ = "site_cities"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    city: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookEndpoint(Base):
    """A partner's webhook endpoint: where its facts go, signed with its secret.

    Secrets are sealed at rest (``webhook_secrets.py``); after a rotation the previous one
    stays valid until ``previous_secret_until`` (both signatures are sent meanwhile).
    ``state`` is ``active`` or ``disabled`` (``disabled_reason`` says why: a 410, or failing
    since ``failing_since`` for too long, or the partner's choice)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    kinds: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    secret_sealed: Mapped[str] = mapped_column(Text)
    previous_secret_sealed: Mapped[str | None] = mapped_column(Text)
    previous_secret_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class WebhookFact(Base):
    """The delivery outbox: a fact a partner subscribed to, written in the transaction of the
    projection (or use case) that learnt it, and turned into deliveries by the worker."""

    __tablename__ = "webhook_facts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    partner_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    item: Mapped[dict] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class WebhookDelivery(Base):
    """One message to one endpoint (its ``id`` is the ``webhook-id``, the same on every try):
    ``pending`` until an attempt is answered 2xx (``delivered``) or the retry window ends
    (``failed``)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    item_count: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_fact_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_failure: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)


class WebhookAttempt(Base):
    """One try of a delivery: the answer's status or the failure class, and how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    status: Mapped[int | None] = mapped_column(Integer)
    failure: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(String(300))
    latency_ms: Mapped[int] = mapped_column(Integer)
