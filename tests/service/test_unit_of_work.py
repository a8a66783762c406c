from sqlalchemy import func, select

from services.inventory.app import SERVICE as INVENTORY
from services.inventory.models import Site


def emit_site(uow, name="Lyon"):
    site = Site(name=name, city="Lyon", kind="counter")
    uow.session.add(site)
    uow.session.flush()
    uow.emit(
        "inventory.site.opened",
        subject=site.id,
        sequence=1,
        data={"site_id": site.id, "name": name, "city": "Lyon", "kind": "counter"},
    )


def counts(runtime):
    with runtime.engine.connect() as connection:
        sites = connection.scalar(select(func.count()).select_from(Site.__table__))
        events = connection.scalar(select(func.count()).select_from(runtime.tables.outbox))
    return sites, events


def test_state_and_event_are_rolled_back_together_unless_committed(sqlite_settings):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    with runtime.unit_of_work() as uow:
        emit_site(uow)
    assert counts(runtime) == (0, 0)


def test_state_and_event_are_committed_together(sqlite_settings):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    with runtime.unit_of_work() as uow:
        emit_site(uow)
        uow.commit()
    assert counts(runtime) == (1, 1)
    assert runtime.outbox.written.is_set()  # an in-process relay is woken at once


def test_relay_purges_only_rows_sent_long_ago(sqlite_settings):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    with runtime.unit_of_work() as uow:
        for name in ("old", "recent", "unsent"):
            emit_site(uow, name)
        uow.commit()
    outbox = runtime.tables.outbox
    now = datetime.now(UTC)
    with runtime.engine.begin() as connection:
        for event_id_offset, sent_at in (
            (1, now - timedelta(days=4)),
            (2, now - timedelta(hours=1)),
        ):
            connection.execute(
                update(outbox).where(outbox.c.id == event_id_offset).values(sent_at=sent_at)
            )
    assert runtime.relay().purge_sent() == 1
    assert counts(runtime) == (3, 2)
