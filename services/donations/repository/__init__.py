"""All of donations' SQL, behind names the use cases read, and the unit of work that opens
the repositories on its session (``uow.partners``, ``uow.donations``, …).

The speed-ups live here: identifiers and card codes go in as Core inserts by chunk, known
identifiers are looked up by chunk of ``LOOKUP_CHUNK`` pairs, the receipt counter row is
locked by one upsert, and the impact projections upsert with statements built once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, and_, case, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from services.common.card_codes import CardCodeKeys, CardCodeKeysMissing, keys_in
from services.common.counters import next_number
from services.common.pagination import paginate
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import upsert
from services.donations.domain.commands import AnnouncedLine, Contact
from services.donations.domain.errors import SealingUnavailable
from services.donations.domain.impact import impact_figures
from services.donations.domain.lines import TYPED_FIELDS, announced_units
from services.donations.domain.reception import NamedIdentifier, Unit
from services.donations.models import (
    CardCode,
    CardCodeBatch,
    CompletedOrder,
    DeviceOutcome,
    Donation,
    DonationLine,
    LineIdentifier,
    Partner,
    PartnerContact,
    ReceiptCounter,
    SiteCity,
    SoldDeviceImpact,
    SoldItem,
)
from services.donations.repository.webhooks import Webhooks

LOOKUP_CHUNK = 500  # values of one scheme looked up in one statement
INSERT_CHUNK = 1000  # identifiers of an announcement inserted in one statement
_INSERT_IDENTIFIER = insert(LineIdentifier.__table__)
_INSERT_CODE = insert(CardCode.__table__)


class Partners:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(
        self,
        partner_id: str,
        *,
        scope: str | None = None,
        for_update: bool = False,
        contacts: bool = False,
    ) -> Partner | None:
        """The partner, if the caller's ``scope`` (a partner key's partner) lets it see it;
        with its ``contacts`` loaded, to be shown after the session closes."""
        if scope is not None and partner_id != scope:
            return None
        options = [selectinload(Partner.contacts)] if contacts else []
        return self.session.get(Partner, partner_id, with_for_update=for_update, options=options)

    def shown(self, partner_id: str, *, scope: str | None) -> Partner | None:
        """The partner with its contacts loaded, to be shown after the session closes."""
        return self.get(partner_id, scope=scope, contacts=True)

    def name_taken(self, name: str) -> bool:
        return self.session.scalar(select(Partner.id).where(Partner.name == name)) is not None

    def add(self, name: str, kind: str, contacts: Sequence[Contact]) -> Partner:
        """The new partner, with its id and version."""
        partner = Partner(name=name, kind=kind, contacts=_contacts(contacts))
        self.session.add(partner)
        self.session.flush()
        return partner

    def replace_contacts(self, partner: Partner, contacts: Sequence[Contact]) -> None:
        partner.contacts = _contacts(contacts)

    def page(self, args: dict, *, scope: str | None, active: bool | None, kind: str | None) -> dict:
        query = select(Partner).options(selectinload(Partner.contacts))
        if scope is not None:
            query = query.where(Partner.id == scope)
        if active is not None:
            query = query.where(Partner.active == active)
        if kind:
            query = query.where(Partner.kind == kind)
        return paginate(self.session, query.order_by(Partner.name), args)

    def flush(self) -> None:
        self.session.flush()


def _contacts(given: Sequence[Contact]) -> list[PartnerContact]:
    return [
        PartnerContact(position=index, name=c.name, role=c.role, email=c.email, phone=c.phone)
        for index, c in enumerate(given, 1)
    ]


class Donations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, donation_id: str, *, scope: str | None) -> Donation | None:
        """The donation with its lines and their identifiers (as plain values), if ``scope``
        lets the caller see it."""
        donation = self.session.scalars(
            _visible(scope).where(Donation.id == donation_id)
        ).one_or_none()
        if donation is not None:
            self.show_identifiers(donation.lines)
        return donation

    def to_fill(self, donation_id: str, *, scope: str | None) -> Donation | None:
        """The donation with its lines, locked, for a file to add to one of them or for its
        reception: without the identifiers (a line may hold hundreds of thousands; reading
        them raises until ``show_identifiers``)."""
        query = _visible(scope).where(Donation.id == donation_id)
        return self.session.scalars(query.with_for_update()).one_or_none()

    def show_identifiers(self, lines: Sequence[DonationLine]) -> None:
        """Give each line its identifiers to be shown (and the received event built from), as
        plain values read by Core by chunk of lines, not objects of the session: 94,000
        identifiers as objects took 265 MB."""
        hardware = [line for line in lines if line.kind == "hardware_lot"]
        shown: dict[str, list[ShownIdentifier]] = {line.id: [] for line in hardware}
        for start in range(0, len(hardware), LOOKUP_CHUNK):
            chunk = [line.id for line in hardware[start : start + LOOKUP_CHUNK]]
            rows = self.session.connection().execute(
                select(
                    LineIdentifier.line_id,
                    LineIdentifier.scheme,
                    LineIdentifier.value,
                    LineIdentifier.received,
                    LineIdentifier.unit,
                )
                .where(LineIdentifier.line_id.in_(chunk))
                .order_by(LineIdentifier.line_id, LineIdentifier.position)
                .execution_options(yield_per=INSERT_CHUNK)  # a server-side cursor's batches
            )
            for line_id, scheme, value, received, unit in rows:
                shown[line_id].append(ShownIdentifier(_SCHEMES[scheme], value, received, unit))
        for line in lines:
            set_committed_value(line, "identifiers", shown.get(line.id, []))

    def page(
        self,
        args: dict,
        *,
        scope: str | None,
        partner_id: str | None,
        site_id: str | None,
        state: str | None,
    ) -> dict:
        query = _visible(scope)
        if partner_id:
            query = query.where(Donation.partner_id == partner_id)
        if site_id:
            query = query.where(Donation.site_id == site_id)
        if state:
            query = query.where(Donation.state == state)
        page = paginate(
            self.session, query.order_by(Donation.announced_at.desc(), Donation.id), args
        )
        self.show_identifiers([line for donation in page["items"] for line in donation.lines])
        return page

    def add(self, partner_id: str, site_id: str, lines: Sequence[AnnouncedLine]) -> Donation:
        """The announced donation, stored with its lines and their identifiers. An
        announcement may name 100,000 identifiers: they go in as Core inserts by chunk, and
        the lines show them as plain values (``ShownIdentifier``), not as objects of the
        session (which took 290 MB and 7 s for 94,000)."""
        donation = Donation(partner_id=partner_id, site_id=site_id)
        for position, line in enumerate(lines, start=1):
            donation.lines.append(_new_line(position, line))
        self.session.add(donation)
        self.session.flush()
        connection = self.session.connection()
        for line, given in zip(donation.lines, lines, strict=True):
            units = announced_units(given)
            for start in range(0, len(units), INSERT_CHUNK):
                rows = [
                    {
                        "line_id": line.id,
                        "position": position,
                        "unit": unit,
                        "scheme": scheme,
                        "value": value,
                    }
                    for position, (unit, scheme, value) in enumerate(
                        units[start : start + INSERT_CHUNK], start=start + 1
                    )
                ]
                connection.execute(_INSERT_IDENTIFIER, rows)
            shown = [ShownIdentifier(scheme, value, None, unit) for unit, scheme, value in units]
            set_committed_value(line, "identifiers", shown)
        return donation

    def flush(self) -> None:
        self.session.flush()


def _visible(scope: str | None) -> Select:
    """Donations with their lines, narrowed to the caller's partner for a partner key; the
    lines' identifiers are not loaded as objects (``show_identifiers``)."""
    query = select(Donation).options(
        selectinload(Donation.lines).raiseload(DonationLine.identifiers)
    )
    if scope is not None:
        query = query.where(Donation.partner_id == scope)
    return query


