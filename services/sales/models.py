"""Sales' tables: the projection of inventory's sites (plus outbox and inbox)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.db import new_metadata
from services.common.events.store import messaging_tables

metadata = new_metadata()
MESSAGING = messaging_tables(metadata)


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
