"""``GET /stock/discrepancies``: what the reconciliation check found (admin and auditor).

An operator treats a non-empty list of open discrepancies as a problem to look into; a row
stays, resolved, once a later round no longer finds it (``state=resolved`` or ``all``)."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select, true

from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime
from services.inventory.api.schemas.discrepancies import DiscrepancyFilter, DiscrepancyOut
from services.inventory.models import StockDiscrepancy

discrepancy_views = Blueprint(
    "stock_discrepancies",
    __name__,
    url_prefix="/stock/discrepancies",
    description="What the reconciliation check found",
)
D = StockDiscrepancy
STATES = {
    "open": D.resolved_at.is_(None),
    "resolved": D.resolved_at.is_not(None),
    "all": true(),
}


@discrepancy_views.route("")
class Discrepancies(MethodView):
    @allow("admin", "auditor")
    @discrepancy_views.arguments(DiscrepancyFilter, location="query")
    @discrepancy_views.response(200, page_of(DiscrepancyOut))
    def get(self, filters):
        """Differences between the stock figures, the ledger and the items, and between
        completed sales and committed reservations; open ones by default, oldest first."""
        query = select(D).where(D.confirmed_at.is_not(None), STATES[filters["state"]])
        for name in ("kind", "site_id", "product_key"):
            if filters.get(name) is not None:
                query = query.where(getattr(D, name) == str(filters[name]))
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(D.first_seen_at, D.id), filters)
