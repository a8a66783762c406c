"""The solidarity price grid in SQL: published in versions, each in force over its dates.

The grid in force at a moment is the newest version whose dates cover it; a version lists
every priced product, so a product missing from it has no price then.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

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


class Prices:
    def __init__(self, session: Session) -> None:
        self.session = session

    def in_force(self, at: datetime, product_keys=None) -> dict[str, Price]:
        """The prices of the grid in force at ``at`` (of ``product_keys`` only if given),
        read in one statement."""
        if product_keys is None:
            rows = self.session.execute(_PRICES, {"at": at})
        else:
            keys = sorted(set(product_keys))
            rows = self.session.execute(_PRICES_OF, {"at": at, "keys": keys})
        return {
            row.product_key: Price(
                row.product_key, row.market_cents, row.solidarity_cents, row.grid_version
            )
            for row in rows
        }

    def grid_in_force(self, at: datetime) -> PriceGrid | None:
        version = self.session.scalar(_IN_FORCE, {"at": at})
        return self.session.get(PriceGrid, version) if version else None

    def grid(self, version: int) -> PriceGrid | None:
        return self.session.get(PriceGrid, version, options=[selectinload(PriceGrid.entries)])

    def grids(self) -> list[PriceGrid]:
        """Every version, the newest first, with its entries."""
        query = select(PriceGrid).options(selectinload(PriceGrid.entries))
        return list(self.session.scalars(query.order_by(PriceGrid.version.desc())))

    def next_version(self) -> int:
        return (self.session.scalar(select(func.max(PriceGrid.version))) or 0) + 1

    def add(self, grid: PriceGrid) -> None:
        self.session.add(grid)
