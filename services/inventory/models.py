"""Inventory's tables: sites, devices and their workshop records, cards in custody, stock and
its ledger, reservations, transfers (plus outbox and inbox)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from services.common import clock
from services.common.db import new_id, new_metadata
from services.common.events.store import messaging_tables

metadata = new_metadata()
MESSAGING = messaging_tables(metadata)
ACTOR_LENGTH = 200  # who acted: an API key's name (up to 120) and id, "name [id]"


class Base(DeclarativeBase):
    metadata = metadata


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # Closed: its counter keys stop working (the gateway asks); its records stay.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Device(Base):
    """One physical item, from intake to sale or recycling, with where it came from."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    serial: Mapped[str | None] = mapped_column(String(64), index=True)
    imei: Mapped[str | None] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    donation_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    line_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    asset_tag: Mapped[str] = mapped_column(String(20), unique=True)
    state_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, index=True
    )
    product_key: Mapped[str | None] = mapped_column(String(160), index=True)  # once graded

    diagnosis: Mapped[DiagnosisRecord | None] = relationship(lazy="raise")
    wipe: Mapped[WipeRecord | None] = relationship(lazy="raise")
    repairs: Mapped[list[RepairRecord]] = relationship(lazy="raise", order_by="RepairRecord.id")
    grade: Mapped[GradeRecord | None] = relationship(lazy="raise")
    scrap: Mapped[ScrapRecord | None] = relationship(lazy="raise")


class Counter(Base):
    """Named counters handed out under a row lock (asset tag numbers)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class DeviceTransition(Base):
    """The history of a device: one row per version, who moved it, when, from where to where."""

    __tablename__ = "device_transitions"
    __table_args__ = (UniqueConstraint("device_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class DiagnosisRecord(Base):
    __tablename__ = "diagnoses"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # function -> pass/fail/n.a.
    battery_health_percent: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class WipeRecord(Base):
    """A NIST SP 800-88 sanitisation record and the certificate issued from it."""

    __tablename__ = "wipes"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(40))
    tool: Mapped[str] = mapped_column(String(120))
    tool_version: Mapped[str] = mapped_column(String(40))
    verification_method: Mapped[str] = mapped_column(String(20))
    media_type: Mapped[str] = mapped_column(String(80))
    media_source: Mapped[str] = mapped_column(String(120))
    destination: Mapped[str] = mapped_column(String(120))
    sanitised_by_person: Mapped[str] = mapped_column(String(120))
    sanitised_by_title: Mapped[str] = mapped_column(String(120))
    sanitised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sanitised_location: Mapped[str] = mapped_column(String(120))
    verified_by_person: Mapped[str] = mapped_column(String(120))
    verified_by_title: Mapped[str] = mapped_column(String(120))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified_location: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    certificate_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    certificate_pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class RepairRecord(Base):
    __tablename__ = "repairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, quantity, reference}]
    labour_minutes: Mapped[int] = mapped_column(Integer)
    cost_cents: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class GradeRecord(Base):
    __tablename__ = "grades"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    cosmetic: Mapped[str] = mapped_column(String(1))
    functional: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(120))
    buyer_note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class ScrapRecord(Base):
    __tablename__ = "scraps"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    recycler_name: Mapped[str] = mapped_column(String(160))
    recycler_certificate_ref: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class CardLine(Base):
    """A received prepaid-cards line: the product, and how many cards arrived.

    A card enters the stock only when its sealed code arrives (a card without a code cannot
    be sold); ``quantity - codes_received`` cards are awaiting their codes.
    """

    __tablename__ = "card_lines"

    line_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    donation_id: Mapped[str] = mapped_column(String(36), index=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    product_key: Mapped[str] = mapped_column(String(160))
    operator: Mapped[str] = mapped_column(String(80))
    product_name: Mapped[str | None] = mapped_column(String(120))
    face_value_cents: Mapped[int] = mapped_column(Integer)
    voice_minutes: Mapped[int | None] = mapped_column(Integer)
    data_mb: Mapped[int | None] = mapped_column(Integer)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    codes_received: Mapped[int] = mapped_column(Integer, default=0)


class IntakeLine(Base):
    """A received hardware line becoming devices, a bounded chunk per transaction.

    ``taken_in`` advances in the transaction that creates the chunk's devices, so a worker
    killed mid-way resumes where the last commit left it, without duplicates.
    """

    __tablename__ = "intake_lines"

    line_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    donation_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str] = mapped_column(String(36))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    line: Mapped[dict] = mapped_column(JSON)  # as in the event: category, identifiers, …
    quantity: Mapped[int] = mapped_column(Integer)
    taken_in: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class Card(Base):
    """One prepaid card in custody. Its code is encrypted with inventory's at-rest key (the
    card id authenticated with it); ``pin_hash`` is the keyed hash shared with donations."""

    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_allocation", "site_id", "product_key", "state", "expiry_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    product_key: Mapped[str] = mapped_column(String(160))
    line_id: Mapped[str] = mapped_column(ForeignKey("card_lines.line_id"), index=True)
    donation_id: Mapped[str] = mapped_column(String(36))
    partner_id: Mapped[str] = mapped_column(String(36))
    batch_id: Mapped[str] = mapped_column(String(36))
    source_code_id: Mapped[int] = mapped_column(Integer, unique=True)  # donations' code id
    serial: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date | None] = mapped_column(Date)
    pin_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_key_id: Mapped[str] = mapped_column(String(16))
    code_ciphertext: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    state: Mapped[str] = mapped_column(String(20), default="in_stock")
    reservation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    state_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class CardReveal(Base):
    """The audit of a code's reveal: which card, for which order, who, where, when first;
    how many times and when last (the same counter may fetch a lost answer again for a
    short window, ``cards.REVEAL_AGAIN_SECONDS``)."""

    __tablename__ = "card_reveals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("cards.id"), unique=True)
    order_id: Mapped[str] = mapped_column(String(36), index=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    site_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    times: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StockLevel(Base):
    """A site's figures for one product (see domain/stock.py); ``version`` numbers its
    changes and is the ``sequence`` of ``inventory.availability.changed``."""

    __tablename__ = "stock_levels"
    __table_args__ = (UniqueConstraint("site_id", "product_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"))
    product_key: Mapped[str] = mapped_column(String(160))
    family: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(40))
    cosmetic_grade: Mapped[str | None] = mapped_column(String(1))
    operator: Mapped[str | None] = mapped_column(String(80))
    face_value_cents: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(40))
    received: Mapped[int] = mapped_column(Integer, default=0)
    available: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    sold: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)
    written_off: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class StockMovement(Base):
    """The append-only ledger: one row per movement, the change of each figure."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_level", "site_id", "product_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(36))
    product_key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    received: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer)
    in_transit: Mapped[int] = mapped_column(Integer)
    written_off: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_due", "state", "expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(String(36), unique=True)
    site_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_note: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[ReservedItem]] = relationship(lazy="raise", order_by="ReservedItem.id")


