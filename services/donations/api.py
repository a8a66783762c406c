"""Donations' HTTP API: partners, donations, reception, impact."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common.events.contracts import HARDWARE_CATEGORIES, LINE_KINDS, PARTNER_KINDS
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.donations import receiving
from services.donations.models import Donation, Partner, PartnerImpact

partners = Blueprint("partners", __name__, url_prefix="/partners", description="Donor partners")
donations = Blueprint("donations", __name__, url_prefix="/donations", description="Donations")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class PartnerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))


class PartnerOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


class ImpactOut(Schema):
    partner_id = fields.String()
    devices_received = fields.Integer()


class LineIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=1_000_000)
    )
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String(validate=validate.Length(max=80))
    model = fields.String(validate=validate.Length(max=120))
    declared_condition = fields.String(validate=validate.Length(max=120))
    serials = fields.List(fields.String(validate=validate.Length(min=1, max=64)), load_default=list)


class DonationIn(Strict):
    partner_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=500)
    )


class LineOut(Schema):
    id = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    expected_quantity = fields.Integer()
    received_quantity = fields.Integer(allow_none=True)
    difference = fields.Method("_difference", allow_none=True)

    def _difference(self, line) -> int | None:
        if line.received_quantity is None:
            return None
        return line.received_quantity - line.expected_quantity


class DonationOut(Schema):
    id = fields.String()
    partner_id = fields.String()
    site_id = fields.String()
    state = fields.String()
    announced_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(LineOut))


class ReceivedLineIn(Strict):
    line_id = fields.UUID(required=True)
    received_quantity = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=1_000_000)
    )


class ReceptionIn(Strict):
    lines = fields.List(fields.Nested(ReceivedLineIn), required=True)


def _get_partner(session, partner_id) -> Partner:
    partner = session.get(Partner, str(partner_id))
    if partner is None:
        raise Problem(404, "partner-not-found", f"No partner {partner_id}.")
    return partner


def _get_donation(session, donation_id, *, for_update: bool = False) -> Donation:
    donation = session.get(
        Donation,
        str(donation_id),
        with_for_update=for_update,
        options=[selectinload(Donation.lines)],
    )
    if donation is None:
        raise Problem(404, "donation-not-found", f"No donation {donation_id}.")
    return donation


@partners.route("")
class PartnerCollection(MethodView):
    @partners.response(200, PartnerOut(many=True))
    def get(self):
        with current_runtime().unit_of_work() as uow:
            return uow.session.scalars(select(Partner).order_by(Partner.name)).all()

    @partners.arguments(PartnerIn)
    @partners.response(201, PartnerOut)
    def post(self, new_partner):
        with current_runtime().unit_of_work() as uow:
            if uow.session.scalar(select(Partner.id).where(Partner.name == new_partner["name"])):
                raise Problem(409, "partner-name-taken", f"{new_partner['name']!r} exists already.")
            partner = Partner(**new_partner)
            uow.session.add(partner)
            uow.session.flush()
            uow.emit(
                "donations.partner.registered",
                subject=partner.id,
                sequence=partner.version,
                data={"partner_id": partner.id, "name": partner.name, "kind": partner.kind},
            )
            uow.commit()
            return partner


@partners.route("/<uuid:partner_id>")
class PartnerItem(MethodView):
    @partners.response(200, PartnerOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            return _get_partner(uow.session, partner_id)


@partners.route("/<uuid:partner_id>/impact")
class PartnerImpactView(MethodView):
    @partners.response(200, ImpactOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            partner = _get_partner(uow.session, partner_id)
            impact = uow.session.get(PartnerImpact, partner.id)
            return {
                "partner_id": partner.id,
                "devices_received": impact.devices_received if impact else 0,
            }


@donations.route("")
class DonationCollection(MethodView):
    @donations.arguments(DonationIn)
    @donations.response(201, DonationOut)
    def post(self, announced):
        with current_runtime().unit_of_work() as uow:
            donation = receiving.announce(
                uow, str(announced["partner_id"]), str(announced["site_id"]), announced["lines"]
            )
            uow.commit()
            return donation


@donations.route("/<uuid:donation_id>")
class DonationItem(MethodView):
    @donations.response(200, DonationOut)
    def get(self, donation_id):
        with current_runtime().unit_of_work() as uow:
            return _get_donation(uow.session, donation_id)


@donations.route("/<uuid:donation_id>/reception")
class DonationReception(MethodView):
    @donations.arguments(ReceptionIn)
    @donations.response(200, DonationOut)
    def post(self, reception, donation_id):
        with current_runtime().unit_of_work() as uow:
            donation = _get_donation(uow.session, donation_id, for_update=True)
            received = {
                str(line["line_id"]): line["received_quantity"] for line in reception["lines"]
            }
            receiving.receive(uow, donation, received)
            uow.commit()
            return donation
