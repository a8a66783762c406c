"""Inventory's HTTP API: sites and devices."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import func, select

from services.common.events.contracts import HARDWARE_CATEGORIES, SITE_KINDS
from services.common.pagination import PageArgs, page_of
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.inventory.models import Device, Site

sites = Blueprint("sites", __name__, url_prefix="/sites", description="Workshop and counters")
devices = Blueprint("devices", __name__, url_prefix="/devices", description="Serialized devices")


class SiteIn(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    city = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class SiteOut(Schema):
    id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()


class DeviceOut(Schema):
    id = fields.String()
    site_id = fields.String()
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    state = fields.String()
    donation_id = fields.String()
    partner_id = fields.String()
    line_id = fields.String()
    created_at = fields.DateTime()


class DeviceFilter(PageArgs):
    donation_id = fields.UUID()
    site_id = fields.UUID()
    state = fields.String()


@sites.route("")
class SiteCollection(MethodView):
    @sites.response(200, SiteOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(select(Site).order_by(Site.name)).all()

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
    @sites.response(200, SiteOut)
    def get(self, site_id):
        with current_runtime().unit_of_work() as uow:
            site = uow.session.get(Site, str(site_id))
            if site is None:
                raise Problem(404, "site-not-found", f"No site {site_id}.")
            return site


@devices.route("")
class DeviceCollection(MethodView):
    @devices.arguments(DeviceFilter, location="query")
    @devices.response(200, page_of(DeviceOut))
    def get(self, filters):
        query = select(Device)
        for column in ("donation_id", "site_id", "state"):
            if filters.get(column) is not None:
                query = query.where(getattr(Device, column) == str(filters[column]))
        with current_runtime().unit_of_work() as uow:
            total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
            items = uow.session.scalars(
                query.order_by(Device.created_at, Device.id)
                .limit(filters["page_size"])
                .offset((filters["page"] - 1) * filters["page_size"])
            ).all()
            return {
                "items": items,
                "total": total,
                "page": filters["page"],
                "page_size": filters["page_size"],
            }
