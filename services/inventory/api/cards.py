"""Cards in custody (never their codes), voiding, and the reveal of a sale's codes.

Admin and auditor keys read every card, a counter key its own site's; only an admin voids;
only the counter that sold the cards gets their codes. Inventory commits the sale before
sales records it, so the codes of a ``completed`` order are ready; a reveal asked while the
commit is under way may wait for it (``?wait=``, see ``services/common/waits.py``)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from sqlalchemy import select

from services.common.actors import counter_site_id, current_actor
from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.waits import key_waits
from services.common.webapp import current_runtime, execute
from services.inventory.api.schemas.stock import CardFilter, CardOut, RevealArgs, RevealOut, VoidIn
from services.inventory.api.scopes import at_callers_site
from services.inventory.domain.commands import RevealCodes as Reveal
from services.inventory.domain.commands import VoidCard as Void
from services.inventory.domain.errors import UnknownCard
from services.inventory.handlers import cards
from services.inventory.models import Card
from services.inventory.repository.reservations import RESERVATION_CLOSED

card_views = Blueprint(
    "cards", __name__, url_prefix="/cards", description="Prepaid cards in custody"
)
orders = Blueprint(
    "orders", __name__, url_prefix="/orders", description="Card codes of completed sales"
)
READ = ("admin", "auditor", "counter")
REVEAL_WAIT_MAX_SECONDS = 5.0
REVEAL_WAIT_POLL_SECONDS = 0.1  # on SQLite; at least 1 s on PostgreSQL, where NOTIFY wakes


@card_views.route("")
class CardCollection(MethodView):
    @allow(*READ)
    @card_views.arguments(CardFilter, location="query")
    @card_views.response(200, page_of(CardOut))
    def get(self, filters):
        """Cards, earliest expiry first; never a code."""
        query = select(Card).where(at_callers_site(Card.site_id))
        for name in ("site_id", "state", "product_key", "donation_id"):
            if filters.get(name) is not None:
                query = query.where(getattr(Card, name) == str(filters[name]))
        query = query.order_by(Card.expiry_date.asc().nulls_last(), Card.id)
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query, filters)


@card_views.route("/<uuid:card_id>")
class CardItem(MethodView):
    @allow(*READ)
    @card_views.response(200, CardOut)
    def get(self, card_id):
        with current_runtime().unit_of_work() as uow:
            card = uow.session.scalar(
                select(Card).where(Card.id == str(card_id), at_callers_site(Card.site_id))
            )
            if card is None:
                raise UnknownCard(str(card_id))
            return card


@card_views.route("/<uuid:card_id>/void")
class VoidCard(MethodView):
    @allow("admin")
    @card_views.arguments(VoidIn)
    @card_views.response(200, CardOut)
    def post(self, given, card_id):
        """Take a card in stock out for good (lost, damaged, refused by the operator)."""
        return execute(Void(str(card_id), given["reason"], current_actor()))


@orders.route("/<uuid:order_id>/card-codes/reveal")
class RevealCodes(MethodView):
    @allow("counter")
    @orders.arguments(RevealArgs, location="query")
    @orders.response(200, RevealOut, headers={"Cache-Control": {"schema": {"type": "string"}}})
    def post(self, args, order_id):
        """The codes of the cards sold to the order, to the counter key of the site that
        completed the sale (another site's order is a 404); the reveal is recorded (which key,
        where, when). The same site may fetch them again within 10 minutes of the first
        reveal (a lost answer), each time counted; later, 409 (another site: 404). Until
        inventory has committed the sale the answer is 404 ``no-card-codes``; with ``wait``
        (seconds, capped at 5) it first waits for the commit."""
        actor, site_id = current_actor(), counter_site_id()
        if args["wait"] > 0:
            _wait_for_the_sale(str(order_id), site_id, min(args["wait"], REVEAL_WAIT_MAX_SECONDS))
        revealed = execute(Reveal(str(order_id), site_id, actor))
        body = {
            "order_id": str(order_id),
            "revealed_by": actor,
            "site_id": site_id,
            "cards": [_revealed(item) for item in revealed],
        }
        return body, {"Cache-Control": "no-store"}


def _wait_for_the_sale(order_id: str, site_id: str, seconds: float) -> None:
    runtime = current_runtime()

    def nothing_held() -> bool:
        with runtime.unit_of_work() as uow:
            return uow.cards.nothing_held_for(order_id, site_id)

    waits = key_waits(current_app, runtime, RESERVATION_CLOSED, REVEAL_WAIT_POLL_SECONDS)
    waits.wait(order_id, seconds, nothing_held)


def _revealed(item: cards.RevealedCode) -> dict:
    card = item.card
    return {
        "card_id": card.id,
        "serial": card.serial,
        "product_key": card.product_key,
        "expiry_date": card.expiry_date,
        "code": item.code,
    }
