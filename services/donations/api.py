"""Donations' HTTP API: partners, donations, reception, receipts, impact.

Who may do what: each view's ``@allow``. A partner key sees and changes only its own partner
and that partner's donations; anything else answers exactly like an unknown id (404).
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from services.common import clock
from services.common.authorization import READERS, allow, partner_scope
from services.common.blueprint import Blueprint
from services.common.card_codes import CardCodeKeys, CardCodeKeysMissing, keys_in
from services.common.config import card_codes_key_dir
from services.common.idempotency import idempotent
from services.common.pagination import page_of, paginate
from services.common.problems import Problem
from services.common.webapp import current_runtime
from services.donations import bulk, card_code_files, receiving
from services.donations.impact import partner_impact
from services.donations.models import (
    IDEMPOTENCY,
    Donation,
    DonationLine,
    Partner,
    PartnerContact,
)
from services.donations.receipts import receipt_pdf
from services.donations.schemas import (
    DonationFilter,
    DonationIn,
    DonationOut,
    ImpactOut,
    PartnerFilter,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    ReceptionIn,
    UploadOut,
)
from services.donations.sealed_codes import forward_sealed_codes

PARTNER_WRITABLE_BY_PARTNER = frozenset({"contacts"})

partners = Blueprint("partners", __name__, url_prefix="/partners", description="Donor partners")
donations = Blueprint("donations", __name__, url_prefix="/donations", description="Donations")


def _get_partner(session, partner_id, *, for_update: bool = False) -> Partner:
    scope = partner_scope()
    partner = None
    if scope is None or str(partner_id) == scope:
        partner = session.get(Partner, str(partner_id), with_for_update=for_update)
    if partner is None:
        raise Problem(404, "partner-not-found", f"No partner {partner_id}.")
    return partner


def _get_donation(session, donation_id, *, for_update: bool = False) -> Donation:
    query = _visible_donations().where(Donation.id == str(donation_id))
    if for_update:
        query = query.with_for_update()
    donation = session.scalars(query).one_or_none()
    if donation is None:
        raise Problem(404, "donation-not-found", f"No donation {donation_id}.")
    return donation


def _visible_donations():
    """Donations with their lines, narrowed to the caller's partner for a partner key."""
    query = select(Donation).options(
        selectinload(Donation.lines).selectinload(DonationLine.identifiers)
    )
    if (scope := partner_scope()) is not None:
        query = query.where(Donation.partner_id == scope)
    return query


def _partner_registered(uow, partner: Partner) -> None:
    uow.emit(
        "donations.partner.registered",
        subject=partner.id,
        sequence=partner.version,
        data={"partner_id": partner.id, "name": partner.name, "kind": partner.kind},
    )


@partners.route("")
class PartnerCollection(MethodView):
    @allow(*READERS, "partner")
    @partners.arguments(PartnerFilter, location="query")
    @partners.response(200, page_of(PartnerOut))
    def get(self, args):
        query = select(Partner).options(selectinload(Partner.contacts))
        if (scope := partner_scope()) is not None:
            query = query.where(Partner.id == scope)
        if args.get("active") is not None:
            query = query.where(Partner.active == args["active"])
        if args.get("kind"):
            query = query.where(Partner.kind == args["kind"])
        with current_runtime().unit_of_work() as uow:
            return paginate(uow.session, query.order_by(Partner.name), args)

    @allow("admin")
    @idempotent(IDEMPOTENCY)
    @partners.arguments(PartnerIn)
    @partners.response(201, PartnerOut)
    def post(self, new_partner):
        with current_runtime().unit_of_work() as uow:
            if uow.session.scalar(select(Partner.id).where(Partner.name == new_partner["name"])):
                raise Problem(409, "partner-name-taken", f"{new_partner['name']!r} exists already.")
            contacts = _contacts(new_partner.pop("contacts", []))
            partner = Partner(**new_partner, contacts=contacts)
            uow.session.add(partner)
            uow.session.flush()
            _partner_registered(uow, partner)
            uow.commit()
            return partner


