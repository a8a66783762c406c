"""Sales' HTTP API: thin views (parse → command → ``execute`` → serialise), one module per
resource; ``BLUEPRINTS`` in the order the OpenAPI document lists them."""

from __future__ import annotations

from services.common.operations import operations_blueprint
from services.sales.api.impact import impact
from services.sales.api.impact_factors import impact_factors
from services.sales.api.operations import completions
from services.sales.api.orders import orders
from services.sales.api.people import beneficiaries, organisations
from services.sales.api.prices import limits, price_grids
from services.sales.api.reports import reports, workbook
from services.sales.api.sites import sites

BLUEPRINTS = (
    sites,
    organisations,
    beneficiaries,
    limits,
    price_grids,
    orders,
    impact,
    operations_blueprint(),
    completions,
    impact_factors,
    workbook,
    reports,
)
