"""Reservations as inventory holds them: what each order has reserved, and the outcome.
Admin and auditor keys see them all, a counter key its own site's."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common.authorization import allow
from services.common.blueprint import Blueprint
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.inventory.api.schemas.stock import ReservationFilter, ReservationOut
from services.inventory.api.scopes import at_callers_site
from services.inventory.models import Reservation

reservation_views = Blueprint(
    "reservations", __name__, url_prefix="/reservations", description="The sale saga's holds"
)
READ = ("admin", "auditor", "counter")


@reservation_views.route("")
class ReservationCollection(MethodView):
    @allow(*READ)
    @reservation_views.arguments(ReservationFilter, location="query")
    @reservation_views.response(200, page_of(ReservationOut))
    def get(self, filters):
        query = (
            select(Reservation)
            .where(at_callers_site(Reservation.site_id))
            .options(selectinload(Reservation.items))
        )
        for name in ("order_id", "site_id", "state"):
            if filters.get(name) is not None:
                query = query.where(getattr(Reservation, name) == str(filters[name]))
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(Reservation.created_at), filters)


@reservation_views.route("/<uuid:reservation_id>")
class ReservationItem(MethodView):
    @allow(*READ)
    @reservation_views.response(200, ReservationOut)
    def get(self, reservation_id):
        with current_runtime().unit_of_work() as uow:
            found = uow.session.scalar(
                select(Reservation)
                .where(Reservation.id == str(reservation_id), at_callers_site(Reservation.site_id))
                .options(selectinload(Reservation.items))
            )
            if found is None:
                raise Problem(404, "reservation-not-found", f"No reservation {reservation_id}.")
            return found
