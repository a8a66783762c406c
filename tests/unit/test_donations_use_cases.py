"""Donations' use cases on a fake unit of work: in-memory repositories, no database, no
broker (``tests/unit/fakes.py``), in the cosmicpython manner. What the HTTP API adds around
them is tested in ``tests/service/test_donations_*.py``."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.common import clock
from services.common.events.envelope import InvalidEvent, new_event
from services.donations.domain.commands import (
    AnnouncedLine,
    AnnounceDonation,
    Extra,
    ExtraUnit,
    ReceivedLine,
    ReceiveDonation,
)
from services.donations.domain.errors import (
    AlreadyReceived,
    IdentifiersExceedQuantity,
    ReceptionIncomplete,
    SiteClosed,
    UnknownIdentifiers,
)
from services.donations.domain.events import DonationReceived
from services.donations.domain.reception import NamedIdentifier, missing_units
from services.donations.handlers import announce_donation, receive_donation
from services.donations.settings import Settings
from tests.unit.fakes import FakeUnitOfWork, FakeWebhooks

VALID_IMEI = "356938035643809"
OTHER_IMEI = "490154203237518"
SETTINGS = Settings(
    card_codes_key_dir=Path("/no/keys"), programme_timezone=ZoneInfo("Europe/Paris")
)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Identifier:
    scheme: str
    value: str
    received: bool | None = None
    unit: int = 0


@dataclass
class Line:
    kind: str
    expected_quantity: int
    position: int = 1
    id: str = field(default_factory=new_id)
    category: str | None = None
    brand: str | None = None
    model: str | None = None
    declared_condition: str | None = None
    operator: str | None = None
    product_name: str | None = None
    face_value_cents: int | None = None
    voice_minutes: int | None = None
    data_mb: int | None = None
    expiry_date: date | None = None
    unit: str | None = None
    validity_days: int | None = None
    declared_value_cents: int | None = None
    received_quantity: int | None = None
    identifiers: list[Identifier] = field(default_factory=list)


@dataclass
class Donation:
    lines: list[Line]
    id: str = field(default_factory=new_id)
    partner_id: str = field(default_factory=new_id)
    site_id: str = field(default_factory=new_id)
    state: str = "announced"
    version: int = 1
    received_at: datetime | None = None
    receipt_year: int | None = None
    receipt_number: int | None = None


@dataclass
class Partner:
    id: str
    active: bool = True


@dataclass
class Site:
    site_id: str
    closed_at: datetime | None = None


class FakeDonations:
    def __init__(self) -> None:
        self.stored: dict[str, Donation] = {}

    def to_fill(self, donation_id, *, scope):
        donation = self.stored.get(donation_id)
        return donation if donation and scope in (None, donation.partner_id) else None

    def show_identifiers(self, lines):
        pass  # the fake lines hold their identifiers

    def line(self, line_id):
        return next(ln for d in self.stored.values() for ln in d.lines if ln.id == line_id)

    def add(self, partner_id, site_id, lines):
        donation = Donation(
            [Line(line.kind, line.quantity, n) for n, line in enumerate(lines, 1)],
            partner_id=partner_id,
            site_id=site_id,
        )
        self.stored[donation.id] = donation
        return donation

    def flush(self):
        pass


class FakeIdentifiers:
    """The identifiers the fake lines hold, asked as the repository is (by line id)."""

    def __init__(self, donations: FakeDonations) -> None:
        self.donations = donations
        self.values: set[tuple[str, str]] = set()

    def known(self, pairs):
        return [value for scheme, value in pairs if (scheme, value) in self.values]

    def named_on_line(self, line_id, values):
        identifiers = self.donations.line(line_id).identifiers
        sizes = Counter(i.unit for i in identifiers)
        return [
            NamedIdentifier(i.value, i.unit, sizes[i.unit])
            for i in identifiers
            if i.value in set(values)
        ]

    def arrived_on(self, line_id):
        return (i for i in self.donations.line(line_id).identifiers if i.received)

    def unit_count(self, line_id):
        return len({i.unit for i in self.donations.line(line_id).identifiers})

    def mark_received(self, line_id, missing_units):
        for identifier in self.donations.line(line_id).identifiers:
            identifier.received = identifier.unit not in missing_units

    def add_units(self, line_id, units, *, received):
        identifiers = self.donations.line(line_id).identifiers
        last = max((i.unit for i in identifiers), default=0)
        identifiers += (
            Identifier(scheme, value, received, unit)
            for unit, pairs in enumerate(units, start=last + 1)
            for scheme, value in pairs
        )


class FakeReceipts:
    def __init__(self) -> None:
        self.last: dict[int, int] = {}

    def next_number(self, year):
        self.last[year] = self.last.get(year, 0) + 1
        return self.last[year]


class FakeCardCodes:
    def unforwarded_batches(self, line_ids):
        return []


class FakeByKey:
    def __init__(self, key: str) -> None:
        self.key, self.stored = key, {}

    def get(self, key, **_options):
        return self.stored.get(key)

    def put(self, item):
        self.stored[getattr(item, self.key)] = item


class FakeDonationsUnitOfWork(FakeUnitOfWork):
    def bind(self) -> None:
        self.donations = FakeDonations()
        self.identifiers = FakeIdentifiers(self.donations)
        self.receipts = FakeReceipts()
        self.card_codes = FakeCardCodes()
        self.partners = FakeByKey("id")
        self.sites = FakeByKey("site_id")
        self.webhooks = FakeWebhooks()


@pytest.fixture
def uow():
    return FakeDonationsUnitOfWork(SETTINGS)


def phones_announced(uow, quantity=3, imeis=(VALID_IMEI, OTHER_IMEI)) -> Donation:
    line = Line("hardware_lot", quantity, category="smartphone", brand="Fairphone")
    line.identifiers = [Identifier("imei", value, unit=n) for n, value in enumerate(imeis, 1)]
    donation = Donation([line])
    uow.donations.stored[donation.id] = donation
    return donation


def test_a_reception_with_differences_records_what_arrived(uow):
    donation = phones_announced(uow)
    line = donation.lines[0]
    received = ReceivedLine(
        line.id, 2, declared_value_cents=9000, missing_identifiers=(OTHER_IMEI,)
    )

    with clock.travelling():
        clock.travel_to(datetime(2027, 12, 31, 23, 30, tzinfo=UTC))  # 1 January in Paris
        receive_donation(uow, ReceiveDonation(donation.id, (received,)))

    assert uow.committed
    [fact] = uow.facts
    assert isinstance(fact, DonationReceived)
    assert (fact.subject, fact.sequence) == (donation.id, 2)
    payload = fact.payload()
    assert payload.pop("received_at").startswith("2027-12-31T23:30")
    assert payload == {
        "donation_id": donation.id,
        "partner_id": donation.partner_id,
        "site_id": donation.site_id,
        "lines": [
            {
                "line_id": line.id,
                "kind": "hardware_lot",
                "quantity": 2,
                "category": "smartphone",
                "brand": "Fairphone",
                "declared_value_cents": 9000,
                "serials": [],
                "imeis": [VALID_IMEI],
                "units": [[None, 0]],
            }
        ],
    }
    assert (donation.receipt_year, donation.receipt_number) == (2028, 1)
    [(partner_id, kind, item)] = uow.webhooks.facts  # the webhook fact, same transaction
    assert (partner_id, kind) == (donation.partner_id, "donation.received")
    assert item["lines"][0] | {"line_id": None} == {
        "line_id": None,
        "kind": "hardware_lot",
        "category": "smartphone",
        "expected_quantity": 3,
        "received_quantity": 2,
        "difference": -1,
    }


def test_extra_units_join_their_line_received(uow):
    donation = phones_announced(uow, quantity=1, imeis=())
    extra = Extra(1, (ExtraUnit(serial="FP-9"),))
    line = ReceivedLine(donation.lines[0].id, 2, extra=extra)

    receive_donation(uow, ReceiveDonation(donation.id, (line,)))

    [fact] = uow.facts
    assert fact.payload()["lines"][0]["serials"] == ["FP-9"]
    assert fact.payload()["lines"][0]["quantity"] == 2


def test_a_donation_is_received_once(uow):
    donation = phones_announced(uow)
    lines = (ReceivedLine(donation.lines[0].id, 3),)
    receive_donation(uow, ReceiveDonation(donation.id, lines))
    uow.committed, uow.facts = False, []

    with pytest.raises(AlreadyReceived, match="already received"):
        receive_donation(uow, ReceiveDonation(donation.id, lines))

    assert (uow.committed, uow.facts) == (False, [])


def test_a_reception_naming_a_line_the_donation_lacks_is_refused_whole(uow):
    donation = phones_announced(uow)
    unknown = new_id()
    lines = (ReceivedLine(donation.lines[0].id, 3), ReceivedLine(unknown, 1))

    with pytest.raises(ReceptionIncomplete) as refused:
        receive_donation(uow, ReceiveDonation(donation.id, lines))

    assert refused.value.details() == {"missing": [], "unknown": [unknown]}
    assert (uow.committed, uow.facts, donation.state) == (False, [], "announced")
    assert donation.lines[0].received_quantity is None


def test_a_site_inventory_closed_takes_no_donation(uow):
    partner, site = Partner(new_id()), Site(new_id(), closed_at=datetime.now(UTC))
    uow.partners.put(partner)
    uow.sites.put(site)
    line = AnnouncedLine("hardware_lot", 1, category="smartphone")

    with pytest.raises(SiteClosed, match="takes no donations"):
        announce_donation(uow, AnnounceDonation(partner.id, site.site_id, (line,)))

    assert (uow.committed, uow.facts, uow.donations.stored) == (False, [], {})


# units: a device is counted once, whatever identifiers it has -------------------------------


def units_of(line: dict) -> list[tuple[str | None, str | None]]:
    """The (serial, IMEI) of each unit of a received line's payload, its indexes resolved."""
    return [
        (None if s is None else line["serials"][s], None if i is None else line["imeis"][i])
        for s, i in line["units"]
    ]


