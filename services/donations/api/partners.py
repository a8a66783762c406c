"""Donations' partners: the donor organisations and their impact.

Who may do what: each view's ``@allow``. A partner key sees and changes only its own partner;
anything else answers exactly like an unknown id (404).
"""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from services.common import clock
from services.common.authorization import READERS, allow, partner_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of
from services.common.webapp import current_runtime, execute
from services.donations.api.schemas import (
    ImpactOut,
    PartnerFilter,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
)
from services.donations.domain.commands import ChangePartner, Contact, RegisterPartner
from services.donations.domain.errors import PartnerNotFound
from services.donations.models import IDEMPOTENCY
from services.donations.settings import current_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

partners = Blueprint("partners", __name__, url_prefix="/partners", description="Donor partners")


@partners.route("")
class PartnerCollection(MethodView):
    @allow(*READERS, "partner")
    @partners.arguments(PartnerFilter, location="query")
    @partners.response(200, page_of(PartnerOut))
    def get(self, args):
        with current_runtime().unit_of_work() as uow:
            return uow.partners.page(
                args, scope=partner_scope(), active=args.get("active"), kind=args.get("kind")
            )

    @allow("admin")
    @idempotent(IDEMPOTENCY)
    @partners.arguments(PartnerIn)
    @partners.response(201, PartnerOut)
    def post(self, new_partner):
        contacts = _contacts(new_partner.get("contacts", []))
        return execute(RegisterPartner(new_partner["name"], new_partner["kind"], contacts))


@partners.route("/<uuid:partner_id>")
class PartnerItem(MethodView):
    @allow(*READERS, "partner")
    @partners.response(200, PartnerOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            partner = uow.partners.shown(str(partner_id), scope=partner_scope())
            if partner is None:
                raise PartnerNotFound(partner_id)
            return partner

    @allow("admin", "partner")
    @partners.arguments(PartnerPatch)
    @partners.response(200, PartnerOut)
    def patch(self, changes, partner_id):
        """Rename, re-kind, replace contacts, or deactivate (history is kept).

        A partner key may replace its own contacts, nothing else."""
        contacts = changes.get("contacts")
        return execute(
            ChangePartner(
                str(partner_id),
                partner_scope(),
                name=changes.get("name"),
                kind=changes.get("kind"),
                contacts=None if contacts is None else _contacts(contacts),
                active=changes.get("active"),
            )
        )


def _contacts(given: list[dict]) -> tuple[Contact, ...]:
    return tuple(Contact(**contact) for contact in given)


@partners.route("/<uuid:partner_id>/impact")
class PartnerImpactView(MethodView):
    @allow(*READERS, "partner")
    @partners.response(200, ImpactOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            partner = uow.partners.get(str(partner_id), scope=partner_scope())
            if partner is None:
                raise PartnerNotFound(partner_id)
            return uow.impact.of_partner(partner.id)


@partners.route("/<uuid:partner_id>/impact/workbook.xlsx")
class PartnerImpactWorkbook(MethodView):
    @allow(*READERS, "partner")
    @partners.response(200, content_type=XLSX, description="The partner's workbook (.xlsx)")
    def get(self, partner_id):
        """The partner's own donations, what became of them and per month, as a workbook:
        ``Synthèse`` (the figures of ``/impact``), ``Dons``, ``Par mois``."""
        # Imported when first asked: openpyxl weighs on every process otherwise.
        from services.donations.partner_workbook import donations_of, partner_workbook, site_cities

        timezone = current_settings().programme_timezone
        with current_runtime().unit_of_work() as uow:
            partner = uow.partners.get(str(partner_id), scope=partner_scope())
            if partner is None:
                raise PartnerNotFound(partner_id)
            content = partner_workbook(
                partner,
                donations_of(uow.session, partner.id),
                uow.impact.of_partner(partner.id),
                site_cities(uow.session),
                timezone,
                clock.now().astimezone(timezone).date(),
            )
        return Response(
            content,
            mimetype=XLSX,
            headers={"Content-Disposition": 'attachment; filename="impact-partenaire.xlsx"'},
        )
