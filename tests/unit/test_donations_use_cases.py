"""Donations' use cases on a fake unit of work: in-memory repositories, no database, no
broker (``tests/unit/fakes.py``), in the cosmicpython manner. What the HTTP API adds around
them is tested in ``tests/service/test_donations_*.py``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.common import clock
from services.donations.domain.commands import (
    AnnouncedLine,
    AnnounceDonation,
    Extra,
    ExtraUnit,
    ReceivedLine,
    ReceiveDonation,
)
from services.donations.domain.errors import AlreadyReceived, ReceptionIncomplete, SiteClosed
from services.donations.domain.events import DonationReceived
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

    def get(self, donation_id, *, scope, for_update=False):
        donation = self.stored.get(donation_id)
        return donation if donation and scope in (None, donation.partner_id) else None

    def add(self, partner_id, site_id, lines):
        donation = Donation(
            [Line(line.kind, line.quantity, n) for n, line in enumerate(lines, 1)],
            partner_id=partner_id,
            site_id=site_id,
        )
        self.stored[donation.id] = donation
        return donation

    def add_received_identifiers(self, line, pairs):
        line.identifiers.extend(Identifier(scheme, value, True) for scheme, value in pairs)

    def flush(self):
        pass


class FakeIdentifiers:
    def __init__(self) -> None:
        self.values: set[tuple[str, str]] = set()

    def known(self, pairs):
        return [value for scheme, value in pairs if (scheme, value) in self.values]


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
        self.identifiers = FakeIdentifiers()
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
    line.identifiers = [Identifier("imei", value) for value in imeis]
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
