"""Sales' HTTP API: the sites counters sell at (a projection of inventory's), their catalogue."""

from __future__ import annotations

from flask.views import MethodView

from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales.api.schemas import CatalogueItemOut, SiteViewOut
from services.sales.clock import utc_now
from services.sales.handlers.projections import site_catalogue

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Sites known to sales")


@sites.route("")
class SiteViews(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, SiteViewOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.sites.all()


@sites.route("/<uuid:site_id>/catalogue")
class SiteCatalogue(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, CatalogueItemOut(many=True))
    def get(self, site_id):
        """What the site can sell now, with prices; inventory confirms at reservation.

        A counter's catalogue is empty until a transfer from the workshop reaches the site:
        devices become stock at the workshop once refurbished, cards and minutes at the site
        their donation was received at; the workshop (or an admin) sends them with ``POST
        /api/inventory/transfers`` and the counter receives them with ``POST
        /api/inventory/transfers/{id}/reception``. ``price`` is null for a product the grid
        in force does not price.
        """
        with current_runtime().unit_of_work() as uow:
            if uow.sites.get(str(site_id)) is None:
                raise Problem(404, "site-not-found", f"No site {site_id}.")
            return site_catalogue(uow, str(site_id), utc_now())