@partners.route("/<uuid:partner_id>")
class PartnerItem(MethodView):
    @allow(*READERS, "partner")
    @partners.response(200, PartnerOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            partner = _get_partner(uow.session, partner_id)
            partner.contacts  # noqa: B018 - loaded before the session closes
            return partner

    @allow("admin", "partner")
    @partners.arguments(PartnerPatch)
    @partners.response(200, PartnerOut)
    def patch(self, changes, partner_id):
        """Rename, re-kind, replace contacts, or deactivate (history is kept).

        A partner key may replace its own contacts, nothing else."""
        with current_runtime().unit_of_work() as uow:
            partner = _get_partner(uow.session, partner_id, for_update=True)
            _refuse_fields_not_writable_by_partner(changes)
            if changes.get("name") not in (None, partner.name) and uow.session.scalar(
                select(Partner.id).where(Partner.name == changes["name"])
            ):
                raise Problem(409, "partner-name-taken", f"{changes['name']!r} exists already.")
            _apply_partner_changes(partner, changes)
            uow.session.flush()
            _partner_registered(uow, partner)
            uow.commit()
            return partner


def _refuse_fields_not_writable_by_partner(changes: dict) -> None:
    if partner_scope() is None:
        return
    if refused := sorted(set(changes) - PARTNER_WRITABLE_BY_PARTNER):
        raise Problem(
            403,
            "field-not-writable",
            f"A partner key may change only its contacts, not: {', '.join(refused)}.",
            fields=refused,
        )


def _apply_partner_changes(partner: Partner, changes: dict) -> None:
    for name in ("name", "kind"):
        if name in changes:
            setattr(partner, name, changes[name])
    if "contacts" in changes:
        partner.contacts = _contacts(changes["contacts"])
    if changes.get("active") is False and partner.active:
        partner.active, partner.deactivated_at = False, clock.now()
    elif changes.get("active") is True:
        partner.active, partner.deactivated_at = True, None
    partner.version += 1


def _contacts(given: list[dict]) -> list[PartnerContact]:
    return [PartnerContact(position=index, **contact) for index, contact in enumerate(given, 1)]


@partners.route("/<uuid:partner_id>/impact")
class PartnerImpactView(MethodView):
    @allow(*READERS, "partner")
    @partners.response(200, ImpactOut)
    def get(self, partner_id):
        with current_runtime().unit_of_work() as uow:
            partner = _get_partner(uow.session, partner_id)
            return partner_impact(uow.session, partner.id)


@donations.route("")
class DonationCollection(MethodView):
    @allow(*READERS, "workshop", "partner")
    @donations.arguments(DonationFilter, location="query")
    @donations.response(200, page_of(DonationOut))
    def get(self, args):
        query = _visible_donations()
        for name in ("partner_id", "site_id"):
            if args.get(name):
                query = query.where(getattr(Donation, name) == str(args[name]))
        if args.get("state"):
            query = query.where(Donation.state == args["state"])
        with current_runtime().unit_of_work() as uow:
            return paginate(
                uow.session, query.order_by(Donation.announced_at.desc(), Donation.id), args
            )

    @allow("admin", "partner")
    @idempotent(IDEMPOTENCY)
    @donations.arguments(DonationIn)
    @donations.response(201, DonationOut)
    def post(self, announced):
        scope = partner_scope()
        if scope is not None and str(announced["partner_id"]) != scope:
            raise Problem(
                403, "not-your-partner", "A partner key announces its own partner's donations only."
            )
        with current_runtime().unit_of_work() as uow:
            donation = receiving.announce(
                uow, str(announced["partner_id"]), str(announced["site_id"]), announced["lines"]
            )
            _seal_announced_codes(uow, donation, announced["lines"])
            uow.commit()
            return donation


def _seal_announced_codes(uow, donation: Donation, lines: list[dict]) -> None:
    """Codes given inline go through the same checks and sealing as a code file."""
    for line, given in zip(donation.lines, lines, strict=True):
        if not given.get("codes"):
            continue
        rows = iter(
            [["serial", "pin", "expiry_date"]]
            + [[c["serial"], c["pin"], c.get("expiry_date", "")] for c in given["codes"]]
        )
        report = card_code_files.import_codes(uow.session, line, rows, card_code_keys(), _today())
        _refuse_unless_ok(report)


@donations.route("/<uuid:donation_id>")
class DonationItem(MethodView):
    @allow(*READERS, "workshop", "partner")
    @donations.response(200, DonationOut)
    def get(self, donation_id):
        with current_runtime().unit_of_work() as uow:
            return _get_donation(uow.session, donation_id)


@donations.route("/<uuid:donation_id>/reception")
class DonationReception(MethodView):
    @allow("admin", "workshop")
    @donations.arguments(ReceptionIn)
    @donations.response(200, DonationOut)
    def post(self, reception, donation_id):
        with current_runtime().unit_of_work() as uow:
            donation = _get_donation(uow.session, donation_id, for_update=True)
            received = {str(line["line_id"]): line for line in reception["lines"]}
            receiving.receive(uow, donation, received, clock.now())
            uow.commit()
            return donation


@donations.route("/<uuid:donation_id>/lines/<uuid:line_id>/identifiers")
class LineIdentifiersUpload(MethodView):
    @allow("admin", "partner")
    @donations.doc(
        requestBody={
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            "description": "UTF-8 CSV with a header naming a 'serial' and/or an 'imei' column",
        }
    )
    @donations.response(200, UploadOut)
    def put(self, donation_id, line_id):
        """Add a file of serials / IMEIs to a hardware line: accepted whole or refused whole."""
        _require_csv()
        with current_runtime().unit_of_work() as uow:
            donation = _get_donation(uow.session, donation_id, for_update=True)
            if donation.state != "announced":
                raise Problem(409, "already-received", "Identifiers are given before reception.")
            line = _line_of(donation, line_id, "hardware_lot")
            try:
                report = bulk.import_identifiers(uow.session, line, bulk.csv_rows(_body_chunks()))
            except bulk.FileRefused as exc:
                raise Problem(422, "file-refused", str(exc)) from exc
            _refuse_unless_ok(report)
            uow.commit()
            return {"accepted": report.accepted, "rows_read": report.rows_read}


@donations.route("/<uuid:donation_id>/lines/<uuid:line_id>/codes")
class LineCodesUpload(MethodView):
    @allow("admin", "partner")
    @donations.doc(
        requestBody={
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            "description": "UTF-8 CSV with 'serial' and 'pin' columns, optionally 'expiry_date'",
        }
    )
    @donations.response(200, UploadOut)
    def put(self, donation_id, line_id):
        """Add a file of card codes to a prepaid-cards line, before or after its reception.

        The codes are sealed for inventory on arrival; once the donation is received they
        are forwarded to inventory's custody. No PIN is ever returned.
        """
        _require_csv()
        keys = card_code_keys()
        with current_runtime().unit_of_work() as uow:
            donation = _get_donation(uow.session, donation_id, for_update=True)
            line = _line_of(donation, line_id, "prepaid_cards")
            rows = bulk.csv_rows(_body_chunks())
            try:
                report = card_code_files.import_codes(uow.session, line, rows, keys, _today())
            except bulk.FileRefused as exc:
                raise Problem(422, "file-refused", str(exc)) from exc
            _refuse_unless_ok(report)
            forward_sealed_codes(uow, donation)
            uow.commit()
            return {"accepted": report.accepted, "rows_read": report.rows_read}


def _today():
    return clock.today()


def _line_of(donation: Donation, line_id, kind: str) -> DonationLine:
    line = next((line for line in donation.lines if line.id == str(line_id)), None)
    if line is None:
        raise Problem(404, "line-not-found", f"No line {line_id} in donation {donation.id}.")
    if line.kind != kind:
        raise Problem(422, "wrong-line-kind", f"This file belongs to a {kind} line.")
    return line


def _require_csv() -> None:
    if request.mimetype not in ("text/csv", "application/csv"):
        raise Problem(415, "csv-expected", "Send the file as text/csv.")


def _refuse_unless_ok(report) -> None:
    if not report.ok:
        raise Problem(
            422,
            "file-refused",
            f"{report.bad_row_count} bad row(s); nothing was imported.",
            rows_read=report.rows_read,
            bad_row_count=report.bad_row_count,
            read_to_end=report.read_to_end,
            bad_rows=report.bad_rows,  # the first bulk.MAX_LISTED_BAD_ROWS
        )


def card_code_keys() -> CardCodeKeys:
    try:
        return keys_in(card_codes_key_dir())
    except CardCodeKeysMissing as exc:
        raise Problem(503, "card-code-keys-missing", "Card codes cannot be sealed here.") from exc


def _body_chunks(size: int = 64 * 1024):
    return iter(lambda: request.stream.read(size), b"")


@donations.route("/<uuid:donation_id>/receipt.pdf")
class DonationReceipt(MethodView):
    @allow(*READERS, "partner", "workshop")
    @donations.response(200, content_type="application/pdf", description="The donation receipt")
    def get(self, donation_id):
        """The receipt of a received donation: for its partner, and for the workshop that
        records receptions (workshop keys are not tied to a site: they receive deliveries
        wherever they arrive, so they get every receipt, as they read every donation). The
        receipt names the partner, never a person."""
        with current_runtime().unit_of_work() as uow:
            donation = _get_donation(uow.session, donation_id)
            if donation.receipt_number is None:
                raise Problem(
                    409, "not-received", "A receipt exists once the donation is received."
                )
            pdf = receipt_pdf(donation, _get_partner(uow.session, donation.partner_id))
        filename = f"attestation-{donation.receipt_year}-{donation.receipt_number:06d}.pdf"
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
