"""Stock per site and product, its ledger, adjustments and counts, and transfers.

Counter keys see and count their own site's stock only, and see and receive the transfers
from or to it; the workshop sends transfers; only an admin adjusts figures."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from services.common.actors import current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime
from services.inventory import adjustments, transfers
from services.inventory.domain.reservations import Request
from services.inventory.models import CardLine, StockLevel, StockMovement, Transfer
from services.inventory.scopes import at_callers_site, is_callers_site
from services.inventory.stock_schemas import (
    AdjustmentIn,
    AwaitingCodesFilter,
    AwaitingCodesOut,
    CountIn,
    MovementFilter,
    MovementOut,
    StockFilter,
    StockLevelOut,
    TransferFilter,
    TransferIn,
    TransferOut,
)

stock = Blueprint("stock", __name__, url_prefix="/stock", description="Stock and its ledger")
transfer_views = Blueprint(
    "transfers", __name__, url_prefix="/transfers", description="Transfers between sites"
)
WORKSHOP_READ = ("admin", "auditor", "workshop")
READ = (*WORKSHOP_READ, "counter")


def _filtered(query, model, filters: dict, names: tuple[str, ...]):
    for name in names:
        if filters.get(name) is not None:
            query = query.where(getattr(model, name) == str(filters[name]))
    return query


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
        query = _filtered(query, StockLevel, filters, ("site_id", "product_key", "family"))
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
        query = _filtered(
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
        with current_runtime().unit_of_work() as uow:
            level = adjustments.adjust(
                uow,
                str(given["site_id"]),
                given["product_key"],
                given["quantity"],
                given["reason"],
                current_actor(),
            )
            uow.commit()
            return level


@stock.route("/counts")
class Counts(MethodView):
    @allow("admin", "workshop", "counter")
    @stock.arguments(CountIn)
    @stock.response(201, StockLevelOut)
    def post(self, given):
        """A physical count of an allowance's available units; the difference is recorded.
        A counter counts at its own site only (another site is a 404)."""
        if not is_callers_site(given["site_id"]):
            raise adjustments.UnknownStockSite(str(given["site_id"]))
        with current_runtime().unit_of_work() as uow:
            level = adjustments.count(
                uow,
                str(given["site_id"]),
                given["product_key"],
                given["counted"],
                given["reason"],
                current_actor(),
            )
            uow.commit()
            return level


@stock.route("/awaiting-codes")
class AwaitingCodes(MethodView):
    @allow(*WORKSHOP_READ)
    @stock.arguments(AwaitingCodesFilter, location="query")
    @stock.response(200, AwaitingCodesOut(many=True))
    def get(self, filters):
        """Received cards whose codes have not arrived: not sellable, not in the figures."""
        query = select(CardLine).where(CardLine.codes_received < CardLine.quantity)
        query = _filtered(query, CardLine, filters, ("site_id", "donation_id"))
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(query.order_by(CardLine.donation_id)).all()


@transfer_views.route("")
class Transfers(MethodView):
    @allow("admin", "workshop")
    @transfer_views.arguments(TransferIn)
    @transfer_views.response(201, TransferOut)
    def post(self, given):
        """Send stock: every line served, or nothing sent (409 with the reason per line)."""
        command = transfers.Dispatch(
            from_site_id=str(given["from_site_id"]),
            to_site_id=str(given["to_site_id"]),
            requests=[_request(index, line) for index, line in enumerate(given["lines"])],
            actor=current_actor(),
            note=given.get("note"),
        )
        with current_runtime().unit_of_work() as uow:
            transfer = transfers.dispatch(uow, command)
            uow.commit()
            return _transfer(uow.session, transfer.id)

    @allow(*READ)
    @transfer_views.arguments(TransferFilter, location="query")
    @transfer_views.response(200, page_of(TransferOut))
    def get(self, filters):
        query = select(Transfer).options(selectinload(Transfer.items))
        query = query.where(at_callers_site(Transfer.from_site_id, Transfer.to_site_id))
        if filters.get("site_id"):
            site = str(filters["site_id"])
            query = query.where(or_(Transfer.from_site_id == site, Transfer.to_site_id == site))
        query = _filtered(query, Transfer, filters, ("state",))
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(Transfer.dispatched_at), filters)


def _request(index: int, line: dict) -> Request:
    line_id = str(line["line_id"]) if line.get("line_id") else str(index + 1)
    device_id = str(line["device_id"]) if line.get("device_id") else None
    return Request(line_id, line["product_key"], line["quantity"], device_id)


def _transfer(session, transfer_id: str) -> Transfer:
    found = session.scalar(
        select(Transfer)
        .where(
            Transfer.id == transfer_id,
            at_callers_site(Transfer.from_site_id, Transfer.to_site_id),
        )
        .options(selectinload(Transfer.items))
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise transfers.UnknownTransfer(transfer_id)
    return found


@transfer_views.route("/<uuid:transfer_id>")
class TransferItem(MethodView):
    @allow(*READ)
    @transfer_views.response(200, TransferOut)
    def get(self, transfer_id):
        with current_runtime().unit_of_work() as uow:
            return _transfer(uow.session, str(transfer_id))


@transfer_views.route("/<uuid:transfer_id>/reception")
class TransferReception(MethodView):
    @allow("admin", "workshop", "counter")
    @transfer_views.response(200, TransferOut)
    def post(self, transfer_id):
        """The destination received everything: the items join its stock. A counter receives
        only what was sent to its site."""
        with current_runtime().unit_of_work() as uow:
            transfers.receive(uow, str(transfer_id), current_actor(), at_site=site_scope())
            uow.commit()
            return _transfer(uow.session, str(transfer_id))
