"""Transfers between sites: the workshop sends them; counter keys see and receive the
transfers from or to their own site."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from services.common.actors import current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime, execute
from services.inventory.api.schemas.stock import TransferFilter, TransferIn, TransferOut
from services.inventory.api.scopes import at_callers_site, filtered
from services.inventory.domain.commands import DispatchTransfer, ReceiveTransfer
from services.inventory.domain.errors import UnknownTransfer
from services.inventory.domain.reservations import Request
from services.inventory.models import Transfer

transfer_views = Blueprint(
    "transfers", __name__, url_prefix="/transfers", description="Transfers between sites"
)
READ = ("admin", "auditor", "workshop", "counter")


@transfer_views.route("")
class Transfers(MethodView):
    @allow("admin", "workshop")
    @transfer_views.arguments(TransferIn)
    @transfer_views.response(201, TransferOut)
    def post(self, given):
        """Send stock: every line served, or nothing sent (409 with the reason per line)."""
        command = DispatchTransfer(
            from_site_id=str(given["from_site_id"]),
            to_site_id=str(given["to_site_id"]),
            requests=[_request(index, line) for index, line in enumerate(given["lines"])],
            actor=current_actor(),
            note=given.get("note"),
        )
        transfer_id = execute(command)
        with current_runtime().unit_of_work() as uow:
            return _transfer(uow.session, transfer_id)

    @allow(*READ)
    @transfer_views.arguments(TransferFilter, location="query")
    @transfer_views.response(200, page_of(TransferOut))
    def get(self, filters):
        query = select(Transfer).options(selectinload(Transfer.items))
        query = query.where(at_callers_site(Transfer.from_site_id, Transfer.to_site_id))
        if filters.get("site_id"):
            site = str(filters["site_id"])
            query = query.where(or_(Transfer.from_site_id == site, Transfer.to_site_id == site))
        query = filtered(query, Transfer, filters, ("state",))
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
        raise UnknownTransfer(transfer_id)
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
        execute(ReceiveTransfer(str(transfer_id), current_actor(), at_site=site_scope()))
        with current_runtime().unit_of_work() as uow:
            return _transfer(uow.session, str(transfer_id))
