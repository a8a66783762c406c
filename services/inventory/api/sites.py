"""Sites: the workshop and the counters (devices are in ``devices.py``, the workshop in
``workshop.py``)."""

from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.inventory.api.schemas.sites import SiteIn, SiteOut, SitePatch
from services.inventory.domain.commands import ChangeSiteStatus, OpenSite
from services.inventory.models import Site

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Workshop and counters")


@sites.route("")
class SiteCollection(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, SiteOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(select(Site).order_by(Site.name)).all()

    @allow("admin")
    @sites.arguments(SiteIn)
    @sites.response(201, SiteOut)
    def post(self, new_site):
        return execute(OpenSite(**new_site))


@sites.route("/<uuid:site_id>")
class SiteItem(MethodView):
    @allow(*EVERYONE)
    @sites.response(200, SiteOut)
    def get(self, site_id):
        with current_runtime().unit_of_work() as uow:
            return _get_site(uow.session, site_id)

    @allow("admin")
    @sites.arguments(SitePatch)
    @sites.response(200, SiteOut)
    def patch(self, changes, site_id):
        """Close (``{"open": false}``) or reopen a site. A closed site's counter keys stop
        working at the gateway and donations refuses new donations for it
        (``inventory.site.status_changed``); its stock, records and history stay."""
        return execute(ChangeSiteStatus(str(site_id), changes["open"]))


def _get_site(session, site_id) -> Site:
    site = session.get(Site, str(site_id))
    if site is None:
        raise Problem(404, "site-not-found", f"No site {site_id}.")
    return site
