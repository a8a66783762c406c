"""Insert-or-update in one statement, as projections of events need it.

``upsert`` inserts ``values`` or, when the key exists, updates the ``update`` columns (by
default every column given but the keys; ``()`` updates nothing) — and, when they include
``version``, only from a newer version, so a duplicate or a late event
leaves the row as it is. The statement is built once per shape and reused: building it is
far dearer than running it.
"""

from __future__ import annotations

import functools

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

DIALECT_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def dialect_insert(session: Session, model):
    """``INSERT`` with ``ON CONFLICT`` for the session's database (PostgreSQL or SQLite)."""
    return DIALECT_INSERTS[session.get_bind().dialect.name](model)


def upsert(
    session: Session,
    model,
    values: dict | list[dict],
    *,
    keys: tuple[str, ...],
    update: tuple[str, ...] | None = None,
) -> None:
    """One row, or many rows of the same columns (sent together: one executemany)."""
    rows = values if isinstance(values, list) else [values]
    if not rows:
        return
    if update is None:
        update = tuple(name for name in rows[0] if name not in keys)
    dialect = session.get_bind().dialect.name
    session.execute(_statement(dialect, model, keys, update), values)


@functools.cache
def _statement(dialect: str, model, keys: tuple[str, ...], update: tuple[str, ...]):
    # On the table, not the ORM class: a Core statement skips the ORM's bulk-insert
    # machinery, which costs more than the round trip itself.
    table = getattr(model, "__table__", model)
    insert = DIALECT_INSERTS[dialect](table)
    if not update:
        return insert.on_conflict_do_nothing(index_elements=list(keys))
    return insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: insert.excluded[name] for name in update},
        where=table.c.version < insert.excluded.version if "version" in update else None,
    )
