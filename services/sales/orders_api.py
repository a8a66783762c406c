"""Counter orders: place, follow (with a bounded wait), complete, cancel, receipt.

A counter key places orders at its own site and sees only that site's orders (another
site's order answers 404, as one that does not exist); admins and auditors see all. Only
the counter completes a sale; an admin may cancel one.

Prepaid-card codes of a completed order are revealed by inventory, not here: the counter
asks inventory through the gateway (``/api/inventory/…``) with the order id.
"""

from __future__ import annotations

import functools

from flask import Response, current_app
from flask.views import MethodView
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from services.common.actors import counter_site_id, current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales import ordering
from services.sales.clock import utc_now
from services.sales.domain.errors import SaleNotCompleted
from services.sales.domain.orders import COMPLETION_ASKED, UNDECIDED
from services.sales.models import IDEMPOTENCY, Order, SiteView
from services.sales.order_waits import order_waits
from services.sales.receipts import receipt_label, receipt_pdf
from services.sales.schemas import (
    CancellationIn,
    CompletionIn,
    CompletionWaitArgs,
    OrderFilter,
    OrderIn,
    OrderOut,
    OrderWaitArgs,
)
from services.sales.settings import current_settings

orders = Blueprint("orders", __name__, url_prefix="/orders", description="Counter orders")
READ_ORDERS = ("admin", "auditor", "counter")


def _visible_orders():
    """Orders the caller may see: a counter's own site's, everyone's for other roles."""
    return _visible(select(Order).options(selectinload(Order.lines)))


def _visible(query):
    if (site_id := site_scope()) is not None:
        query = query.where(Order.site_id == site_id)
    return query


def _get_order(session, order_id, *, for_update: bool = False) -> Order:
    """One order with its lines, in one statement (locking the order's row only)."""
    site_id = site_scope()
    parameters = {"order_id": str(order_id), "site_id": site_id}
    found = session.scalars(_order_query(site_id is not None, for_update), parameters)
    order = found.unique().first()
    if order is None:
        raise Problem(404, "order-not-found", f"No order {order_id}.")
    return order


@functools.cache
def _order_query(scoped: bool, for_update: bool):
    """Built once per kind (every order is read this way; building costs more than running)."""
    query = select(Order).options(joinedload(Order.lines))
    query = query.where(Order.id == bindparam("order_id"))
    if scoped:
        query = query.where(Order.site_id == bindparam("site_id"))
    return query.with_for_update(of=Order) if for_update else query


@orders.route("")
class OrderCollection(MethodView):
    @allow(*READ_ORDERS)
    @orders.arguments(OrderFilter, location="query")
    @orders.response(200, page_of(OrderOut))
    def get(self, args):
        query = _visible_orders()
        for name in ("site_id", "state", "beneficiary_code"):
            if args.get(name):
                query = query.where(getattr(Order, name) == str(args[name]))
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(Order.placed_at.desc(), Order.id), args)

    @allow("counter")
    @idempotent(IDEMPOTENCY)
    @orders.arguments(OrderWaitArgs, location="query")
    @orders.arguments(OrderIn)
    @orders.response(201, OrderOut)
    def post(self, args, request):
        """Place an order at the counter's site: ``pending`` until inventory answers.

        Eligibility and limits are checked here, atomically; a refusal says which rule and
        by how much. With ``?wait=5`` the answer comes once inventory has reserved or
        refused (one round trip for the counter); else follow it with
        ``GET /orders/{id}?wait=5``.
        """
        site_id, actor = counter_site_id(), current_actor()
        with current_runtime().unit_of_work() as uow:
            order = ordering.place(uow, request, site_id, actor, utc_now())
            if args["wait"] <= 0:
                uow.commit()
                return order
            with _order_waits().watching(order.id) as watch:  # before inventory can answer
                uow.commit()
                return _until_decided(watch, lambda: _refreshed(order), args["wait"], first=False)


@orders.route("/<uuid:order_id>")
class OrderItem(MethodView):
    @allow(*READ_ORDERS)
    @orders.arguments(OrderWaitArgs, location="query")
    @orders.response(200, OrderOut)
    def get(self, args, order_id):
        """The order; with ``wait``, answered as soon as inventory has answered: it leaves
        ``pending`` or ``completing`` (or on time out).

        The wait is capped (``SALES_ORDER_WAIT_MAX_SECONDS``); see ``order_waits.py``.
        """
        if args["wait"] <= 0:
            return _read_order(order_id)
        with _order_waits().watching(str(order_id)) as watch:
            return _until_decided(watch, lambda: _read_order(order_id), args["wait"])


