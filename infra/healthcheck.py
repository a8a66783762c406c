"""Container health check: ``python infra/healthcheck.py api|worker`` (exit 0 when healthy).

* ``api``: the gunicorn server of this container answers ``/health/live`` on its bind port.
* ``worker``: the worker has no HTTP port; what makes it useless is losing its database or
  its broker, so both are reached with the service's own settings (``SERVICE``,
  ``<SERVICE>_DATABASE_URL``, ``BROKER_URL``), as an API's ``/health/ready`` does.
"""

from __future__ import annotations

import os
import sys
import urllib.request

TIMEOUT_SECONDS = 2


def api_is_live() -> None:
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{port}/health/live"
    with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def worker_reaches_its_dependencies() -> None:
    # Imported here so that the API's check stays a plain urllib call.
    from kombu import Connection
    from sqlalchemy import create_engine, text

    from services.common.config import service_settings

    settings = service_settings(os.environ["SERVICE"])
    postgres = settings.database_url.startswith("postgresql")
    connect_args = {"connect_timeout": TIMEOUT_SECONDS} if postgres else {}
    engine = create_engine(settings.database_url, connect_args=connect_args)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    broker = Connection(settings.messaging.broker_url, connect_timeout=TIMEOUT_SECONDS)
    with broker:
        broker.ensure_connection(max_retries=1)


CHECKS = {"api": api_is_live, "worker": worker_reaches_its_dependencies}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in CHECKS:
        print(f"usage: healthcheck.py {'|'.join(CHECKS)}", file=sys.stderr)
        return 2
    try:
        CHECKS[argv[0]]()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, said on stderr
        print(f"unhealthy: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
