"""The solidarity price grid: published in versions, each in force over its dates.

The grid in force at a moment is the newest version whose dates cover it; a version lists
every priced product, so a product missing from it has no price then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, or_, select

from services.sales.clock import as_utc
from services.sales.domain.pricing import Price
from services.sales.models import PriceEntry, PriceGrid

# The grid in force at :at, and its prices: every order reads them, so the statements are
# built once (building one costs more than running it).
_IN_FORCE = (
    select(PriceGrid.version)
    .where(
        PriceGrid.valid_from <= bindparam("at"),
        or_(PriceGrid.valid_until.is_(None), PriceGrid.valid_until > bindparam("at")),
    )
    .order_by(PriceGrid.version.desc())
    .limit(1)
)
_PRICES = select(
    PriceEntry.product_key,
    PriceEntry.market_cents,
    PriceEntry.solidarity_cents,
    PriceEntry.grid_version,
).where(PriceEntry.grid_version == _IN_FORCE.scalar_subquery())
_PRICES_OF = _PRICES.where(PriceEntry.product_key.in_(bindparam("keys", expanding=True)))


def grid_in_force(session, at: datetime) -> PriceGrid | None:
    version = session.scalar(_IN_FORCE, {"at": at})
    return session.get(PriceGrid, version) if version else None


def prices_in_force(session, at: datetime, product_keys=None) -> dict[str, Price]:
    """The prices of the grid in force at ``at`` (of ``product_keys`` only if given), read in
    one statement."""
    if product_keys is None:
        rows = session.execute(_PRICES, {"at": at})
    else:
        rows = session.execute(_PRICES_OF, {"at": at, "keys": sorted(set(product_keys))})
    return {
        row.product_key: Price(
            row.product_key, row.market_cents, row.solidarity_cents, row.grid_version
        )
        for row in rows
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