def tablets_announced(uow, *units: tuple[str | None, str | None]) -> Donation:
    """A line of tablets, unit by unit (serial, IMEI), as a file's rows give them."""
    line = Line("hardware_lot", len(units), category="tablet")
    line.identifiers = [
        Identifier(scheme, value, unit=unit)
        for unit, pair in enumerate(units, start=1)
        for scheme, value in zip(("serial", "imei"), pair, strict=True)
        if value
    ]
    donation = Donation([line])
    uow.donations.stored[donation.id] = donation
    return donation


def test_a_device_with_a_serial_and_an_imei_is_one_unit(uow):
    donation = tablets_announced(uow, ("TAB-1", VALID_IMEI), ("TAB-2", OTHER_IMEI))
    line = ReceivedLine(donation.lines[0].id, 2)

    receive_donation(uow, ReceiveDonation(donation.id, (line,)))

    [fact] = uow.facts
    assert units_of(fact.payload()["lines"][0]) == [("TAB-1", VALID_IMEI), ("TAB-2", OTHER_IMEI)]


def test_more_identified_units_than_counted_are_refused(uow):
    donation = tablets_announced(uow, ("TAB-1", VALID_IMEI), ("TAB-2", OTHER_IMEI))
    line = ReceivedLine(donation.lines[0].id, 1)

    with pytest.raises(IdentifiersExceedQuantity, match="2 identified units arrived"):
        receive_donation(uow, ReceiveDonation(donation.id, (line,)))

    assert (uow.committed, uow.facts, donation.state) == (False, [], "announced")