def _new_line(position: int, line: AnnouncedLine) -> DonationLine:
    """The line without its identifiers (``Donations.add`` inserts them)."""
    return DonationLine(
        position=position,
        kind=line.kind,
        expected_quantity=line.quantity,
        **{name: value for name in TYPED_FIELDS if (value := getattr(line, name)) is not None},
    )


class ShownIdentifier(NamedTuple):
    """An identifier as its line shows it, a plain value (stored and read by Core)."""

    scheme: str
    value: str
    received: bool | None
    unit: int


_SCHEMES = {"imei": "imei", "serial": "serial"}  # one string each, not one a row
_OTHER = aliased(LineIdentifier)


class Identifiers:
    """Serials and IMEIs: unique across all donations. Each identifies a unit (device) of
    its line, with at most one identifier of each scheme (``LineIdentifier.unit``)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, pairs: list[tuple[str, str]]) -> list[str]:
        """The values of ``pairs`` (scheme, value) donated before."""
        return [value for _, value in self.known_pairs(pairs)]

    def known_pairs(self, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (scheme, value) of ``pairs`` donated before: by scheme and chunk of
        ``LOOKUP_CHUNK`` values, so each lookup walks the (scheme, value) index (SQLite scans
        the whole table for a ``(scheme, value) IN (VALUES …)``)."""
        by_scheme: dict[str, list[str]] = {}
        for scheme, value in pairs:
            by_scheme.setdefault(scheme, []).append(value)
        known: set[tuple[str, str]] = set()
        for scheme, values in by_scheme.items():
            for start in range(0, len(values), LOOKUP_CHUNK):
                chunk = values[start : start + LOOKUP_CHUNK]
                known.update(
                    (scheme, value)
                    for value in self.session.scalars(
                        select(LineIdentifier.value).where(
                            LineIdentifier.scheme == scheme, LineIdentifier.value.in_(chunk)
                        )
                    )
                )
        return known

    def last_place(self, line_id: str) -> tuple[int, int]:
        """The last (position, unit) numbers given on the line (0, 0 when none)."""
        position, unit = self.session.execute(
            select(
                func.coalesce(func.max(LineIdentifier.position), 0),
                func.coalesce(func.max(LineIdentifier.unit), 0),
            ).where(LineIdentifier.line_id == line_id)
        ).one()
        return position, unit

    def unit_count(self, line_id: str) -> int:
        """The identified units the line holds (its (line, unit) index answers)."""
        return self.session.scalar(
            select(func.count(func.distinct(LineIdentifier.unit))).where(
                LineIdentifier.line_id == line_id
            )
        )

    def arrived_on(self, line_id: str) -> Iterator[ShownIdentifier]:
        """The line's identifiers that arrived, in order of position, as plain values read
        in batches (for the received event, built as they come)."""
        rows = self.session.connection().execute(
            select(LineIdentifier.scheme, LineIdentifier.value, LineIdentifier.unit)
            .where(LineIdentifier.line_id == line_id, LineIdentifier.received.is_(True))
            .order_by(LineIdentifier.position)
            .execution_options(yield_per=INSERT_CHUNK)
        )
        for scheme, value, unit in rows:
            yield ShownIdentifier(_SCHEMES[scheme], value, True, unit)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Rows of ``line_id, position, unit, scheme, value``, in one Core insert (on the
        connection: the ORM's bulk path costs more than the statement)."""
        self.session.connection().execute(_INSERT_IDENTIFIER, rows)

    def named_on_line(self, line_id: str, values: Iterable[str]) -> list[NamedIdentifier]:
        """The identifiers of the line among ``values`` (said missing by a reception), each
        with its unit and how many identifiers that unit has: by scheme and chunk of
        ``LOOKUP_CHUNK`` values, each lookup walking the (scheme, value) index and the unit's
        through (line, unit), never the line's other identifiers."""
        values = sorted(set(values))
        named: list[NamedIdentifier] = []
        for scheme in _SCHEMES:
            for start in range(0, len(values), LOOKUP_CHUNK):
                named += (
                    NamedIdentifier(value, unit, size)
                    for value, unit, size in self.session.execute(
                        select(LineIdentifier.value, LineIdentifier.unit, func.count(_OTHER.id))
                        .join(
                            _OTHER,
                            and_(
                                _OTHER.line_id == LineIdentifier.line_id,
                                _OTHER.unit == LineIdentifier.unit,
                            ),
                        )
                        .where(
                            LineIdentifier.scheme == scheme,
                            LineIdentifier.value.in_(values[start : start + LOOKUP_CHUNK]),
                            LineIdentifier.line_id == line_id,
                        )
                        .group_by(LineIdentifier.value, LineIdentifier.unit)
                    )
                )
        return named

    def mark_received(self, line_id: str, missing_units: Iterable[int]) -> None:
        """Every identifier of the line arrived but those of ``missing_units``: two updates
        (the second by chunk of units), nothing read back."""
        connection = self.session.connection()
        connection.execute(
            update(LineIdentifier.__table__)
            .where(LineIdentifier.line_id == line_id)
            .values(received=True)
        )
        missing = sorted(missing_units)
        for start in range(0, len(missing), LOOKUP_CHUNK):
            connection.execute(
                update(LineIdentifier.__table__)
                .where(
                    LineIdentifier.line_id == line_id,
                    LineIdentifier.unit.in_(missing[start : start + LOOKUP_CHUNK]),
                )
                .values(received=False)
            )

    def add_units(self, line_id: str, units: Sequence[Unit], *, received: bool | None) -> None:
        """Units of their own on the line, after its last, each with its (scheme, value)
        identifiers (a reception's extra units: ``received``)."""
        if not units:
            return
        position, last_unit = self.last_place(line_id)
        rows = []
        for unit, identifiers in enumerate(units, start=last_unit + 1):
            for scheme, value in identifiers:
                position += 1
                rows.append(
                    {
                        "line_id": line_id,
                        "position": position,
                        "unit": unit,
                        "scheme": scheme,
                        "value": value,
                        "received": received,
                    }
                )
        self.insert(rows)


class CardCodes:
    """Sealed card codes by batch; a PIN is unique among the codes in circulation."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def new_batch(self, line_id: str, wrapped_key: str) -> CardCodeBatch:
        batch = CardCodeBatch(line_id=line_id, wrapped_key=wrapped_key)
        self.session.add(batch)
        self.session.flush()
        return batch

    def count_on_line(self, line_id: str) -> int:
        return self.session.scalar(select(func.count()).where(CardCode.line_id == line_id))

    def hold(self, batch: CardCodeBatch, codes: list[dict[str, Any]]) -> None:
        """Store sealed codes (serial, expiry_date, pin_hash, nonce, ciphertext) in one Core
        insert, quarantined until the whole file has been read."""
        extra = {"batch_id": batch.id, "line_id": batch.line_id, "quarantined": True}
        self.session.connection().execute(_INSERT_CODE, [{**code, **extra} for code in codes])

    def donated_before_by(self, batch: CardCodeBatch, partner_id: str) -> list[tuple[str, str]]:
        """(pin_hash, serial) of the batch's codes whose PIN ``partner_id`` donated before."""
        earlier = aliased(CardCode)
        query = (
            select(CardCode.pin_hash, CardCode.serial)
            .join(
                earlier, and_(earlier.pin_hash == CardCode.pin_hash, earlier.batch_id != batch.id)
            )
            .join(DonationLine, DonationLine.id == earlier.line_id)
            .join(Donation, Donation.id == DonationLine.donation_id)
            .where(CardCode.batch_id == batch.id, Donation.partner_id == partner_id)
            .distinct()
        )
        return list(self.session.execute(query))

    def put_in_circulation(self, batch: CardCodeBatch) -> None:
        """Release the batch's codes whose PIN no other code has; the others stay quarantined."""
        other = aliased(CardCode)
        shared = exists().where(other.pin_hash == CardCode.pin_hash, other.batch_id != batch.id)
        self.session.execute(
            update(CardCode)
            .where(CardCode.batch_id == batch.id, ~shared)
            .values(quarantined=False)
            .execution_options(synchronize_session=False)
        )

    def quarantined(self, batch: CardCodeBatch) -> list[tuple[int, str, list[int]]]:
        """(code id, serial, ids of the other codes sharing its PIN) of each quarantined code."""
        other = aliased(CardCode)
        matches = self.session.execute(
            select(CardCode.id, CardCode.serial, other.id)
            .join(other, and_(other.pin_hash == CardCode.pin_hash, other.batch_id != batch.id))
            .where(CardCode.batch_id == batch.id, CardCode.quarantined)
            .order_by(CardCode.id, other.id)
        )
        return [
            (code_id, serial, [match[2] for match in group])
            for (code_id, serial), group in groupby(matches, key=lambda match: match[:2])
        ]

    def unforwarded_batches(self, line_ids: list[str]) -> list[CardCodeBatch]:
        return self.session.scalars(
            select(CardCodeBatch)
            .where(CardCodeBatch.line_id.in_(line_ids), CardCodeBatch.forwarded_at.is_(None))
            .order_by(CardCodeBatch.created_at)
        ).all()

    def in_circulation(self, batch: CardCodeBatch) -> Sequence[Row]:
        """The batch's codes in circulation as plain rows (id, serial, expiry_date, pin_hash,
        nonce, ciphertext), not objects: a batch may hold a whole file's codes."""
        return self.session.execute(
            select(
                CardCode.id,
                CardCode.serial,
                CardCode.expiry_date,
                CardCode.pin_hash,
                CardCode.nonce,
                CardCode.ciphertext,
            )
            .where(CardCode.batch_id == batch.id, CardCode.quarantined.is_(False))
            .order_by(CardCode.id)
        ).all()


def sealing_keys(key_dir: Path) -> CardCodeKeys:
    """The keys card codes are sealed with for inventory (read from ``key_dir``)."""
    try:
        return keys_in(key_dir)
    except CardCodeKeysMissing as exc:
        raise SealingUnavailable("Card codes cannot be sealed here.") from exc


class Receipts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, year: int) -> int:
        """The year's next receipt number: its counter row stays locked until commit, so
        concurrent receptions queue and a rolled-back one gives its number back."""
        return next_number(self.session, ReceiptCounter, year=year)


