"""Donations' tables: partners, donations and their lines, the partner impact counters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Donation(Base):
    """Announced by a partner, then received line by line at a site."""

    __tablename__ = "donations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    site_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(20), default="announced")
    version: Mapped[int] = mapped_column(Integer, default=1)
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lines: Mapped[list[DonationLine]] = relationship(
        back_populates="donation", order_by="DonationLine.position", cascade="all, delete-orphan"
    )


class DonationLine(Base):
    __tablename__ = "donation_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    donation_id: Mapped[str] = mapped_column(ForeignKey("donations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    brand: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(120))
    declared_condition: Mapped[str | None] = mapped_column(String(120))
    expected_quantity: Mapped[int] = mapped_column(Integer)
    received_quantity: Mapped[int | None] = mapped_column(Integer)
    serials: Mapped[list[str]] = mapped_column(JSON, default=list)
    donation: Mapped[Donation] = relationship(back_populates="lines")


class PartnerImpact(Base):
    """What became of a partner's gifts, fed by inventory's events."""

    __tablename__ = "partner_impact"

    partner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    devices_received: Mapped[int] = mapped_column(Integer, default=0)
