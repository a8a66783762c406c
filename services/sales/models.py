"""Sales' tables: referrals and beneficiaries, limits, the price grid, the catalogue
projection, orders and their receipts (plus outbox, inbox and idempotency keys).

Personal data lives in four nullable columns of ``beneficiaries`` (``display_name`` and its
folded copy for searches, ``contact``, ``referral_reason``) and nowhere else: erasure nulls
them, everything else refers to a person by ``code``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
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


class SiteView(Base):
    """A site as inventory last described it; ``version`` is the last sequence applied."""

    __tablename__ = "site_views"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


# referrals ------------------------------------------------------------------------------------


class Organisation(Base):
    """A referring organisation; its referrals count only once an admin approved it."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(80))
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    contacts: Mapped[list[SocialWorker]] = relationship(
        order_by="SocialWorker.position", cascade="all, delete-orphan"
    )


class SocialWorker(Base):
    """A contact of a referring organisation (a professional, not a beneficiary)."""

    __tablename__ = "organisation_contacts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    role: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))


class Beneficiary(Base):
    """A referred person and their enrolment. Only ``code`` ever leaves this service."""

    __tablename__ = "beneficiaries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    # lower case, no accents (domain/names.py): what a search by name compares
    display_name_folded: Mapped[str | None] = mapped_column(String(240))
    contact: Mapped[str | None] = mapped_column(String(254))
    referral_reason: Mapped[str | None] = mapped_column(Text)
    home_site_id: Mapped[str] = mapped_column(String(36))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    social_worker_id: Mapped[str | None] = mapped_column(ForeignKey("organisation_contacts.id"))
    referred_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    renewals: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    created_by: Mapped[str] = mapped_column(String(120))


# limits and prices ----------------------------------------------------------------------------


class LimitRuleRow(Base):
    """A configurable limit (see ``domain/limits.py``); seeded with the programme defaults."""

    __tablename__ = "limit_rules"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    measure: Mapped[str] = mapped_column(String(10))
    maximum: Mapped[int] = mapped_column(Integer)
    window: Mapped[str] = mapped_column(String(20))
    window_days: Mapped[int | None] = mapped_column(Integer)
    product_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    updated_by: Mapped[str] = mapped_column(String(120), default="migration")


class PriceGrid(Base):
    """One published version of the solidarity price grid, in force over its dates."""

    __tablename__ = "price_grids"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    created_by: Mapped[str] = mapped_column(String(120))
    entries: Mapped[list[PriceEntry]] = relationship(
        order_by="PriceEntry.product_key", cascade="all, delete-orphan"
    )


class PriceEntry(Base):
    __tablename__ = "price_entries"

    grid_version: Mapped[int] = mapped_column(ForeignKey("price_grids.version"), primary_key=True)
    product_key: Mapped[str] = mapped_column(String(130), primary_key=True)
    label: Mapped[str | None] = mapped_column(String(160))
    market_cents: Mapped[int] = mapped_column(Integer)
    solidarity_cents: Mapped[int] = mapped_column(Integer)


class CatalogueItem(Base):
    """What a site can sell now, as inventory last said (``version``: last sequence applied)."""

    __tablename__ = "catalogue_items"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product_key: Mapped[str] = mapped_column(String(130), primary_key=True)
    family: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(160))
    category: Mapped[str | None] = mapped_column(String(40))
    cosmetic_grade: Mapped[str | None] = mapped_column(String(1))
    operator: Mapped[str | None] = mapped_column(String(80))
    face_value_cents: Mapped[int | None] = mapped_column(Integer)
    unit: Mapped[str | None] = mapped_column(String(20))
    available: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger)


# orders ---------------------------------------------------------------------------------------


