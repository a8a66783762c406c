"""Numbers without gaps (receipts): a counter row per key, locked in the caller's transaction.

Concurrent callers queue on the row; a rolled-back transaction gives its number back with
everything else, so the sequence never has a hole.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.upserts import dialect_insert


def next_number(session: Session, model, **key) -> int:
    """The next ``last_number`` of ``model``'s row for ``key`` (the first is 1), in one
    statement: the upsert creates or increments the row and holds its lock until commit."""
    table = model.__table__  # a Core statement: the ORM's bulk-insert path costs more
    insert = dialect_insert(session, table).values(**key, last_number=1)
    return session.execute(
        insert.on_conflict_do_update(
            index_elements=list(key), set_={"last_number": table.c.last_number + 1}
        ).returning(table.c.last_number)
    ).scalar_one()
