"""Donations' donations: announcement, reception, identifier and card-code files, receipts.

Who may do what: each view's ``@allow``. A partner key sees and changes only its own
partner's donations; anything else answers exactly like an unknown id (404).
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from services.common import clock
from services.common.authorization import READERS, allow, partner_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import idempotent
from services.common.pagination import page_of
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.donations.api.schemas import (
    DonationFilter,
    DonationIn,
    DonationOut,
    ReceptionIn,
    UploadOut,
)
from services.donations.domain.commands import (
    AnnouncedLine,
    AnnounceDonation,
    CardCodeGiven,
    Extra,
    ExtraUnit,
    ReceivedLine,
    ReceiveDonation,
    UploadCardCodes,
    UploadIdentifiers,
)
from services.donations.domain.errors import DonationNotFound, PartnerNotFound
from services.donations.domain.files import MAX_CODE_ROWS, MAX_IDENTIFIER_ROWS, csv_rows
from services.donations.domain.receipts import require_receipt
from services.donations.models import IDEMPOTENCY
from services.donations.settings import current_settings

donations = Blueprint("donations", __name__, url_prefix="/donations", description="Donations")


@donations.route("")
class DonationCollection(MethodView):
    @allow(*READERS, "workshop", "partner")
    @donations.arguments(DonationFilter, location="query")
    @donations.response(200, page_of(DonationOut))
    def get(self, args):
        with current_runtime().unit_of_work() as uow:
            return uow.donations.page(
                args,
                scope=partner_scope(),
                partner_id=_str_or_none(args.get("partner_id")),
                site_id=_str_or_none(args.get("site_id")),
                state=args.get("state"),
            )

    @allow("admin", "partner")
    @idempotent(IDEMPOTENCY)
    @donations.arguments(DonationIn)
    @donations.response(201, DonationOut)
    def post(self, announced):
        lines = tuple(_announced_line(line) for line in announced["lines"])
        return execute(
            AnnounceDonation(
                str(announced["partner_id"]), str(announced["site_id"]), lines, partner_scope()
            )
        )


def _str_or_none(value) -> str | None:
    return str(value) if value else None


def _announced_line(line: dict) -> AnnouncedLine:
    given = dict(line)
    given["serials"] = tuple(given.get("serials") or ())
    given["imeis"] = tuple(given.get("imeis") or ())
    given["codes"] = tuple(CardCodeGiven(**code) for code in given.get("codes") or ())
    return AnnouncedLine(**given)


@donations.route("/<uuid:donation_id>")
class DonationItem(MethodView):
    @allow(*READERS, "workshop", "partner")
    @donations.response(200, DonationOut)
    def get(self, donation_id):
        with current_runtime().unit_of_work() as uow:
            return _donation(uow, donation_id)


def _donation(uow, donation_id):
    donation = uow.donations.get(str(donation_id), scope=partner_scope())
    if donation is None:
        raise DonationNotFound(donation_id)
    return donation


@donations.route("/<uuid:donation_id>/reception")
class DonationReception(MethodView):
    @allow("admin", "workshop")
    @donations.arguments(ReceptionIn)
    @donations.response(200, DonationOut)
    def post(self, reception, donation_id):
        lines = tuple(_received_line(line) for line in reception["lines"])
        return execute(ReceiveDonation(str(donation_id), lines, partner_scope()))


def _received_line(line: dict) -> ReceivedLine:
    extra = line.get("extra")
    if extra is not None:
        units = tuple(ExtraUnit(**unit) for unit in extra.get("units") or ())
        extra = Extra(extra["quantity"], units)
    return ReceivedLine(
        str(line["line_id"]),
        line["received_quantity"],
        line.get("declared_value_cents"),
        tuple(line.get("missing_identifiers") or ()),
        extra,
    )


FILES_ADD = (
    "Each file adds to what the line already holds (nothing is replaced), so a line of more"
    " {items} than one file may hold takes several files. A file of more than {rows:,} rows, or"
    " of more rows than the line {room}, is refused (422 `file-refused`, `max_rows` naming the"
    " maximum when it is the file's) at the first row beyond: read no further, nothing of it"
    " written. A file with bad rows is refused whole, listing them. Every refusal carries"
    " the same members: `bad_rows` (the first 100: row, value, problem; empty when the file"
    " is refused as a whole), `bad_row_count`, `rows_read` and `read_to_end` (whether the"
    " whole file was read)."
)


@donations.route("/<uuid:donation_id>/lines/<uuid:line_id>/identifiers")
class LineIdentifiersUpload(MethodView):
    @allow("admin", "partner")
    @donations.doc(
        description=(
            "Add a file of serials / IMEIs to a hardware line, before its reception: accepted"
            " whole or refused whole. "
            + FILES_ADD.format(items="devices", rows=MAX_IDENTIFIER_ROWS, room="announced")
        ),
        requestBody={
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            "description": (
                "UTF-8 CSV with a header naming a 'serial' and/or an 'imei' column, one device"
                f" a row, at most {MAX_IDENTIFIER_ROWS:,} rows"
            ),
        },
    )
    @donations.response(200, UploadOut)
    def put(self, donation_id, line_id):
        """Add a file of serials / IMEIs to a hardware line: accepted whole or refused whole."""
        _require_csv()
        rows = csv_rows(_body_chunks())
        return execute(UploadIdentifiers(str(donation_id), str(line_id), rows, partner_scope()))


@donations.route("/<uuid:donation_id>/lines/<uuid:line_id>/codes")
class LineCodesUpload(MethodView):
    @allow("admin", "partner")
    @donations.doc(
        description=(
            "Add a file of card codes to a prepaid-cards line, before or after its reception:"
            " accepted whole or refused whole. The codes are sealed for inventory on arrival;"
            " once the donation is received they are forwarded to inventory's custody. No PIN"
            " is ever returned. "
            + FILES_ADD.format(items="cards", rows=MAX_CODE_ROWS, room="has cards left")
        ),
        requestBody={
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            "description": (
                "UTF-8 CSV with 'serial' and 'pin' columns, optionally 'expiry_date', one card"
                f" a row, at most {MAX_CODE_ROWS:,} rows"
            ),
        },
    )
    @donations.response(200, UploadOut)
    def put(self, donation_id, line_id):
        """Add a file of card codes to a prepaid-cards line, before or after its reception."""
        _require_csv()
        rows = csv_rows(_body_chunks())
        return execute(UploadCardCodes(str(donation_id), str(line_id), rows, partner_scope()))


def _require_csv() -> None:
    if request.mimetype not in ("text/csv", "application/csv"):
        raise Problem(415, "csv-expected", "Send the file as text/csv.")


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
            donation = _donation(uow, donation_id)
            label = require_receipt(donation)
            partner = uow.partners.get(donation.partner_id, scope=partner_scope())
            if partner is None:
                raise PartnerNotFound(donation.partner_id)
            timezone = current_settings().programme_timezone
            gifts = uow.impact.receipt_figures(partner.id, clock.now(), timezone)
            # Imported when first asked: fpdf2 and its fonts weigh on every process otherwise.
            from services.donations.api.receipt_pdf import receipt_pdf

            pdf = receipt_pdf(donation, partner, timezone, gifts)
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="attestation-{label}.pdf"'},
        )