class ReservedItem(Base):
    """A device, a card, or an amount of an allowance held for (then sold to) an order."""

    __tablename__ = "reserved_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reservation_id: Mapped[str] = mapped_column(ForeignKey("reservations.id"), index=True)
    line_id: Mapped[str] = mapped_column(String(36))
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(36))
    product_key: Mapped[str] = mapped_column(String(160))
    quantity: Mapped[int] = mapped_column(Integer)
    partner_id: Mapped[str | None] = mapped_column(String(36))
    donation_id: Mapped[str | None] = mapped_column(String(36))


class Transfer(Base):
    """Stock sent from one site to another: in transit until the destination receives it."""

    __tablename__ = "transfers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    from_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    to_site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="in_transit")
    note: Mapped[str | None] = mapped_column(Text)
    dispatched_by: Mapped[str] = mapped_column(String(ACTOR_LENGTH))
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    received_by: Mapped[str | None] = mapped_column(String(ACTOR_LENGTH))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[TransferItem]] = relationship(lazy="raise", order_by="TransferItem.id")


class TransferItem(Base):
    __tablename__ = "transfer_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id"), index=True)
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[str] = mapped_column(String(36))
    product_key: Mapped[str] = mapped_column(String(160))
    quantity: Mapped[int] = mapped_column(Integer)


class StockDiscrepancy(Base):
    """A difference the reconciliation check found (see ``stock_check.py`` and
    ``sale_check.py``): open while it lasts, resolved when a later round no longer finds it.

    ``kind``: ``ledger`` (a stored figure is not the sum of the ledger), ``items`` (a figure
    is not the count of the items in that state), ``identity`` (received is not the sum of
    the buckets) or ``sale-mismatch`` (completed sales in sales and committed reservations
    here disagree in one bucket of order ids). A row counts once ``confirmed_at`` is set: at
    once for the stock kinds, a round later for a sale mismatch (sagas in flight settle)."""

    __tablename__ = "stock_discrepancies"
    __table_args__ = (Index("ix_stock_discrepancies_open", "resolved_at", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str | None] = mapped_column(String(36))
    product_key: Mapped[str | None] = mapped_column(String(160))
    figure: Mapped[str | None] = mapped_column(String(20))
    bucket: Mapped[str | None] = mapped_column(String(8))
    expected: Mapped[int] = mapped_column(Integer)
    found: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
