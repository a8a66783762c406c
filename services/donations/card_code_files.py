"""Card-code files: a CSV of ``serial,pin[,expiry_date]`` for one prepaid-cards line.

Read as a stream like identifier files (see ``bulk.py``) and accepted or refused whole. Each
PIN is sealed at once (``services.common.card_codes``) and only its keyed hash is compared:
no PIN is kept in clear, and the report of bad rows names cards by serial, never by PIN.

The answer depends on the uploading partner's own codes only, so a file cannot probe for
other partners' PINs:

* a file with more rows than the line has cards left is refused at the first row too many,
  before any PIN is compared with stored codes;
* a PIN the same partner donated before refuses its row (its own data);
* a PIN another partner donated before is accepted like any other, and stored quarantined:
  never forwarded to inventory, never sold; operators get a warning naming the codes.

Rows are written as they are read, quarantined; once the whole file is read, the PINs are
compared, and one statement puts in circulation the codes no other code shares a PIN with.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from itertools import groupby

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from services.common.card_codes import CardCodeKeys
from services.donations.bulk import CHUNK_ROWS, FileRefused, ImportReport, rows_within
from services.donations.identifiers import BadIdentifier, normalise_serial
from services.donations.models import CardCode, CardCodeBatch, Donation, DonationLine

PIN = re.compile(r"^[0-9A-Za-z-]{4,64}$")

log = logging.getLogger(__name__)


def import_codes(
    session: Session, line: DonationLine, rows: Iterator[list[str]], keys: CardCodeKeys, today: date
) -> ImportReport:
    """Seal the file's codes into a new batch of ``line``; the caller commits if ``ok``."""
    columns = _columns(next(rows, None))
    data_key, wrapped_key = keys.new_data_key()
    batch = CardCodeBatch(line_id=line.id, wrapped_key=wrapped_key)
    session.add(batch)
    session.flush()
    report, rows_by_pin, seen_serials = ImportReport(), {}, set()
    chunk: list[dict] = []
    for number, row in _capped(session, line, rows, report):
        code = _checked_code(number, row, columns, line, today, report, keys)
        if code is None:
            continue
        if code["pin_hash"] in rows_by_pin or code["serial"] in seen_serials:
            report.refuse(number, "card given twice in this file", code["serial"])
            continue
        rows_by_pin[code["pin_hash"]] = number
        seen_serials.add(code["serial"])
        chunk.append(_held(code, batch, keys, data_key))
        if len(chunk) >= CHUNK_ROWS:
            session.execute(insert(CardCode), chunk)
            chunk = []
    if chunk:
        session.execute(insert(CardCode), chunk)
    report.accepted = len(rows_by_pin)
    _refuse_codes_donated_before(session, line.donation, batch, rows_by_pin, report)
    if report.ok:
        _put_in_circulation(session, batch)
        _warn_of_quarantined(session, batch)
    batch.code_count = report.accepted
    return report


def _capped(session, line: DonationLine, rows, report: ImportReport):
    """The rows, numbered; the file is refused at the first row beyond the line's cards left."""
    cards = line.received_quantity if line.received_quantity is not None else line.expected_quantity
    given = session.scalar(select(func.count()).where(CardCode.line_id == line.id))
    return rows_within(rows, report, (cards, given, "codes", "cards"))


def _held(code: dict, batch: CardCodeBatch, keys: CardCodeKeys, data_key: bytes) -> dict:
    """The row to store: sealed, and quarantined until the whole file has been read."""
    sealed = keys.seal(data_key, code["serial"], code.pop("pin"))
    return {
        **code,
        "nonce": sealed.nonce,
        "ciphertext": sealed.ciphertext,
        "batch_id": batch.id,
        "line_id": batch.line_id,
        "quarantined": True,
    }


def _columns(header: list[str] | None) -> dict[str, int]:
    if header is None:
        raise FileRefused("the file is empty")
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    if not {"serial", "pin"} <= set(columns):
        raise FileRefused("the header must name a 'serial' and a 'pin' column")
    return {name: columns[name] for name in ("serial", "pin", "expiry_date") if name in columns}


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _checked_code(number, row, columns, line, today, report, keys) -> dict | None:
    raw_serial, pin = _cell(row, columns, "serial"), _cell(row, columns, "pin")
    try:
        serial = normalise_serial(raw_serial)
    except BadIdentifier:
        report.refuse(number, "missing or unusable serial", raw_serial or None)
        return None
    if not PIN.match(pin):
        report.refuse(number, "missing or malformed PIN (4-64 letters, digits or dashes)", serial)
        return None
    expiry = _cell(row, columns, "expiry_date")
    try:
        expiry_date = date.fromisoformat(expiry) if expiry else line.expiry_date
    except ValueError:
        report.refuse(number, f"expiry date {expiry!r} is not a date (YYYY-MM-DD)", serial)
        return None
    if expiry_date is not None and expiry_date < today:
        report.refuse(number, f"card expired on {expiry_date.isoformat()}", serial)
        return None
    return {
        "serial": serial,
        "pin": pin,
        "expiry_date": expiry_date,
        "pin_hash": keys.keyed_hash(pin),
    }


def _refuse_codes_donated_before(session, donation, batch, rows_by_pin, report) -> None:
    """Refuse, by row, the PINs the batch's own partner donated before."""
    earlier = aliased(CardCode)
    query = (
        select(CardCode.pin_hash, CardCode.serial)
        .join(earlier, and_(earlier.pin_hash == CardCode.pin_hash, earlier.batch_id != batch.id))
        .join(DonationLine, DonationLine.id == earlier.line_id)
        .join(Donation, Donation.id == DonationLine.donation_id)
        .where(CardCode.batch_id == batch.id, Donation.partner_id == donation.partner_id)
        .distinct()
    )
    for pin_hash, serial in session.execute(query):
        report.refuse(rows_by_pin[pin_hash], "card code donated before", serial)
        report.accepted -= 1
    report.bad_rows.sort(key=lambda bad: bad["row"])


def _put_in_circulation(session, batch: CardCodeBatch) -> None:
    """Release the batch's codes whose PIN no other code has; the others stay quarantined."""
    other = aliased(CardCode)
    shared = exists().where(other.pin_hash == CardCode.pin_hash, other.batch_id != batch.id)
    session.execute(
        update(CardCode)
        .where(CardCode.batch_id == batch.id, ~shared)
        .values(quarantined=False)
        .execution_options(synchronize_session=False)
    )


def _warn_of_quarantined(session, batch: CardCodeBatch) -> None:
    """Tell operators which codes stay out of circulation, by id and serial, never by PIN."""
    other = aliased(CardCode)
    matches = session.execute(
        select(CardCode.id, CardCode.serial, other.id)
        .join(other, and_(other.pin_hash == CardCode.pin_hash, other.batch_id != batch.id))
        .where(CardCode.batch_id == batch.id, CardCode.quarantined)
        .order_by(CardCode.id, other.id)
    )
    for (code_id, serial), group in groupby(matches, key=lambda match: match[:2]):
        log.warning(
            "card code %s (serial %s, line %s, batch %s) quarantined: another partner donated"
            " its PIN before (card code %s)",
            code_id,
            serial,
            batch.line_id,
            batch.id,
            ", ".join(str(match[2]) for match in group),
        )