def _order_waits():
    settings = current_settings()
    return order_waits(current_app, current_runtime(), settings.wait_poll_seconds)


def _until_decided(watch, read, seconds: float, *, first: bool = True) -> Order:
    """The order once inventory has answered (it is neither ``pending`` nor ``completing``),
    or as it is after ``seconds`` (capped)."""
    seconds = min(seconds, current_settings().max_wait_seconds)
    return watch.read_until(read, lambda order: order.state not in UNDECIDED, seconds, first=first)


_ORDER_ROW = select(Order.__table__).where(Order.__table__.c.id == bindparam("order_id"))


def _refreshed(order: Order) -> Order:
    """The order just placed, as the database has it now: only its row is read again (the
    lines are a snapshot, never changed once placed)."""
    with current_runtime().session_factory() as session:
        row = session.execute(_ORDER_ROW, {"order_id": order.id}).one()
    for name, value in row._mapping.items():
        setattr(order, name, value)
    return order


def _read_order(order_id) -> Order:
    with current_runtime().unit_of_work() as uow:
        return _get_order(uow.session, order_id)


@orders.route("/<uuid:order_id>/completion")
class OrderCompletion(MethodView):
    @allow("counter")
    @orders.arguments(CompletionWaitArgs, location="query")
    @orders.arguments(CompletionIn)
    @orders.response(200, OrderOut, description="The sale happened: payment and receipt")
    @orders.alt_response(
        202, schema=OrderOut, description="Still `completing` when the wait ran out"
    )
    @orders.alt_response(
        409,
        description="problem+json: `sale-not-completed` (inventory could not commit: the "
        "order ends `completion_refused`, no money recorded), `reservation-expired` (the "
        "hold had expired), `illegal-order-step` (not reserved yet, or cancelled)",
    )
    def post(self, args, payment, order_id):
        """Complete a reserved order with its payment. No money without the goods: sales asks
        inventory to commit the reserved items and records the payment and numbers the
        receipt only once inventory confirmed. The answer waits up to ``wait`` seconds
        (default 5, capped) for that outcome: 200 ``completed``; 409 ``sale-not-completed``
        when inventory could not commit (the hold lapsed and the items are gone: the order
        ends ``completion_refused``, no money recorded); 202 ``completing`` if the wait ran
        out (follow with ``GET /orders/{id}?wait=5``). Asking again answers the same
        outcome; 409 ``reservation-expired`` when the order had already expired."""
        actor = current_actor()
        with current_runtime().unit_of_work() as uow:
            order = _get_order(uow.session, order_id, for_update=True)
            if order.state not in COMPLETION_ASKED:
                ordering.request_completion(uow, order, payment["payment_method"], actor, utc_now())
            with _order_waits().watching(order.id) as watch:  # before inventory can answer
                uow.commit()
                order = _until_decided(watch, lambda: _read_order(order_id), args["wait"])
        if order.state == "completion_refused":
            raise SaleNotCompleted(order.id, order.state, order.end_reason)
        return order, 200 if order.state == "completed" else 202


@orders.route("/<uuid:order_id>/cancellation")
class OrderCancellation(MethodView):
    @allow("admin", "counter")
    @orders.arguments(CancellationIn)
    @orders.response(200, OrderOut)
    def post(self, cancellation, order_id):
        """Cancel a pending or reserved order: inventory releases what it holds."""
        actor = current_actor()
        with current_runtime().unit_of_work() as uow:
            order = _get_order(uow.session, order_id, for_update=True)
            ordering.cancel(uow, order, cancellation["reason"], actor, utc_now())
            uow.commit()
            return order


@orders.route("/<uuid:order_id>/receipt.pdf")
class OrderReceipt(MethodView):
    @allow(*READ_ORDERS)
    @orders.response(200, content_type="application/pdf", description="The sale receipt")
    def get(self, order_id):
        """The receipt names the person by pseudonymous code only, so auditors may read it."""
        with current_runtime().unit_of_work() as uow:
            order = _get_order(uow.session, order_id)
            if order.receipt_number is None:
                raise Problem(409, "not-completed", "A receipt exists once the sale is completed.")
            pdf = receipt_pdf(order, uow.session.get(SiteView, order.site_id))
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="recu-{receipt_label(order)}.pdf"'
            },
        )
