"""Run a service's Alembic migrations: the one-shot step before its replicas start.

    python -m services.common.migrations donations   # upgrade to head

Each service keeps its own chain in ``services/<name>/migrations``; the database URL is the
service's ``<NAME>_DATABASE_URL`` (see ``config.py``), unless one is passed explicitly.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from services.common.config import DATABASES, default_database_url, env_str
from services.common.logs import configure_logging

log = logging.getLogger(__name__)

SERVICES_DIR = Path(__file__).resolve().parent.parent


def alembic_config(service: str, database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    url = database_url or env_str(f"{service.upper()}_DATABASE_URL", default_database_url(service))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(service: str, database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def main(argv: list[str] | None = None) -> int:
    services = (argv if argv is not None else sys.argv[1:]) or list(DATABASES)
    configure_logging(" ".join(services), "migrate")
    for service in services:
        if service not in DATABASES:
            print(
                f"unknown service {service!r}; choose from {DATABASES}",
                file=sys.stderr,
            )
            return 2
        upgrade(service)
        log.info("%s: database at head", service)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
