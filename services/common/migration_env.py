"""The body of every service's Alembic ``env.py``: online migrations on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData

from services.common.db import is_sqlite, make_engine


def run_migrations(metadata: MetaData) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(url),  # SQLite alters tables by copying them
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