class Order(Base):
    """A counter's order for one person: the sales side of the saga."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_beneficiary_placed", "beneficiary_id", "placed_at"),
        Index("ix_orders_impact", "state", "site_id", "sale_month"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("beneficiaries.id"))
    beneficiary_code: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    version: Mapped[int] = mapped_column(Integer, default=1)
    total_cents: Mapped[int] = mapped_column(Integer)
    market_total_cents: Mapped[int] = mapped_column(Integer)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    placed_by: Mapped[str] = mapped_column(String(120))
    reservation_id: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reserved_items: Mapped[list | None] = mapped_column(JSON)
    refused_lines: Mapped[list | None] = mapped_column(JSON)
    payment_method: Mapped[str | None] = mapped_column(String(10))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "YYYY-MM" of a sold order: the month it counts in, for impact as for the monthly
    # limits, is the month it was placed (programme time)
    sale_month: Mapped[str | None] = mapped_column(String(7))
    receipt_year: Mapped[int | None] = mapped_column(Integer)
    receipt_number: Mapped[int | None] = mapped_column(Integer)
    completion_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completion_requested_by: Mapped[str | None] = mapped_column(String(120))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(120))
    end_reason: Mapped[str | None] = mapped_column(String(200))
    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.position", cascade="all, delete-orphan"
    )


class OrderLine(Base):
    """A line with the prices and grid version it was sold at (a snapshot, never updated)."""

    __tablename__ = "order_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_key: Mapped[str] = mapped_column(String(130))
    family: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[str | None] = mapped_column(String(36))
    unit_market_cents: Mapped[int] = mapped_column(Integer)
    unit_solidarity_cents: Mapped[int] = mapped_column(Integer)
    grid_version: Mapped[int] = mapped_column(Integer)
    # frozen when the sale is recorded (domain/environment.py): None before, or for a line
    # sold before the factors existed; 0 for a card or an allowance
    co2e_avoided_g: Mapped[int | None] = mapped_column(Integer)
    materials_avoided_g: Mapped[int | None] = mapped_column(Integer)
    impact_factor_version: Mapped[int | None] = mapped_column(Integer)


# environmental impact ---------------------------------------------------------------------------


class ImpactFactorSet(Base):
    """One published version of the environmental factors, in force from ``valid_from``
    until the next version's (``domain/environment.py``)."""

    __tablename__ = "impact_factor_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    created_by: Mapped[str] = mapped_column(String(120))
    factors: Mapped[list[ImpactFactor]] = relationship(
        order_by="ImpactFactor.category", cascade="all, delete-orphan"
    )


class ImpactFactor(Base):
    """A device category's factors: avoided per year of extra use, assumed extra years, the
    mass a scrapped one sends to recycling, and where the figures come from."""

    __tablename__ = "impact_factors"

    set_version: Mapped[int] = mapped_column(
        ForeignKey("impact_factor_sets.version"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    co2e_g_per_year: Mapped[int] = mapped_column(Integer)
    materials_g_per_year: Mapped[int] = mapped_column(Integer)
    extra_years: Mapped[float] = mapped_column(Float)
    mass_g: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))
    study_date: Mapped[date | None] = mapped_column(Date)


class RecycledDevice(Base):
    """A device inventory scrapped (``inventory.device.scrapped``): its mass, frozen by the
    factors in force then, counts as recycled in the month and site it was scrapped."""

    __tablename__ = "recycled_devices"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    category: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7), index=True)
    recycled_g: Mapped[int] = mapped_column(Integer)
    impact_factor_version: Mapped[int | None] = mapped_column(Integer)
    scrapped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SaleReceiptCounter(Base):
    """The last sale receipt number of a site in a calendar year (numbers have no gaps)."""

    __tablename__ = "sale_receipt_counters"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


# monthly reports --------------------------------------------------------------------------------


class MonthlyReport(Base):
    """A month's report as the worker made it on the first of the next month: the PDF and the
    funder workbook, kept as they were made. ``month`` is unique: two workers make it once."""

    __tablename__ = "monthly_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_bytes: Mapped[int] = mapped_column(Integer)
    workbook: Mapped[bytes] = mapped_column(LargeBinary)
    workbook_bytes: Mapped[int] = mapped_column(Integer)
