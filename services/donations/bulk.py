"""Bulk identifier files: a CSV of serials and/or IMEIs for one hardware line.

The file is read as a stream, row by row, and written in chunks inside one transaction, so
memory holds one chunk plus the set of values seen (to catch duplicates inside the file),
never the file. Every row is checked — a bad IMEI check digit, a value given twice in the
file or donated before, a row without a value — and the file is accepted whole or refused
whole. Bounded whatever is sent: a file is read no further than the rows its line can take
(one row per item) nor beyond its ``MAX_COUNTED_BAD_ROWS``-th bad row, and a refusal lists
at most ``MAX_LISTED_BAD_ROWS`` bad rows with their count (``read_to_end`` false when the
reading stopped at that many).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, tuple_
from sqlalchemy.orm import Session

from services.donations.identifiers import (
    IMEI_CATEGORIES,
    BadIdentifier,
    normalise_imei,
    normalise_serial,
)
from services.donations.models import DonationLine, LineIdentifier

CHUNK_ROWS = 1000
MAX_LINE_CHARS = 64 * 1024
MAX_LISTED_BAD_ROWS = 100
MAX_COUNTED_BAD_ROWS = 1000  # a file this wrong is refused without reading it further
NORMALISERS = {"imei": normalise_imei, "serial": normalise_serial}


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


class FileRefused(ValueError):
    """The file as a whole cannot be read (header, encoding): no row-by-row report."""


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


def rows_within(rows: Iterator[list[str]], report: ImportReport, capacity: tuple):
    """The rows, numbered from 2 (row 1 is the header), until ``MAX_COUNTED_BAD_ROWS`` are
    refused. ``capacity``: (items the line takes, how many it has, what a row is, what an
    item is); one row per item, so the file is refused at the first row too many, before it
    is looked at: "1501 codes for 1500 cards on this line (…)"."""
    items, already, row_name, item_name = capacity
    for number, row in enumerate(rows, start=2):
        if not report.read_to_end:
            return
        report.rows_read += 1
        if already + report.rows_read > items:
            raise FileRefused(
                f"{already + report.rows_read} {row_name} for {items} {item_name} on this line"
                f" (the file was read no further than row {number})"
            )
        yield number, row


def import_identifiers(
    session: Session, line: DonationLine, rows: Iterator[list[str]]
) -> ImportReport:
    """Add the file's identifiers to ``line`` in ``session``; the caller commits if ``ok``."""
    columns = _columns(next(rows, None), line)
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    position = session.scalar(
        select(func.coalesce(func.max(LineIdentifier.position), 0)).where(
            LineIdentifier.line_id == line.id
        )
    )
    chunk: list[tuple[int, str, str]] = []
    for number, row in rows_within(rows, report, (line.expected_quantity, 0, "rows", "items")):
        chunk += _checked_values(number, row, columns, seen, report)
        if len(chunk) >= CHUNK_ROWS:
            position = _store_chunk(session, line, chunk, position, report)
            chunk = []
    _store_chunk(session, line, chunk, position, report)
    _check_quantity(session, line, report)
    return report


def _columns(header: list[str] | None, line: DonationLine) -> dict[str, int]:
    if header is None:
        raise FileRefused("the file is empty")
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    wanted = {scheme: columns[scheme] for scheme in NORMALISERS if scheme in columns}
    if not wanted:
        raise FileRefused("the header must name a 'serial' column, an 'imei' column, or both")
    if "imei" in wanted and line.category not in IMEI_CATEGORIES:
        raise FileRefused(f"a {line.category} has no IMEI")
    return wanted


def _checked_values(number, row, columns, seen, report) -> list[tuple[int, str, str]]:
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


def _store_chunk(session, line, chunk, position, report) -> int:
    if not chunk:
        return position
    known = set(
        session.execute(
            select(LineIdentifier.scheme, LineIdentifier.value).where(
                tuple_(LineIdentifier.scheme, LineIdentifier.value).in_(
                    [(scheme, value) for _, scheme, value in chunk]
                )
            )
        ).all()
    )
    fresh = []
    for number, scheme, value in chunk:
        if (scheme, value) in known:
            report.refuse(number, f"{scheme} donated before", value)
        else:
            position += 1
            fresh.append(
                {"line_id": line.id, "position": position, "scheme": scheme, "value": value}
            )
    if fresh and report.ok:  # once the file is refused, stop writing: it will be rolled back
        session.execute(insert(LineIdentifier), fresh)
    report.accepted += len(fresh)
    return position


def _check_quantity(session, line, report) -> None:
    counts = dict(
        session.execute(
            select(LineIdentifier.scheme, func.count())
            .where(LineIdentifier.line_id == line.id)
            .group_by(LineIdentifier.scheme)
        ).all()
    )
    for scheme, count in counts.items():
        if report.ok and count > line.expected_quantity:
            report.refuse(0, f"{count} {scheme}s for {line.expected_quantity} announced items")
