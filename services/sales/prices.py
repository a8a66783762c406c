"""The solidarity price grid: published in versions, each in force over its dates.

The grid in force at a moment is the newest version whose dates cover it; a version lists
every priced product, so a product missing from it has no price then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from services.sales.clock import as_utc
from services.sales.domain.pricing import Price
from services.sales.models import PriceEntry, PriceGrid


def _in_force(at: datetime):
    return (
        select(PriceGrid.version)
        .where(
            PriceGrid.valid_from <= at,
            or_(PriceGrid.valid_until.is_(None), PriceGrid.valid_until > at),
        )
        .order_by(PriceGrid.version.desc())
        .limit(1)
    )


def grid_in_force(session, at: datetime) -> PriceGrid | None:
    return session.get(PriceGrid, version) if (version := session.scalar(_in_force(at))) else None


def prices_in_force(session, at: datetime, product_keys=None) -> dict[str, Price]:
    """The prices of the grid in force at ``at`` (of ``product_keys`` only if given), read in
    one statement: every order reads them."""
    query = select(
        PriceEntry.product_key,
        PriceEntry.market_cents,
        PriceEntry.solidarity_cents,
        PriceEntry.grid_version,
    ).where(PriceEntry.grid_version == _in_force(at).scalar_subquery())
    if product_keys is not None:
        query = query.where(PriceEntry.product_key.in_(set(product_keys)))
    return {
        entry.product_key: Price(
            entry.product_key, entry.market_cents, entry.solidarity_cents, entry.grid_version
        )
        for entry in session.execute(query)
    }


def publish_grid(session, grid: dict, actor: str, now: datetime) -> PriceGrid:
    """A new version (the previous ones stay, for the record and for past dates)."""
    version = (session.scalar(select(func.max(PriceGrid.version))) or 0) + 1
    entries = [PriceEntry(**entry) for entry in grid["entries"]]
    published = PriceGrid(
        version=version,
        valid_from=as_utc(grid.get("valid_from") or now),
        valid_until=grid.get("valid_until") and as_utc(grid["valid_until"]),
        note=grid.get("note"),
        created_by=actor,
        entries=entries,
    )
    session.add(published)
    return published
