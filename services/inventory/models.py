"""Inventory's tables: sites, devices and their workshop records (plus outbox and inbox)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

from services.common.db import new_metadata
from services.common.events.store import messaging_tables

metadata = new_metadata()
MESSAGING = messaging_tables(metadata)


def _now() -> datetime:
    return datetime.now(UTC)


def _uuid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = metadata


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    city: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Device(Base):
    """One physical item, from intake to sale or recycling, with where it came from."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    asset_tag: Mapped[str] = mapped_column(String(20), unique=True)
    state_changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, index=True
    )

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
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DiagnosisRecord(Base):
    __tablename__ = "diagnoses"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # function -> pass/fail/n.a.
    battery_health_percent: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


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
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class RepairRecord(Base):
    __tablename__ = "repairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, quantity, reference}]
    labour_minutes: Mapped[int] = mapped_column(Integer)
    cost_cents: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class GradeRecord(Base):
    __tablename__ = "grades"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    cosmetic: Mapped[str] = mapped_column(String(1))
    functional: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(120))
    buyer_note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ScrapRecord(Base):
    __tablename__ = "scraps"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    recycler_name: Mapped[str] = mapped_column(String(160))
    recycler_certificate_ref: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
