"""Bulk files: a CSV of serials and/or IMEIs for one hardware line, or of card codes
(``serial,pin[,expiry_date]``) for one prepaid-cards line: how they are read and checked.

The file is read as a stream, row by row, and written in chunks inside one transaction, so
memory holds one chunk plus the set of values seen (to catch duplicates inside the file),
never the file. Every row is checked — a bad IMEI check digit, a value given twice in the
file or donated before, a row without a value — and the file is accepted whole or refused
whole. Bounded whatever is sent: a file is read no further than the rows its line can take
(one row per item), nor than its kind's maximum, ``MAX_IDENTIFIER_ROWS`` or ``MAX_CODE_ROWS``
(refused at the first row beyond, naming the maximum: a line of more items takes several
files, each adding to what the line has), nor beyond its ``MAX_COUNTED_BAD_ROWS``-th bad
row, and a refusal lists at most ``MAX_LISTED_BAD_ROWS`` bad rows with their count
(``read_to_end`` false when the reading stopped at that many).

Card codes: each PIN is sealed at once and only its keyed hash is compared, so no PIN is
kept in clear and bad rows name cards by serial, never by PIN. The answer depends on the
uploading partner's own codes only, so a file cannot probe for other partners' PINs: a file
with more rows than the line has cards left is refused at the first row too many, before any
PIN is compared; a PIN the same partner donated before refuses its row; a PIN another partner
donated before is accepted like any other and stored quarantined (never forwarded to
inventory, never sold; operators get a warning naming the codes).
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.donations.domain.errors import BadIdentifier, FileRefused, RowsRefused
from services.donations.domain.identifiers import (
    IMEI_CATEGORIES,
    normalise_imei,
    normalise_serial,
)

CHUNK_ROWS = 1000
# Rows one file may hold, so that one request's work is bounded: at the maximum, with the
# heaviest rows (a 64-character serial and an IMEI per device; a 64-character serial and PIN
# per card, on a received line, so sealed and forwarded at once), an upload takes about 1.5 s
# (identifiers) and 3 s (card codes) of CPU and 30 MB (README, "Bounds that match reality").
MAX_IDENTIFIER_ROWS = 50_000
MAX_CODE_ROWS = 20_000
MAX_LINE_CHARS = 64 * 1024
MAX_LISTED_BAD_ROWS = 100
MAX_COUNTED_BAD_ROWS = 1000  # a file this wrong is refused without reading it further
NORMALISERS = {"imei": normalise_imei, "serial": normalise_serial}
PIN = re.compile(r"^[0-9A-Za-z-]{4,64}$")


@dataclass
class ImportReport:
    accepted: int = 0
    rows_read: int = 0
    bad_rows: list[dict] = field(default_factory=list)  # the first MAX_LISTED_BAD_ROWS
    bad_row_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.bad_row_count

    @property
    def read_to_end(self) -> bool:
        return self.bad_row_count < MAX_COUNTED_BAD_ROWS

    def refuse(self, row: int, problem: str, value: str | None = None) -> None:
        self.bad_row_count += 1
        if len(self.bad_rows) < MAX_LISTED_BAD_ROWS:
            self.bad_rows.append({"row": row, "value": value, "problem": problem})

    def refuse_unless_ok(self) -> None:
        """A file with bad rows is refused whole, its bad rows listed."""
        if not self.ok:
            raise RowsRefused(
                f"{self.bad_row_count} bad row(s); nothing was imported.",
                rows_read=self.rows_read,
                bad_row_count=self.bad_row_count,
                read_to_end=self.read_to_end,
                bad_rows=self.bad_rows,  # the first MAX_LISTED_BAD_ROWS
            )


def csv_rows(chunks: Iterable[bytes]) -> Iterator[list[str]]:
    """Decode a byte stream as UTF-8 CSV lazily (a BOM is tolerated)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")

    def lines() -> Iterator[str]:
        pending = ""
        for chunk in chunks:
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            yield from (line + "\n" for line in complete)
            if len(pending) > MAX_LINE_CHARS:
                raise FileRefused(f"a line is longer than {MAX_LINE_CHARS} characters")
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending

    try:
        yield from csv.reader(lines())
    except UnicodeDecodeError as exc:
        raise FileRefused(f"the file is not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise FileRefused(f"the file is not valid CSV ({exc})") from exc


def rows_within(
    rows: Iterator[list[str]], report: ImportReport, capacity: tuple, max_rows: int
) -> Iterator[tuple[int, list[str]]]:
    """The rows, numbered from 2 (row 1 is the header), until ``MAX_COUNTED_BAD_ROWS`` are
    refused. ``capacity``: (items the line takes, how many it has, what a row is, what an
    item is); one row per item, so the file is refused at the first row too many, before it
    is looked at: "1501 codes for 1500 cards on this line (…)", and at its
    ``max_rows + 1``-th row whatever the line takes."""
    items, already, row_name, item_name = capacity
    try:
        for number, row in enumerate(rows, start=2):
            if not report.read_to_end:
                return
            report.rows_read += 1
            if already + report.rows_read > items:
                raise FileRefused(
                    f"{already + report.rows_read} {row_name} for {items} {item_name} on this"
                    f" line (the file was read no further than row {number})"
                )
            if report.rows_read > max_rows:
                raise FileRefused(
                    f"a file holds at most {max_rows:,} {row_name}: send the rest as further"
                    f" files, each adds to the line (the file was read no further than row"
                    f" {number}; nothing was imported)",
                    max_rows=max_rows,
                )
            yield number, row
    except FileRefused as refused:  # here, or while decoding a row (csv_rows)
        refused.stopped_reading(report.rows_read, report.bad_rows, report.bad_row_count)
        raise


# identifier files -----------------------------------------------------------------------------


def identifier_columns(header: list[str] | None, category: str | None) -> dict[str, int]:
    """Scheme -> column index of an identifier file for a line of ``category``."""
    if header is None:
        raise FileRefused("the file is empty", read_to_end=True)
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    wanted = {scheme: columns[scheme] for scheme in NORMALISERS if scheme in columns}
    if not wanted:
        raise FileRefused("the header must name a 'serial' column, an 'imei' column, or both")
    if "imei" in wanted and category not in IMEI_CATEGORIES:
        raise FileRefused(f"a {category} has no IMEI")
    return wanted


def checked_identifiers(
    number: int,
    row: list[str],
    columns: dict[str, int],
    seen: set[tuple[str, str]],
    report: ImportReport,
) -> list[tuple[int, str, str]]:
    """The (row, scheme, value) of the row's sound identifiers; its bad ones are refused."""
    values = []
    for scheme, index in columns.items():
        raw = row[index].strip() if index < len(row) else ""
        if not raw:
            continue
        try:
            value = NORMALISERS[scheme](raw)
        except BadIdentifier as exc:
            report.refuse(number, str(exc), raw)
            continue
        if (scheme, value) in seen:
            report.refuse(number, f"{scheme} given twice in this file", value)
            continue
        seen.add((scheme, value))
        values.append((number, scheme, value))
    if not values and not any(cell.strip() for cell in row):
        report.refuse(number, "empty row")
    return values


# card-code files -------------------------------------------------------------------------------


def code_columns(header: list[str] | None) -> dict[str, int]:
    if header is None:
        raise FileRefused("the file is empty", read_to_end=True)
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    if not {"serial", "pin"} <= set(columns):
        raise FileRefused("the header must name a 'serial' and a 'pin' column")
    return {name: columns[name] for name in ("serial", "pin", "expiry_date") if name in columns}


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def checked_code(
    number: int,
    row: list[str],
    columns: dict[str, int],
    line_expiry: date | None,
    today: date,
    report: ImportReport,
    keyed_hash: Callable[[str], str],
) -> dict[str, Any] | None:
    """The row's card (serial, PIN, expiry date, the PIN's keyed hash), or ``None`` when the
    row is refused (by serial, never by PIN)."""
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
        expiry_date = date.fromisoformat(expiry) if expiry else line_expiry
    except ValueError:
        report.refuse(number, f"expiry date {expiry!r} is not a date (YYYY-MM-DD)", serial)
        return None
    if expiry_date is not None and expiry_date < today:
        report.refuse(number, f"card expired on {expiry_date.isoformat()}", serial)
        return None
    return {"serial": serial, "pin": pin, "expiry_date": expiry_date, "pin_hash": keyed_hash(pin)}
