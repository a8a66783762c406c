"""Inventory's migrations: they match the models and tag devices that existed before."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from services.common.migrations import upgrade
from services.inventory.models import metadata
from tests.support.services import migrated, schema_differences


def test_migrated_schema_matches_the_models(tmp_path):
    with migrated(tmp_path, "inventory") as engine, engine.connect() as connection:
        assert schema_differences(connection, metadata) == []


def test_devices_received_before_asset_tags_get_them_in_order_of_arrival(tmp_path):
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    upgrade("inventory", url, revision="0001")
    engine = create_engine(url)
    site_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO sites VALUES (:id, 'Atelier', 'Paris', 'workshop', 1, :now)"),
            {"id": site_id, "now": datetime.now(UTC)},
        )
        for minute in (2, 1):
            connection.execute(
                text(
                    "INSERT INTO devices (id, site_id, category, state, donation_id, partner_id,"
                    " line_id, version, created_at) VALUES (:id, :site, 'laptop', 'received',"
                    " :other, :other, :other, 1, :at)"
                ),
                {
                    "id": f"device-{minute}",
                    "site": site_id,
                    "other": str(uuid.uuid4()),
                    "at": datetime(2026, 1, 1, 9, minute, tzinfo=UTC),
                },
            )

    upgrade("inventory", url)

    with engine.connect() as connection:
        tags = connection.execute(text("SELECT id, asset_tag FROM devices ORDER BY id")).all()
        counter = connection.scalar(text("SELECT value FROM counters WHERE name = 'asset_tag'"))
    assert tags == [("device-1", "CS-000001"), ("device-2", "CS-000002")]
    assert counter == 2
    engine.dispose()
