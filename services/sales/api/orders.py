"""Counter orders: place, follow (with a bounded wait), complete, cancel, receipt.

A counter key places orders at its own site and sees only that site's orders (another
site's order answers 404, as one that does not exist); admins and auditors see all. Only
the counter completes a sale; an admin may cancel one.

Prepaid-card codes of a completed order are revealed by inventory, not here: the counter
asks inventory through the gateway (``/api/inventory/…``) with the order id.
"""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from services.common.actors import counter_site_id, current_actor
from services.common.authorization import allow, site_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of, paginate
from services.common.webapp import current_runtime, execute
from services.sales.api.receipts import receipt_label, receipt_pdf
from services.sales.api.schemas import (
    CancellationIn,
    CompletionIn,
    CompletionWaitArgs,
    OrderFilter,
    OrderIn,
    OrderOut,
    OrderWaitArgs,
)
from services.sales.clock import utc_now
from services.sales.domain.commands import (
    CancelOrder,
    OrderLineWanted,
    PlaceOrder,
    RequestCompletion,
)
from services.sales.domain.errors import ReceiptNotIssued, SaleNotCompleted
from services.sales.domain.orders import UNDECIDED
from services.sales.models import IDEMPOTENCY, Order
from services.sales.order_waits import order_waits
from services.sales.repository.orders import orders_query, refreshed
from services.sales.settings import current_settings

orders = Blueprint("orders", __name__, url_prefix="/orders", description="Counter orders")
READ_ORDERS = ("admin", "auditor", "counter")


@orders.route("")
class OrderCollection(MethodView):
    @allow(*READ_ORDERS)
    @orders.arguments(OrderFilter, location="query")
    @orders.response(200, page_of(OrderOut))
    def get(self, args):
        query = orders_query(args, site_scope())
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, args)

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
        command = PlaceOrder(
            site_id=counter_site_id(),
            beneficiary_code=request["beneficiary_code"],
            lines=tuple(
                OrderLineWanted(line["product_key"], line["quantity"], line.get("device_id"))
                for line in request["lines"]
            ),
            actor=current_actor(),
            at=utc_now(),
        )
        if args["wait"] <= 0:
            return execute(command)
        with _order_waits().watching(command.order_id) as watch:  # before inventory can answer
            order = execute(command)
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


def _refreshed(order: Order) -> Order:
    with current_runtime().session_factory() as session:
        return refreshed(session, order)


def _read_order(order_id) -> Order:
    with current_runtime().unit_of_work() as uow:
        return uow.orders.get(order_id, site_scope())


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
        command = RequestCompletion(
            order_id=str(order_id),
            payment_method=payment["payment_method"],
            actor=current_actor(),
            at=utc_now(),
            site_scope=site_scope(),
        )
        with _order_waits().watching(command.order_id) as watch:  # before inventory can answer
            execute(command)
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
        command = CancelOrder(
            order_id=str(order_id),
            reason=cancellation["reason"],
            actor=current_actor(),
            at=utc_now(),
            site_scope=site_scope(),
        )
        return execute(command)


@orders.route("/<uuid:order_id>/receipt.pdf")
class OrderReceipt(MethodView):
    @allow(*READ_ORDERS)
    @orders.response(200, content_type="application/pdf", description="The sale receipt")
    def get(self, order_id):
        """The receipt names the person by pseudonymous code only, so auditors may read it."""
        with current_runtime().unit_of_work() as uow:
            order = uow.orders.get(order_id, site_scope())
            if order.receipt_number is None:
                raise ReceiptNotIssued()
            pdf = receipt_pdf(order, uow.sites.get(order.site_id))
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="recu-{receipt_label(order)}.pdf"'
            },
        )
