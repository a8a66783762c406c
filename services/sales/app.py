"""Sales' app factory and worker entry point.

gunicorn 'services.sales.app:create_app()'
python -m services.sales.app worker
python -m services.sales.erasure       # erase personal data past retention now (the worker
                                       # also does it periodically)
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.common.operations import operations_blueprint
from services.common.service import ServiceDefinition
from services.sales.admin_api import limits, price_grids
from services.sales.api import sites
from services.sales.domain.errors import SalesError
from services.sales.erasure import ERASURE_TASK
from services.sales.errors import refusal
from services.sales.handlers import EVENT_HANDLERS
from services.sales.impact_api import impact
from services.sales.models import MESSAGING, metadata
from services.sales.operations_api import completions
from services.sales.orders_api import orders
from services.sales.referrals_api import beneficiaries, organisations
from services.sales.sale_check import DIGEST_TASK

SERVICE = ServiceDefinition(
    name="sales",
    title="Sales API",
    metadata=metadata,
    tables=MESSAGING,
    blueprints=(
        sites,
        organisations,
        beneficiaries,
        limits,
        price_grids,
        orders,
        impact,
        operations_blueprint(),
        completions,
    ),
    handlers=EVENT_HANDLERS,
    periodic=(ERASURE_TASK, DIGEST_TASK),
)


# Through a blueprint, so that every app built from SERVICE answers refusals with details.
sites.app_errorhandler(SalesError)(refusal)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    return SERVICE.create_app(config)


if __name__ == "__main__":
    raise SystemExit(SERVICE.main())
