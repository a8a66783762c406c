"""Card-code files: a CSV of ``serial,pin[,expiry_date]`` for one prepaid-cards line.

Read as a stream like identifier files (see ``bulk.py``) and accepted or refused whole. Each
PIN is sealed at once (``services.common.card_codes``) and only its keyed hash is compared:
no PIN is kept in clear, and the report of bad rows names cards by serial, never by PIN.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from services.common.card_codes import CardCodeKeys
from services.donations.bulk import CHUNK_ROWS, FileRefused, ImportReport
from services.donations.identifiers import BadIdentifier, normalise_serial
from services.donations.models import CardCode, CardCodeBatch, DonationLine

PIN = re.compile(r"^[0-9A-Za-z-]{4,64}$")


def import_codes(
    session: Session, line: DonationLine, rows: Iterator[list[str]], keys: CardCodeKeys, today: date
) -> ImportReport:
    """Seal the file's codes into a new batch of ``line``; the caller commits if ``ok``."""
    columns = _columns(next(rows, None))
    data_key, wrapped_key = keys.new_data_key()
    batch = CardCodeBatch(line_id=line.id, wrapped_key=wrapped_key)
    session.add(batch)
    session.flush()
    report, seen_pins, seen_serials = ImportReport(), set(), set()
    chunk: list[tuple[int, dict]] = []
    for number, row in enumerate(rows, start=2):
        report.rows_read += 1
        code = _checked_code(number, row, columns, line, today, report, keys)
        if code is None:
            continue
        if code["pin_hash"] in seen_pins or code["serial"] in seen_serials:
            report.refuse(number, "card given twice in this file", code["serial"])
            continue
        seen_pins.add(code["pin_hash"])
        seen_serials.add(code["serial"])
        sealed = keys.seal(data_key, code["serial"], code.pop("pin"))
        chunk.append((number, {**code, "nonce": sealed.nonce, "ciphertext": sealed.ciphertext}))
        if len(chunk) >= CHUNK_ROWS:
            _store(session, batch, chunk, report)
            chunk = []
    _store(session, batch, chunk, report)
    batch.code_count = report.accepted
    _check_quantity(session, line, report)
    return report


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


def _store(session, batch: CardCodeBatch, chunk, report: ImportReport) -> None:
    if not chunk:
        return
    hashes = [code["pin_hash"] for _, code in chunk]
    known = set(session.scalars(select(CardCode.pin_hash).where(CardCode.pin_hash.in_(hashes))))
    fresh = []
    for number, code in chunk:
        if code["pin_hash"] in known:
            report.refuse(number, "card code donated before", code["serial"])
        else:
            fresh.append({**code, "batch_id": batch.id, "line_id": batch.line_id})
    if fresh and report.ok:
        session.execute(insert(CardCode), fresh)
    report.accepted += len(fresh)


def _check_quantity(session, line: DonationLine, report: ImportReport) -> None:
    count = session.scalar(select(func.count()).where(CardCode.line_id == line.id))
    limit = line.received_quantity if line.received_quantity is not None else line.expected_quantity
    if report.ok and count > limit:
        report.refuse(0, f"{count} codes for {limit} cards on this line")
