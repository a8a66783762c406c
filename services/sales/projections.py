"""Projections of other services' events into sales' own tables."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.sales.models import SiteView

_UPSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def upsert_newer(session, model, values: dict, *, keys: tuple[str, ...]) -> None:
    """Insert, or update only if ``values["version"]`` is newer: one statement, so a late
    event (a lower sequence) or a duplicate leaves the row unchanged."""
    insert = _UPSERTS[session.get_bind().dialect.name](model).values(**values)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[getattr(model, key) for key in keys],
            set_={name: insert.excluded[name] for name in values if name not in keys},
            where=model.version < insert.excluded.version,
        )
    )


def project_site(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the newest description of a site."""
    data = event.data
    values = {
        "site_id": data["site_id"],
        "name": data["name"],
        "city": data["city"],
        "kind": data["kind"],
        "version": event.sequence,
    }
    upsert_newer(uow.session, SiteView, values, keys=("site_id",))
