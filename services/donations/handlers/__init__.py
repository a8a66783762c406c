"""Donations' use cases: a command (or a consumed event) and a unit of work in; load, ask
the domain, record the facts, commit. The routing tables are at the foot.

A command handler owns its transaction (``with uow:`` … ``uow.commit()``); an event handler
joins the consumer's batch transaction. Events leave through ``uow.record`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime

from services.common import clock
from services.common.card_codes import CardCodeKeys
from services.common.events.envelope import CloudEvent
from services.donations.domain.commands import (
    AnnounceDonation,
    ChangePartner,
    ReceiveDonation,
    RegisterPartner,
    UploadCardCodes,
    UploadIdentifiers,
)
from services.donations.domain.errors import (
    DonationNotFound,
    NotYourPartner,
    PartnerNameTaken,
    PartnerNotFound,
    SiteClosed,
    SiteNotYetOpened,
    UnknownPartner,
    UnknownSite,
)
from services.donations.domain.events import (
    CardCodesSealed,
    DonationReceived,
    LineReceived,
    PartnerRegistered,
)
from services.donations.domain.files import (
    CHUNK_ROWS,
    MAX_CODE_ROWS,
    MAX_IDENTIFIER_ROWS,
    ImportReport,
    checked_code,
    checked_identifiers,
    code_columns,
    identifier_columns,
    rows_within,
)
from services.donations.domain.impact import STAGE_OF_EVENT
from services.donations.domain.lines import identifiers_of, line_of
from services.donations.domain.partners import (
    apply_change,
    refuse_fields_not_writable_by_partner,
    renames,
)
from services.donations.domain.receipts import received_on
from services.donations.domain.reception import (
    extra_units,
    mark_received,
    missing_units,
    record_line,
    refuse_known,
    refuse_repeated,
    refuse_unannounced_units,
    refuse_unless_announced,
    refuse_unless_every_line,
)
from services.donations.handlers.webhooks import WEBHOOK_COMMAND_HANDLERS, record_fact
from services.donations.models import CardCodeBatch, Donation, DonationLine, Partner
from services.donations.repository import DonationsUnitOfWork, sealing_keys

log = logging.getLogger(__name__)


# partners -------------------------------------------------------------------------------------


def register_partner(uow: DonationsUnitOfWork, command: RegisterPartner) -> Partner:
    with uow:
        if uow.partners.name_taken(command.name):
            raise PartnerNameTaken(command.name)
        partner = uow.partners.add(command.name, command.kind, command.contacts)
        uow.record(PartnerRegistered.of(partner))
        uow.commit()
        return partner


def change_partner(uow: DonationsUnitOfWork, command: ChangePartner) -> Partner:
    """Rename, re-kind, replace contacts, or deactivate (history is kept); the partner is
    answered with its contacts, so they are loaded before the session closes."""
    with uow:
        partner = uow.partners.get(
            command.partner_id, scope=command.scope, for_update=True, contacts=True
        )
        if partner is None:
            raise PartnerNotFound(command.partner_id)
        refuse_fields_not_writable_by_partner(command)
        if renames(partner, command) and uow.partners.name_taken(command.name):
            raise PartnerNameTaken(command.name)
        apply_change(partner, command, clock.now())
        if command.contacts is not None:
            uow.partners.replace_contacts(partner, command.contacts)
        uow.partners.flush()
        uow.record(PartnerRegistered.of(partner))
        uow.commit()
        return partner


# donations ------------------------------------------------------------------------------------


def announce_donation(uow: DonationsUnitOfWork, command: AnnounceDonation) -> Donation:
    """Store what a partner announces (no event: only the reception emits one); card codes
    given inline go through the same checks and sealing as a code file."""
    if command.scope is not None and command.partner_id != command.scope:
        raise NotYourPartner("A partner key announces its own partner's donations only.")
    with uow:
        partner = uow.partners.get(command.partner_id)
        if partner is None or not partner.active:
            raise UnknownPartner(command.partner_id)
        site = uow.sites.get(command.site_id)  # sites known from inventory's events
        if site is None:
            raise UnknownSite(command.site_id)
        if site.closed_at is not None:
            raise SiteClosed(command.site_id)
        pairs = [pair for line in command.lines for pair in identifiers_of(line)]
        refuse_repeated(pairs)
        refuse_known(uow.identifiers.known(pairs))
        donation = uow.donations.add(command.partner_id, command.site_id, command.lines)
        for line, given in zip(donation.lines, command.lines, strict=True):
            if given.codes:
                header = [["serial", "pin", "expiry_date"]]
                rows = header + [[c.serial, c.pin, c.expiry_date or ""] for c in given.codes]
                keys = sealing_keys(uow.settings.card_codes_key_dir)
                report = _import_codes(uow, donation, line, iter(rows), keys, clock.today())
                report.refuse_unless_ok()
        uow.commit()
        return donation


def receive_donation(uow: DonationsUnitOfWork, command: ReceiveDonation) -> Donation:
    """Record what arrived of each line, number the receipt, and raise the event inventory
    takes the goods in from (and forward the line's sealed card codes).

    Counted in SQL, unit by unit: the identifiers said missing are looked up by chunk, the
    arrived ones marked by two updates, the extra units inserted by Core; the identifiers
    are read once, as plain values, for the event and the answer (a line may hold 100,000)."""
    with uow:
        donation = _donation(uow, command.donation_id, command.scope)
        received = {line.line_id: line for line in command.lines}
        refuse_unless_every_line(donation, received)
        extras = {}
        for line in donation.lines:
            reception = received[line.id]
            refuse_unannounced_units(line, reception)
            named = uow.identifiers.named_on_line(line.id, reception.missing_identifiers)
            missing = missing_units(line, reception, named)
            units = uow.identifiers.unit_count(line.id) if line.kind == "hardware_lot" else 0
            record_line(line, reception, units, missing)
            if units:
                uow.identifiers.mark_received(line.id, missing)
            extras[line.id] = extra_units(reception)
        pairs = [pair for units in extras.values() for unit in units for pair in unit]
        refuse_repeated(pairs)
        refuse_known(uow.identifiers.known(pairs))
        for line_id, units in extras.items():
            uow.identifiers.add_units(line_id, units, received=True)
        mark_received(donation, clock.now())
        _number_receipt(uow, donation)
        uow.donations.flush()
        _record_received(uow, donation)
        record_fact(uow, donation.partner_id, "donation.received", _received_fact(donation))
        _forward_sealed_codes(uow, donation)
        uow.donations.show_identifiers(donation.lines)  # for the answer
        uow.commit()
        return donation


def _record_received(uow: DonationsUnitOfWork, donation: Donation) -> None:
    """Raise ``donations.donation.received``, each line's arrived identifiers read as they
    come, and write it into the outbox at once: the event (100,000 identifiers make 9 MB of
    JSON) is let go before the identifiers are read again for the answer."""
    arrived = uow.identifiers.arrived_on
    lines = (
        LineReceived.of(line, arrived(line.id) if line.kind == "hardware_lot" else ())
        for line in donation.lines
    )
    uow.record(DonationReceived.of(donation, lines))
    uow.write_events()


def _received_fact(donation: Donation) -> dict:
    """The ``donation.received`` webhook item: each line, announced against received."""
    lines = [
        {
            "line_id": line.id,
            "kind": line.kind,
            "category": line.category,
            "expected_quantity": line.expected_quantity,
            "received_quantity": line.received_quantity,
            "difference": (line.received_quantity or 0) - line.expected_quantity,
        }
        for line in donation.lines
    ]
    at = donation.received_at.isoformat()
    return {
        "donation_id": donation.id,
        "site_id": donation.site_id,
        "received_at": at,
        "lines": lines,
    }


def upload_identifiers(uow: DonationsUnitOfWork, command: UploadIdentifiers) -> ImportReport:
    """Add a file of serials / IMEIs to a hardware line, before reception: whole or not."""
    with uow:
        donation = _donation(uow, command.donation_id, command.scope)
        refuse_unless_announced(donation, "Identifiers are given before reception.")
        line = line_of(donation, command.line_id, "hardware_lot")
        report = _import_identifiers(uow, line, command.rows)
        report.refuse_unless_ok()
        uow.commit()
        return report


def upload_card_codes(uow: DonationsUnitOfWork, command: UploadCardCodes) -> ImportReport:
    """Seal a file of card codes into a prepaid-cards line, before or after its reception;
    once the donation is received they are forwarded to inventory's custody."""
    keys = sealing_keys(uow.settings.card_codes_key_dir)
    with uow:
        donation = _donation(uow, command.donation_id, command.scope)
        line = line_of(donation, command.line_id, "prepaid_cards")
        report = _import_codes(uow, donation, line, command.rows, keys, clock.today())
        report.refuse_unless_ok()
        _forward_sealed_codes(uow, donation)
        uow.commit()
        return report


def _donation(uow: DonationsUnitOfWork, donation_id: str, scope: str | None) -> Donation:
    """The donation with its lines, locked, without their identifiers (``to_fill``)."""
    donation = uow.donations.to_fill(donation_id, scope=scope)
    if donation is None:
        raise DonationNotFound(donation_id)
    return donation


def _number_receipt(uow: DonationsUnitOfWork, donation: Donation) -> None:
    """Numbered in the programme's civil year of the reception, without gaps."""
    year = received_on(donation, uow.settings.programme_timezone).year
    donation.receipt_year, donation.receipt_number = year, uow.receipts.next_number(year)


def _import_identifiers(
    uow: DonationsUnitOfWork, line: DonationLine, rows: Iterator[list[str]]
) -> ImportReport:
    """Add the file's identifiers to ``line`` by chunk, each row a unit (device) of its own
    after the line's last; the caller commits if ``ok``. The line takes no more units than
    it announced: the file is read no further than the rows it has room for."""
    columns = identifier_columns(next(rows, None), line.category)
    report, seen, chunk = ImportReport(), set(), []
    position, last_unit = uow.identifiers.last_place(line.id)
    units = uow.identifiers.unit_count(line.id)
    capacity = (line.expected_quantity, units, "devices", "devices announced")
    for number, row in rows_within(rows, report, capacity, MAX_IDENTIFIER_ROWS):
        chunk += checked_identifiers(number, row, columns, seen, report)
        if len(chunk) >= CHUNK_ROWS:
            position = _store_identifiers(uow, line, chunk, position, last_unit, report)
            chunk = []
    _store_identifiers(uow, line, chunk, position, last_unit, report)
    return report


def _store_identifiers(
    uow, line, chunk, position: int, last_unit: int, report: ImportReport
) -> int:
    """Row ``number`` (from 2) of the file is the line's unit ``last_unit + number - 1``."""
    if not chunk:
        return position
    known = uow.identifiers.known_pairs([(scheme, value) for _, scheme, value in chunk])
    fresh = []
    for number, scheme, value in chunk:
        if (scheme, value) in known:
            report.refuse(number, f"{scheme} donated before", value)
        else:
            position += 1
            fresh.append(
                {
                    "line_id": line.id,
                    "position": position,
                    "unit": last_unit + number - 1,
                    "scheme": scheme,
                    "value": value,
                }
            )
    if fresh and report.ok:  # once the file is refused, stop writing: it will be rolled back
        uow.identifiers.insert(fresh)
    report.accepted += len(fresh)
    return position


def _import_codes(
    uow: DonationsUnitOfWork,
    donation: Donation,
    line: DonationLine,
    rows: Iterator[list[str]],
    keys: CardCodeKeys,
    today: date,
) -> ImportReport:
    """Seal the file's codes into a new batch of ``line``; the caller commits if ``ok``.

    Rows are stored as they are read, quarantined; once the whole file is read, the PINs the
    same partner donated before refuse their rows, and the codes no other code shares a PIN
    with are put in circulation (see ``domain/files.py``)."""
    columns = code_columns(next(rows, None))
    data_key, wrapped_key = keys.new_data_key()
    batch = uow.card_codes.new_batch(line.id, wrapped_key)
    report, rows_by_pin, seen_serials = ImportReport(), {}, set()
    cards = line.received_quantity if line.received_quantity is not None else line.expected_quantity
    given = uow.card_codes.count_on_line(line.id)
    chunk: list[dict] = []
    for number, row in rows_within(rows, report, (cards, given, "codes", "cards"), MAX_CODE_ROWS):
        code = checked_code(number, row, columns, line.expiry_date, today, report, keys.keyed_hash)
        if code is None:
            continue
        if code["pin_hash"] in rows_by_pin or code["serial"] in seen_serials:
            report.refuse(number, "card given twice in this file", code["serial"])
            continue
        rows_by_pin[code["pin_hash"]] = number
        seen_serials.add(code["serial"])
        sealed = keys.seal(data_key, code["serial"], code.pop("pin"))
        chunk.append({**code, "nonce": sealed.nonce, "ciphertext": sealed.ciphertext})
        if len(chunk) >= CHUNK_ROWS:
            uow.card_codes.hold(batch, chunk)
            chunk = []
    if chunk:
        uow.card_codes.hold(batch, chunk)
    report.accepted = len(rows_by_pin)
    for pin_hash, serial in uow.card_codes.donated_before_by(batch, donation.partner_id):
        report.refuse(rows_by_pin[pin_hash], "card code donated before", serial)
        report.accepted -= 1
    report.bad_rows.sort(key=lambda bad: bad["row"])
    if report.ok:
        uow.card_codes.put_in_circulation(batch)
        _warn_of_quarantined(uow, batch)
    batch.code_count = report.accepted
    return report


def _warn_of_quarantined(uow: DonationsUnitOfWork, batch: CardCodeBatch) -> None:
    """Tell operators which codes stay out of circulation, by id and serial, never by PIN."""
    for code_id, serial, others in uow.card_codes.quarantined(batch):
        log.warning(
            "card code %s (serial %s, line %s, batch %s) quarantined: another partner donated"
            " its PIN before (card code %s)",
            code_id,
            serial,
            batch.line_id,
            batch.id,
            ", ".join(str(other) for other in others),
        )


def _forward_sealed_codes(uow: DonationsUnitOfWork, donation: Donation) -> int:
    """Once the donation is received, raise the sealed codes of every batch not yet
    forwarded (never a quarantined code), each batch once; how many batches."""
    line_ids = [line.id for line in donation.lines if line.kind == "prepaid_cards"]
    if donation.state != "received" or not line_ids:
        return 0
    batches = uow.card_codes.unforwarded_batches(line_ids)
    for batch in batches:
        codes = uow.card_codes.in_circulation(batch)
        for fact in CardCodesSealed.parts_of(donation, batch, codes):
            uow.record(fact)
            uow.write_events()  # into the outbox at once: one part waits in memory, not all
        batch.forwarded_at = clock.now()
    return len(batches)


# the partner impact, fed by inventory's and sales' events -------------------------------------


def record_device_stage(uow: DonationsUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    uow.impact.record_device_stage(
        {
            "device_id": data["device_id"],
            "partner_id": data["partner_id"],
            "donation_id": data["donation_id"],
            "site_id": data["site_id"],
            "category": data["category"],
            "stage": STAGE_OF_EVENT[event.type],
            "version": event.sequence,
        }
    )
    kind = WEBHOOK_KIND_OF_STAGE.get(STAGE_OF_EVENT[event.type])
    if kind is not None:
        item = {"device_id": data["device_id"], "donation_id": data["donation_id"]}
        item |= {"category": data["category"], "at": event.time.isoformat()}
        record_fact(uow, data["partner_id"], kind, item)


def record_sale(uow: DonationsUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    for item in data["items"]:
        uow.impact.record_sold_item(
            {
                "order_id": data["order_id"],
                "item_id": item["item_id"],
                "item_type": item["item_type"],
                "quantity": item["quantity"],
                "partner_id": item.get("partner_id"),
                "donation_id": item.get("donation_id"),
                "site_id": data["site_id"],
            }
        )
        kind = WEBHOOK_KIND_OF_ITEM.get(item["item_type"])
        if kind is not None:
            fact = {"item_id": item["item_id"], "donation_id": item.get("donation_id")}
            fact |= {"order_id": data["order_id"], "at": event.time.isoformat()}
            if kind == "cards.sold":
                fact["quantity"] = item["quantity"]
            record_fact(uow, item.get("partner_id"), kind, fact)


WEBHOOK_KIND_OF_STAGE = {"refurbished": "devices.refurbished", "scrapped": "devices.scrapped"}
WEBHOOK_KIND_OF_ITEM = {"device": "devices.sold", "prepaid_card": "cards.sold"}


def record_completed_order(uow: DonationsUnitOfWork, event: CloudEvent) -> None:
    data = event.data
    uow.impact.record_completed_order(
        {
            "order_id": data["order_id"],
            "beneficiary_code": data["beneficiary_code"],
            "site_id": data["site_id"],
        }
    )
    uow.impact.record_device_impacts(
        [{"order_id": data["order_id"], **device} for device in data.get("devices", ())]
    )


def record_site_city(uow: DonationsUnitOfWork, event: CloudEvent) -> None:
    uow.sites.record_opened(event.data["site_id"], event.data["city"], event.sequence)


def record_site_status(uow: DonationsUnitOfWork, event: CloudEvent) -> None:
    """A closed site takes no donations; a stale status changes nothing."""
    site = uow.sites.get(event.data["site_id"], for_update=True)
    if site is None:
        raise SiteNotYetOpened(event.data["site_id"])
    if event.sequence > site.version:
        site.version = event.sequence
        site.closed_at = None if event.data["open"] else datetime.fromisoformat(event.data["at"])


COMMAND_HANDLERS = {
    RegisterPartner: register_partner,
    ChangePartner: change_partner,
    AnnounceDonation: announce_donation,
    ReceiveDonation: receive_donation,
    UploadIdentifiers: upload_identifiers,
    UploadCardCodes: upload_card_codes,
    **WEBHOOK_COMMAND_HANDLERS,
}

EVENT_HANDLERS = {
    **dict.fromkeys(STAGE_OF_EVENT, record_device_stage),
    "inventory.reservation.committed": record_sale,
    "sales.order.completed": record_completed_order,
    "inventory.site.opened": record_site_city,
    "inventory.site.status_changed": record_site_status,
}
