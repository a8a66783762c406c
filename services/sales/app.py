"""Sales' app factory and worker entry point.

gunicorn 'services.sales.app:create_app()'
python -m services.sales.app worker
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.service import ServiceDefinition
from services.sales.api import sites
from services.sales.models import MESSAGING, metadata
from services.sales.projections import EVENT_HANDLERS

SERVICE = ServiceDefinition(
    name="sales",
    title="Sales API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=(sites,),
    handlers=EVENT_HANDLERS,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
