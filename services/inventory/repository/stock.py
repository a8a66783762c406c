"""The stock figures and their ledger, in SQL.

Figures are locked in a fixed order (site, product key) by :meth:`StockLevels.lock_levels`,
so two transactions never wait for each other in a cycle. A movement is written with two
Core statements built once (building one and its cache key costs more than running it) and
the loaded figures follow (``set_committed_value``): a movement is on every sale's path, and
the ORM's flush would cost more than the statements. The figures are a cache of the ledger:
:meth:`StockLevels.recomputed` sums the ledger, and the stock check compares both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from services.common.upserts import dialect_insert
from services.inventory.domain.products import Product
from services.inventory.domain.stock import BUCKETS
from services.inventory.models import Site, StockLevel, StockMovement, Transfer, TransferItem

FIGURES = ("received", *BUCKETS)

_LEVEL_FOR_UPDATE = (
    select(StockLevel)
    .where(
        StockLevel.site_id == bindparam("site_id"),
        StockLevel.product_key == bindparam("product_key"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)
_LEVELS, _MOVEMENTS = StockLevel.__table__, StockMovement.__table__
# SET columns come from the parameters' other keys (figures, version, updated_at).
_UPDATE_LEVEL = update(_LEVELS).where(_LEVELS.c.id == bindparam("level_id"))
_INSERT_MOVEMENT = insert(_MOVEMENTS)


def product_of(level: StockLevel) -> Product:
    return Product(
        key=level.product_key,
        family=level.family,
        label=level.label,
        category=level.category,
        cosmetic_grade=level.cosmetic_grade,
        operator=level.operator,
        face_value_cents=level.face_value_cents,
        unit=level.unit,
    )


def figures_of(level: StockLevel) -> dict[str, int]:
    return {name: getattr(level, name) for name in FIGURES}


class StockLevels:
    def __init__(self, session: Session) -> None:
        self.session = session

    def site_exists(self, site_id: str) -> bool:
        return self.session.get(Site, site_id) is not None

    def level_for_update(self, site_id: str, product: Product) -> StockLevel:
        """The figures of ``product`` at ``site_id``, created at zero if new, locked."""
        values = {
            "id": str(uuid.uuid4()),
            "site_id": site_id,
            **_description(product),
            "version": 0,
        }
        values.update(dict.fromkeys(FIGURES, 0))
        upsert = dialect_insert(self.session, StockLevel).values(**values)
        self.session.execute(
            upsert.on_conflict_do_nothing(index_elements=["site_id", "product_key"])
        )
        return self.existing_for_update(site_id, product.key)

    def existing_for_update(self, site_id: str, product_key: str) -> StockLevel | None:
        parameters = {"site_id": site_id, "product_key": product_key}
        return self.session.scalar(_LEVEL_FOR_UPDATE, parameters)

    def lock_levels(self, site_id: str, keys: Iterable[str]) -> dict[str, StockLevel]:
        """The existing figures of several products at one site, locked in key order."""
        locked = {key: self.existing_for_update(site_id, key) for key in sorted(set(keys))}
        return {key: level for key, level in locked.items() if level is not None}

    def save_figures(self, level: StockLevel, changes: dict[str, Any]) -> None:
        """Store new figures (and version) of a locked level; the loaded object follows."""
        self.session.execute(_UPDATE_LEVEL, {"level_id": level.id, **changes})
        for name, value in changes.items():
            set_committed_value(level, name, value)

    def append_movement(self, row: dict[str, Any]) -> None:
        self.session.execute(_INSERT_MOVEMENT, [row])

    def low(self, threshold: int) -> list[tuple[str, str, int]]:
        """(site, product, available) of every product a site has held that is down to
        ``threshold`` units or fewer."""
        return self.session.execute(
            select(StockLevel.site_id, StockLevel.product_key, StockLevel.available).where(
                StockLevel.received > 0, StockLevel.available <= threshold
            )
        ).all()

    def recomputed(self) -> dict[tuple[str, str], dict[str, int]]:
        """Every site's figures summed from the ledger alone."""
        sums = [func.coalesce(func.sum(getattr(StockMovement, f)), 0) for f in FIGURES]
        rows = self.session.execute(
            select(StockMovement.site_id, StockMovement.product_key, *sums).group_by(
                StockMovement.site_id, StockMovement.product_key
            )
        )
        return {(site, key): dict(zip(FIGURES, values, strict=True)) for site, key, *values in rows}

    def stored(self) -> dict[tuple[str, str], dict[str, int]]:
        return {
            (level.site_id, level.product_key): figures_of(level)
            for level in self.session.scalars(select(StockLevel).where(StockLevel.version > 0))
        }


def _description(product: Product) -> dict:
    return {
        "product_key": product.key,
        "family": product.family,
        "label": product.label,
        "category": product.category,
        "cosmetic_grade": product.cosmetic_grade,
        "operator": product.operator,
        "face_value_cents": product.face_value_cents,
        "unit": product.unit,
    }


class Transfers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, transfer: Transfer, items: list[TransferItem]) -> list[TransferItem]:
        """Store a new transfer and its items (which get its id)."""
        self.session.add(transfer)
        self.session.flush()
        for item in items:
            item.transfer_id = transfer.id
        self.session.add_all(items)
        return items

    def for_update(self, transfer_id: str) -> Transfer | None:
        return self.session.scalar(
            select(Transfer)
            .where(Transfer.id == transfer_id)
            .with_for_update()
            .options(selectinload(Transfer.items))
        )
