"""Inventory's HTTP API: sites (devices are in ``device_api``, the workshop in ``workshop_api``)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.common import clock
from services.common.authorization import EVERYONE, allow
from services.common.blueprint import Blueprint
from services.common.events.contracts import SITE_KINDS
from services.common.problems import Problem
from services.common.schemas import Strict, UtcDateTime
from services.common.webapp import current_runtime
from services.inventory.models import Site

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Workshop and counters")


class SiteIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    city = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class SitePatch(Strict):
    open = fields.Boolean(
        required=True,
        metadata={"description": "false closes the site: its counter keys stop working"},
    )


class SiteOut(Schema):
    id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()
    open = fields.Function(lambda site: site.closed_at is None)
    created_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)


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
        with current_runtime().unit_of_work() as uow:
            taken = uow.session.scalar(select(Site.id).where(Site.name == new_site["name"]))
            if taken:
                raise Problem(
                    409, "site-name-taken", f"A site is already named {new_site['name']!r}."
                )
            site = Site(**new_site)
            uow.session.add(site)
            uow.session.flush()
            uow.emit(
                "inventory.site.opened",
                subject=site.id,
                sequence=site.version,
                data={"site_id": site.id, "name": site.name, "city": site.city, "kind": site.kind},
            )
            uow.commit()
            return site


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
        with current_runtime().unit_of_work() as uow:
            site = _get_site(uow.session, site_id)
            if changes["open"] == (site.closed_at is None):
                return site
            moment = clock.now()
            site.closed_at = None if changes["open"] else moment
            site.version += 1
            uow.emit(
                "inventory.site.status_changed",
                subject=site.id,
                sequence=site.version,
                data={"site_id": site.id, "open": changes["open"], "at": moment.isoformat()},
            )
            uow.commit()
            return site


def _get_site(session, site_id) -> Site:
    site = session.get(Site, str(site_id))
    if site is None:
        raise Problem(404, "site-not-found", f"No site {site_id}.")
    return site
