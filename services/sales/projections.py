"""Projections of other services' events into sales' own tables."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.sales.models import SiteView

_UPSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def project_site(uow: UnitOfWork, event: CloudEvent) -> None:
    """Keep the newest description of a site: one upsert that an older event (a lower
    sequence, arriving late) leaves unchanged."""
    data = event.data
    values = {
        "site_id": data["site_id"],
        "name": data["name"],
        "city": data["city"],
        "kind": data["kind"],
        "version": event.sequence,
    }
    insert = _UPSERTS[uow.session.get_bind().dialect.name](SiteView).values(**values)
    uow.session.execute(
        insert.on_conflict_do_update(
            index_elements=[SiteView.site_id],
            set_={name: insert.excluded[name] for name in values if name != "site_id"},
            where=SiteView.version < insert.excluded.version,
        )
    )


EVENT_HANDLERS = {"inventory.site.opened": project_site}
