"""Stock per site and product, its ledger, adjustments and counts.

Counter keys see and count their own site's stock only; only an admin adjusts figures."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from services.common.actors import current_actor
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime, execute
from services.inventory.api.schemas.stock import (
    AdjustmentIn,
    AwaitingCodesFilter,
    AwaitingCodesOut,
    CountIn,
    MovementFilter,
    MovementOut,
    StockFilter,
    StockLevelOut,
)
from services.inventory.api.scopes import at_callers_site, filtered, is_callers_site
from services.inventory.domain.commands import AdjustStock, CountStock
from services.inventory.domain.errors import UnknownStockSite
from services.inventory.models import CardLine, StockLevel, StockMovement

stock = Blueprint("stock", __name__, url_prefix="/stock", description="Stock and its ledger")
WORKSHOP_READ = ("admin", "auditor", "workshop")
READ = (*WORKSHOP_READ, "counter")


@stock.route("")
class StockLevels(MethodView):
    @allow(*READ)
    @stock.arguments(StockFilter, location="query")
    @stock.response(200, page_of(StockLevelOut))
    def get(self, filters):
        """Figures per site and product: received = available + reserved + sold + in transit
        + written off."""
        query = select(StockLevel).where(StockLevel.version > 0)
        query = query.where(at_callers_site(StockLevel.site_id))
        query = filtered(query, StockLevel, filters, ("site_id", "product_key", "family"))
        query = query.order_by(StockLevel.site_id, StockLevel.product_key)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)


@stock.route("/movements")
class Movements(MethodView):
    @allow(*READ)
    @stock.arguments(MovementFilter, location="query")
    @stock.response(200, page_of(MovementOut))
    def get(self, filters):
        """The append-only ledger, oldest first."""
        query = filtered(
            select(StockMovement).where(at_callers_site(StockMovement.site_id)),
            StockMovement,
            filters,
            ("site_id", "product_key", "kind", "reference"),
        ).order_by(StockMovement.id)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)


@stock.route("/adjustments")
class Adjustments(MethodView):
    @allow("admin")
    @stock.arguments(AdjustmentIn)
    @stock.response(201, StockLevelOut)
    def post(self, given):
        """Units of an allowance found (+) or lost (-), with the reason."""
        return execute(
            AdjustStock(
                str(given["site_id"]),
                given["product_key"],
                given["quantity"],
                given["reason"],
                current_actor(),
            )
        )


@stock.route("/counts")
class Counts(MethodView):
    @allow("admin", "workshop", "counter")
    @stock.arguments(CountIn)
    @stock.response(201, StockLevelOut)
    def post(self, given):
        """A physical count of an allowance's available units; the difference is recorded.
        A counter counts at its own site only (another site is a 404)."""
        if not is_callers_site(given["site_id"]):
            raise UnknownStockSite(str(given["site_id"]))
        return execute(
            CountStock(
                str(given["site_id"]),
                given["product_key"],
                given["counted"],
                given["reason"],
                current_actor(),
            )
        )


@stock.route("/awaiting-codes")
class AwaitingCodes(MethodView):
    @allow(*WORKSHOP_READ)
    @stock.arguments(AwaitingCodesFilter, location="query")
    @stock.response(200, AwaitingCodesOut(many=True))
    def get(self, filters):
        """Received cards whose codes have not arrived: not sellable, not in the figures."""
        query = select(CardLine).where(CardLine.codes_received < CardLine.quantity)
        query = filtered(query, CardLine, filters, ("site_id", "donation_id"))
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(query.order_by(CardLine.donation_id)).all()
