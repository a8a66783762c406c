"""Numbers without gaps (receipts): a counter row per key, locked in the caller's transaction.

Concurrent callers queue on the row; a rolled-back transaction gives its number back with
everything else, so the sequence never has a hole.
"""

from __future__ import annotations

import functools

from sqlalchemy.orm import Session

from services.common.upserts import DIALECT_INSERTS


def next_number(session: Session, model, **key) -> int:
    """The next ``last_number`` of ``model``'s row for ``key`` (the first is 1), in one
    statement: the upsert creates or increments the row and holds its lock until commit."""
    dialect = session.get_bind().dialect.name
    statement = _next_number(dialect, model.__table__, tuple(sorted(key)))
    return session.execute(statement, {**key, "last_number": 1}).scalar_one()


@functools.cache
def _next_number(dialect: str, table, key_names: tuple[str, ...]):
    """Built once per counter table (every sale numbers its receipt): a Core statement, the
    ORM's bulk-insert path costs more; the row's values come from the parameters."""
    return (
        DIALECT_INSERTS[dialect](table)
        .on_conflict_do_update(
            index_elements=list(key_names), set_={"last_number": table.c.last_number + 1}
        )
        .returning(table.c.last_number)
    )
