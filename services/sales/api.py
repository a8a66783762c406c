"""Sales' HTTP API: the sites counters sell at (a projection of inventory's)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from services.common.webapp import current_runtime
from services.sales.models import SiteView

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Sites known to sales")


class SiteViewOut(Schema):
    site_id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()


@sites.route("")
class SiteViews(MethodView):
    @sites.response(200, SiteViewOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(select(SiteView).order_by(SiteView.name)).all()