def test_an_extra_unit_keeps_its_serial_and_imei_together(uow):
    donation = tablets_announced(uow, (None, VALID_IMEI))
    extra = Extra(1, (ExtraUnit(serial="X", imei=OTHER_IMEI),))
    line = ReceivedLine(donation.lines[0].id, 2, extra=extra)

    receive_donation(uow, ReceiveDonation(donation.id, (line,)))

    [fact] = uow.facts
    sent = fact.payload()["lines"][0]
    assert units_of(sent) == [(None, VALID_IMEI), ("X", OTHER_IMEI)]
    assert (sent["serials"], sent["imeis"]) == (["X"], [VALID_IMEI, OTHER_IMEI])


LINE = Line("hardware_lot", 3, category="tablet")


@pytest.mark.parametrize(
    ("named", "missing"),
    [
        ([NamedIdentifier("TAB-1", 1, 2)], set()),  # its IMEI not said missing: it arrived
        ([NamedIdentifier("TAB-1", 1, 2), NamedIdentifier(VALID_IMEI, 1, 2)], {1}),
        ([NamedIdentifier("TAB-3", 3, 1)], {3}),  # its only identifier
    ],
)
def test_a_unit_is_missing_when_every_identifier_it_has_is_said_missing(named, missing):
    said = tuple(identifier.value for identifier in named)
    reception = ReceivedLine(LINE.id, 3, missing_identifiers=said)

    assert missing_units(LINE, reception, named) == missing


def test_an_identifier_said_missing_must_be_on_its_line():
    reception = ReceivedLine(LINE.id, 3, missing_identifiers=("TAB-1", "ELSEWHERE"))

    with pytest.raises(UnknownIdentifiers) as refused:
        missing_units(LINE, reception, [NamedIdentifier("TAB-1", 1, 1)])

    assert refused.value.details() == {"values": ["ELSEWHERE"]}


@pytest.mark.parametrize(
    "units",
    [[[None, None]], [[1, None]], [[None, 1]], [[-1, 0]], [["0", 0]], [[0]], [{"serial": "X"}]],
)
def test_the_received_event_refuses_units_that_name_no_identifier_of_the_line(units):
    line = {"line_id": new_id(), "kind": "hardware_lot", "quantity": 1, "category": "tablet"}
    line |= {"serials": ["X"], "imeis": [VALID_IMEI], "units": units}
    data = {"donation_id": new_id(), "partner_id": new_id(), "site_id": new_id()}
    data |= {"received_at": datetime.now(UTC).isoformat(), "lines": [line]}

    with pytest.raises(InvalidEvent, match="units"):
        new_event("donations.donation.received", source="t", subject="d", sequence=2, data=data)
