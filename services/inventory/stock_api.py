"""Stock per site and product, its ledger, adjustments and counts, and transfers."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from services.common.actors import current_actor
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime
from services.inventory import adjustments, transfers
from services.inventory.device_api import X_ACTOR
from services.inventory.domain.reservations import Request
from services.inventory.models import CardLine, StockLevel, StockMovement, Transfer
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


def _filtered(query, model, filters: dict, names: tuple[str, ...]):
    for name in names:
        if filters.get(name) is not None:
            query = query.where(getattr(model, name) == str(filters[name]))
    return query


@stock.route("")
class StockLevels(MethodView):
    @stock.arguments(StockFilter, location="query")
    @stock.response(200, page_of(StockLevelOut))
    def get(self, filters):
        """Figures per site and product: received = available + reserved + sold + in transit
        + written off."""
        query = select(StockLevel).where(StockLevel.version > 0)
        query = _filtered(query, StockLevel, filters, ("site_id", "product_key", "family"))
        query = query.order_by(StockLevel.site_id, StockLevel.product_key)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)


@stock.route("/movements")
class Movements(MethodView):
    @stock.arguments(MovementFilter, location="query")
    @stock.response(200, page_of(MovementOut))
    def get(self, filters):
        """The append-only ledger, oldest first."""
        query = _filtered(
            select(StockMovement),
            StockMovement,
            filters,
            ("site_id", "product_key", "kind", "reference"),
        ).order_by(StockMovement.id)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)


@stock.route("/adjustments")
class Adjustments(MethodView):
    @stock.arguments(AdjustmentIn)
    @stock.response(201, StockLevelOut)
    @stock.doc(parameters=[X_ACTOR])
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
    @stock.arguments(CountIn)
    @stock.response(201, StockLevelOut)
    @stock.doc(parameters=[X_ACTOR])
    def post(self, given):
        """A physical count of an allowance's available units; the difference is recorded."""
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
    @transfer_views.arguments(TransferIn)
    @transfer_views.response(201, TransferOut)
    @transfer_views.doc(parameters=[X_ACTOR])
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

    @transfer_views.arguments(TransferFilter, location="query")
    @transfer_views.response(200, page_of(TransferOut))
    def get(self, filters):
        query = select(Transfer).options(selectinload(Transfer.items))
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
    found = session.get(
        Transfer, transfer_id, options=[selectinload(Transfer.items)], populate_existing=True
    )
    if found is None:
        raise transfers.UnknownTransfer(transfer_id)
    return found


@transfer_views.route("/<uuid:transfer_id>")
class TransferItem(MethodView):
    @transfer_views.response(200, TransferOut)
    def get(self, transfer_id):
        with current_runtime().unit_of_work() as uow:
            return _transfer(uow.session, str(transfer_id))


@transfer_views.route("/<uuid:transfer_id>/reception")
class TransferReception(MethodView):
    @transfer_views.response(200, TransferOut)
    @transfer_views.doc(parameters=[X_ACTOR])
    def post(self, transfer_id):
        """The destination received everything: the items join its stock."""
        with current_runtime().unit_of_work() as uow:
            transfers.receive(uow, str(transfer_id), current_actor())
            uow.commit()
            return _transfer(uow.session, str(transfer_id))