class Sites:
    """The sites inventory opened, as its events tell them (never its tables)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, site_id: str, *, for_update: bool = False) -> SiteCity | None:
        return self.session.get(SiteCity, site_id, with_for_update=for_update)

    def record_opened(self, site_id: str, city: str, version: int) -> None:
        values = {"site_id": site_id, "city": city, "version": version}
        upsert(self.session, SiteCity, values, keys=("site_id",), update=("city", "version"))


class Impact:
    """The partner impact projection: device stages, sold items, completed orders."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_device_stage(self, values: dict[str, Any]) -> None:
        """A newer stage of a device replaces an older one (``version``)."""
        upsert(
            self.session, DeviceOutcome, values, keys=("device_id",), update=("stage", "version")
        )

    def record_sold_item(self, values: dict[str, Any]) -> None:
        upsert(self.session, SoldItem, values, keys=("order_id", "item_id"), update=())

    def record_completed_order(self, values: dict[str, Any]) -> None:
        upsert(self.session, CompletedOrder, values, keys=("order_id",), update=())

    def record_device_impacts(self, rows: list[dict[str, Any]]) -> None:
        """What each device sold avoids, as sales froze it (once: a redelivery changes
        nothing)."""
        upsert(self.session, SoldDeviceImpact, rows, keys=("order_id", "item_id"), update=())

    def avoided_by_donation(self, partner_id: str) -> list[tuple[str | None, int, int, int]]:
        """(donation, devices sold with figures, g CO2e, g materials) of the partner's gifts."""
        return [
            tuple(row)
            for row in self.session.execute(
                select(
                    SoldItem.donation_id,
                    func.count(),
                    func.sum(SoldDeviceImpact.co2e_avoided_g),
                    func.sum(SoldDeviceImpact.materials_avoided_g),
                )
                .join(
                    SoldDeviceImpact,
                    and_(
                        SoldDeviceImpact.order_id == SoldItem.order_id,
                        SoldDeviceImpact.item_id == SoldItem.item_id,
                    ),
                )
                .where(SoldItem.partner_id == partner_id)
                .group_by(SoldItem.donation_id)
            )
        ]

    def donated_allowances(self, partner_id: str) -> tuple[int, int]:
        """(MB of data, minutes) the partner's received donations gave: allowance lines
        (their unit) and prepaid cards (the data and minutes each card carries)."""
        line = DonationLine
        received = func.coalesce(line.received_quantity, 0)
        data_mb, minutes = self.session.execute(
            select(
                func.sum(
                    case(
                        (line.unit == "data_mb", received),
                        (line.kind == "prepaid_cards", received * func.coalesce(line.data_mb, 0)),
                        else_=0,
                    )
                ),
                func.sum(
                    case(
                        (line.unit == "minutes", received),
                        (
                            line.kind == "prepaid_cards",
                            received * func.coalesce(line.voice_minutes, 0),
                        ),
                        else_=0,
                    )
                ),
            )
            .join(Donation, Donation.id == line.donation_id)
            .where(Donation.partner_id == partner_id, Donation.state == "received")
        ).one()
        return int(data_mb or 0), int(minutes or 0)

    def receipt_figures(self, partner_id: str, as_of: datetime, timezone: tzinfo) -> dict:
        """What a donation receipt shows of the partner's gifts, as of ``as_of``: this civil
        year's donations received, devices refurbished and sold to date, people reached (a
        count) and CO2e avoided. Counts only: no person."""
        civil = as_of.astimezone(timezone)
        start = civil.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        end = start.replace(year=start.year + 1)
        this_year = self.session.scalar(
            select(func.count())
            .select_from(Donation)
            .where(
                Donation.partner_id == partner_id,
                Donation.received_at >= start.astimezone(UTC),
                Donation.received_at < end.astimezone(UTC),
            )
        )
        figures = self.of_partner(partner_id)
        return {
            "as_of": civil.date(),
            "year": civil.year,
            "donations_this_year": this_year or 0,
            "devices_refurbished": figures["devices"]["refurbished"],
            "devices_sold": figures["devices_sold"],
            "people_reached": figures["people_reached"],
            "co2e_kg": figures["co2e_kg"],
            "materials_kg": figures["materials_kg"],
        }

    def of_partner(self, partner_id: str) -> dict[str, Any]:
        rows = self.session.execute(
            select(DeviceOutcome.donation_id, DeviceOutcome.stage, func.count())
            .where(DeviceOutcome.partner_id == partner_id)
            .group_by(DeviceOutcome.donation_id, DeviceOutcome.stage)
        ).all()
        avoided = self.avoided_by_donation(partner_id)
        donated = self.donated_allowances(partner_id)
        return impact_figures(partner_id, rows, self._sales_of(partner_id), avoided, donated)

    def _sales_of(self, partner_id: str) -> dict[str, Any]:
        sold = dict(
            self.session.execute(
                select(SoldItem.item_type, func.sum(SoldItem.quantity))
                .where(SoldItem.partner_id == partner_id)
                .group_by(SoldItem.item_type)
            ).all()
        )
        people = self.session.execute(
            select(SiteCity.city, func.count(func.distinct(CompletedOrder.beneficiary_code)))
            .select_from(SoldItem)
            .join(CompletedOrder, CompletedOrder.order_id == SoldItem.order_id)
            .join(SiteCity, SiteCity.site_id == CompletedOrder.site_id, isouter=True)
            .where(SoldItem.partner_id == partner_id)
            .group_by(SiteCity.city)
        ).all()
        reached = self.session.scalar(
            select(func.count(func.distinct(CompletedOrder.beneficiary_code)))
            .select_from(SoldItem)
            .join(CompletedOrder, CompletedOrder.order_id == SoldItem.order_id)
            .where(SoldItem.partner_id == partner_id)
        )
        return {
            "devices_sold": int(sold.get("device") or 0),
            "cards_sold": int(sold.get("prepaid_card") or 0),
            "people_reached": reached or 0,
            "people_reached_by_city": {city or "unknown": count for city, count in people},
        }


class DonationsUnitOfWork(UnitOfWork):
    """Donations' unit of work: its repositories open on the session."""

    def bind(self, session: Session) -> None:
        self.partners = Partners(session)
        self.donations = Donations(session)
        self.identifiers = Identifiers(session)
        self.card_codes = CardCodes(session)
        self.receipts = Receipts(session)
        self.sites = Sites(session)
        self.impact = Impact(session)
        self.webhooks = Webhooks(session)
