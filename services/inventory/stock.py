"""Stock movements: lock a site's figures for a product, apply a balanced movement, append it
to the ledger and, when the available count changed, tell the sales catalogue.

Figures are locked in a fixed order (site, product key) by callers that take several, so
two transactions never wait for each other in a cycle. The figures are a cache of the ledger:
:func:`recomputed` sums the ledger, and tests check that both agree.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.common import clock
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import dialect_insert
from services.inventory.domain import stock as rules
from services.inventory.domain.products import Product
from services.inventory.models import StockLevel, StockMovement

FIGURES = ("received", *rules.BUCKETS)


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


def level_for_update(session: Session, site_id: str, product: Product) -> StockLevel:
    """The figures of ``product`` at ``site_id``, created at zero if new, locked."""
    values = {"id": str(uuid.uuid4()), "site_id": site_id, **_description(product), "version": 0}
    values.update(dict.fromkeys(FIGURES, 0))
    upsert = dialect_insert(session, StockLevel).values(**values)
    session.execute(upsert.on_conflict_do_nothing(index_elements=["site_id", "product_key"]))
    return existing_for_update(session, site_id, product.key)


# Statements of every sale's path, built once: building one (and its cache key) costs more
# than running it.
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


def existing_for_update(session: Session, site_id: str, product_key: str) -> StockLevel | None:
    return session.scalar(_LEVEL_FOR_UPDATE, {"site_id": site_id, "product_key": product_key})


def lock_levels(session: Session, site_id: str, keys: Iterable[str]) -> dict[str, StockLevel]:
    """The existing figures of several products at one site, locked in key order."""
    locked = {key: existing_for_update(session, site_id, key) for key in sorted(set(keys))}
    return {key: level for key, level in locked.items() if level is not None}


def move(
    uow: UnitOfWork,
    level: StockLevel,
    kind: str,
    quantity: int,
    *,
    reference: str | None = None,
    reason: str | None = None,
    actor: str = "inventory",
) -> StockLevel:
    deltas = rules.movement(kind, quantity)
    figures = rules.apply(level.product_key, {f: getattr(level, f) for f in FIGURES}, deltas)
    changes = {**figures, "version": level.version + 1, "updated_at": clock.now()}
    # Two Core statements, not the ORM's flush: a movement is on every sale's path, and the
    # unit-of-work machinery costs more than the statements. The loaded figures follow.
    session = uow.session
    session.execute(_UPDATE_LEVEL, {"level_id": level.id, **changes})
    for name, value in changes.items():
        set_committed_value(level, name, value)
    ledger_row = _ledger_row(level, kind, deltas, reference, reason, actor)
    session.execute(_INSERT_MOVEMENT, [ledger_row])
    if deltas.available:
        _emit_availability(uow, level)
    return level


def _ledger_row(level, kind, deltas, reference, reason, actor) -> dict:
    return {
        "site_id": level.site_id,
        "product_key": level.product_key,
        "kind": kind,
        "reference": reference,
        "reason": reason,
        "actor": actor,
        "at": clock.now(),
        **dict(deltas.items()),
    }


def _emit_availability(uow: UnitOfWork, level: StockLevel) -> None:
    uow.emit(
        "inventory.availability.changed",
        subject=f"{level.site_id}:{level.product_key}",
        sequence=level.version,
        data={
            "site_id": level.site_id,
            "product": product_of(level).as_contract(),
            "available": level.available,
        },
    )


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


def recomputed(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    """Every site's figures summed from the ledger alone."""
    sums = [func.coalesce(func.sum(getattr(StockMovement, f)), 0) for f in FIGURES]
    rows = session.execute(
        select(StockMovement.site_id, StockMovement.product_key, *sums).group_by(
            StockMovement.site_id, StockMovement.product_key
        )
    )
    return {(site, key): dict(zip(FIGURES, values, strict=True)) for site, key, *values in rows}


def stored(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    return {
        (level.site_id, level.product_key): {f: getattr(level, f) for f in FIGURES}
        for level in session.scalars(select(StockLevel).where(StockLevel.version > 0))
    }
