"""Sales' HTTP API: the sites counters sell at (a projection of inventory's), their catalogue."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.sales.catalogue import site_catalogue
from services.sales.clock import utc_now
from services.sales.models import SiteView
from services.sales.schemas import CatalogueItemOut

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Sites known to sales")


class SiteViewOut(Schema):
    site_id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()


@sites.route("")
class SiteViews(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, SiteViewOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(select(SiteView).order_by(SiteView.name)).all()


@sites.route("/<uuid:site_id>/catalogue")
class SiteCatalogue(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, CatalogueItemOut(many=True))
    def get(self, site_id):
        """What the site can sell now, with prices; inventory confirms at reservation."""
        with current_runtime().unit_of_work() as uow:
            if uow.session.get(SiteView, str(site_id)) is None:
                raise Problem(404, "site-not-found", f"No site {site_id}.")
            return site_catalogue(uow.session, str(site_id), utc_now())
