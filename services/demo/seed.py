"""Replay six months of the demo programme, day by day, on the process's clock.

Every step is an agenda entry at a moment of the past (days before today, Paris hour); the
entries run in time order, each with the clock set to its moment, through the services'
APIs as the role that does it in real life. Afterwards the clock runs in real time again.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from services.common import clock
from services.common.config import data_dir
from services.common.tokens import Principal
from services.demo import donations, people
from services.demo.desks import Desk, items, until
from services.demo.programme import (
    COUNTERS,
    GIFTS,
    PARTNERS,
    PRICE_CHANGE,
    PRICE_CHANGE_DAYS_AGO,
    PRICES,
    SUSPENDED_DAYS_AGO,
    WEEKS,
    WORKSHOP,
    Gift,
)
from services.demo.sales import Counter
from services.demo.timeline import Timeline
from services.demo.workshop import Workshop, ship_to_counters
from services.inventory.handlers.periodic import expire_reservations
from services.sales.handlers.reports import make_due_reports

log = logging.getLogger("demo")

SEEDER = Principal(role="admin", key_id="demo-seed", name="Coordination (démo)")
SALES_DAY = 2  # the counters' sales afternoon: Wednesday (days after the workshop's Monday)
Entry = tuple[int, float, Callable[[], None]]  # days ago, Paris hour, what happens


@dataclass
class Summary:
    donations: int = 0
    transfers: int = 0
    people: int = 0
    orders: dict[str, int] = field(default_factory=dict)
    reports: int = 0
    seconds: float = 0.0


class ProgrammeSeed:
    """The demo's actors and what they have made so far."""

    def __init__(self, system) -> None:
        self.system = system
        self.timeline = Timeline()
        self.rng = random.Random(21)
        apps = system.apps
        self.admin = Desk(apps, SEEDER)
        self.workshop_desk = Desk(
            apps, Principal(role="workshop", key_id="demo-workshop", name="Atelier, poste 1 (démo)")
        )
        sites = {site["name"]: site["id"] for site in self.admin.get("inventory", "/sites")}
        self.workshop_id = sites[WORKSHOP]
        self.counters = {
            name: Counter(
                Desk(
                    apps,
                    Principal(
                        role="counter",
                        key_id=f"demo-{n}",
                        name=f"{name}, accueil (démo)",
                        site_id=sites[name],
                    ),
                ),
                self.rng,
            )
            for n, name in enumerate(COUNTERS)
        }
        self.workshop = Workshop(self.workshop_desk, self.workshop_id, self.timeline)
        self.partners = {
            p["name"]: p["id"] for p in items(self.admin.get("donations", "/partners"))
        }
        self.identifiers = donations.Identifiers()
        self.announced: dict[Gift, dict] = {}
        self.organisations: list[dict] = []
        self.suspended: set[str] = set()
        self.people: list[people.Person] = []
        self.summary = Summary()

    def run(self) -> Summary:
        started = time.monotonic()
        with clock.travelling():
            for days_ago, hour, step in sorted(self.agenda(), key=lambda e: (-e[0], e[1])):
                self.timeline.go(days_ago, hour)
                step()
        self.make_reports()  # any month still due, back in real time
        self.summary.seconds = time.monotonic() - started
        return self.summary

    def agenda(self) -> list[Entry]:
        start = 7 * WEEKS
        entries: list[Entry] = [
            (start + 90, 9, self.set_up),
            (PRICE_CHANGE_DAYS_AGO, 8, self.change_prices),
            (SUSPENDED_DAYS_AGO, 8, self.suspend),
            (start + 82, 10, lambda: self.enrol(0, "Point d'accueil Paris")),  # near the end
            (1, 9, lambda: self.workshop.leave_work_in_progress(1)),
            (0, 9, self.ship),  # still on its way: the counters have something to receive
            (0, 10, lambda: self.sales_day(0)),  # today's sales (or just now, if earlier)
        ]
        for gift in GIFTS:
            entries.append((gift.days_ago, 10, lambda gift=gift: self.announce(gift)))
            if gift.received:
                entries.append((gift.days_ago - 3, 14, lambda gift=gift: self.receive(gift)))
        seats = [  # round the counters, so that each enrols all along
            name
            for n in range(max(COUNTERS.values()))
            for name, count in COUNTERS.items()
            if n < count
        ]
        for number, name in enumerate(seats[1:], start=1):
            entries.append((start - 5 * number, 11, lambda n=number, s=name: self.enrol(n, s)))
        for week in range(WEEKS):
            monday = start - 7 * week
            if monday > 7:
                entries += self.workshop.steps(monday, week)
            if week % 4 == 1:
                entries.append((monday - 4, 16, self.ship))
                entries.append((monday - 7, 8.5, self.receive_transfers))
            entries.append((monday - SALES_DAY, 14, lambda d=monday - SALES_DAY: self.sales_day(d)))
        first = self.timeline.today.replace(day=1)
        while (self.timeline.today - first).days <= start + 90:  # each month's 1st, 2 a.m.
            entries.append(((self.timeline.today - first).days, 2, self.make_reports))
            first = (first - timedelta(days=1)).replace(day=1)
        return [entry for entry in entries if entry[0] >= 0]

    # the steps ---------------------------------------------------------------------------
    def make_reports(self) -> None:
        """Last month's report, on the 1st, as sales' worker makes it on its round (whose
        first comes only ``SALES_MONTHLY_REPORT_CHECK_SECONDS`` after the start)."""
        self.summary.reports += len(make_due_reports(self.system.runtimes["sales"]))

    def set_up(self) -> None:
        """Prices and referrers at the programme's start; more partners join."""
        counters = {counter.site_id for counter in self.counters.values()}
        until(
            lambda: counters <= {s["site_id"] for s in self.admin.get("sales", "/sites")},
            "sales to learn of the counters",
        )
        entries = [
            {"product_key": key, "label": label, "market_cents": market, "solidarity_cents": price}
            for key, label, market, price in PRICES
        ]
        self.admin.post(
            "sales", "/price-grids", {"entries": entries, "note": "grille de lancement"}
        )
        self.organisations = people.create_organisations(self.admin)
        for partner in PARTNERS:
            self.partners[partner["name"]] = self.admin.post("donations", "/partners", partner)[
                "id"
            ]

    def suspend(self) -> None:
        self.suspended = people.suspend(self.admin, self.organisations)

    def change_prices(self) -> None:
        current = self.admin.get("sales", "/price-grids/current")
        entries = [
            {k: v for k, v in entry.items() if v is not None}
            | {
                "solidarity_cents": PRICE_CHANGE.get(
                    entry["product_key"], entry["solidarity_cents"]
                )
            }
            for entry in current["entries"]
        ]
        self.admin.post("sales", "/price-grids", {"entries": entries, "note": "baisse des prix"})

    def announce(self, gift: Gift) -> None:
        partner_id = self.partners[gift.partner]
        principal = Principal(
            role="partner", key_id="demo-partner", name=gift.partner, partner_id=partner_id
        )
        partner = Desk(self.system.apps, principal)
        donation = donations.announce(partner, partner_id, self.workshop_id, gift, self.identifiers)
        self.announced[gift] = donation
        self.summary.donations += 1

    def receive(self, gift: Gift) -> None:
        donation = self.announced[gift]
        received = donations.receive(self.workshop_desk, donation, gift, self.identifiers)
        self._taken_in(received)

    def _taken_in(self, donation: dict) -> None:
        """Wait until inventory has taken the donation in: its devices and its cards' codes."""
        devices = sum(
            line["received_quantity"]
            for line in donation["lines"]
            if line["kind"] == "hardware_lot"
        )
        path = f"/devices?donation_id={donation['id']}&page_size=1"
        until(lambda: self.admin.get("inventory", path)["total"] == devices, "the devices' intake")
        awaiting = f"/stock/awaiting-codes?donation_id={donation['id']}"
        until(
            lambda: not any(line["awaiting"] for line in self.admin.get("inventory", awaiting)),
            "card codes",
        )

    def enrol(self, number: int, counter: str) -> None:
        city = counter.removeprefix("Point d'accueil ")
        referrer = {"Marseille": 1, "Lyon": 2 if number % 3 == 0 else 0}.get(city, 0)
        organisation = self.organisations[referrer]
        self.summary.people += 1
        self.people.append(
            people.enrol(self.counters[counter].desk, organisation, number, self.timeline)
        )

    def ship(self) -> None:
        sent = ship_to_counters(
            self.workshop_desk, self.workshop_id, [c.site_id for c in self.counters.values()]
        )
        self.summary.transfers += len(sent)

    def receive_transfers(self) -> None:
        for counter in self.counters.values():
            path = f"/transfers?site_id={counter.site_id}&state=in_transit&page_size=100"
            for transfer in items(counter.desk.get("inventory", path)):
                if transfer["to_site_id"] == counter.site_id:
                    counter.desk.post("inventory", f"/transfers/{transfer['id']}/reception")

    def sales_day(self, days_ago: int) -> None:
        """The counters' afternoon: some of their people come; every order is placed, then
        each settled once inventory has answered (one wave: the clock stays put meanwhile)."""
        month = self.timeline.go_date().strftime("%Y-%m")
        placed = []
        for counter in self.counters.values():
            regulars = [
                p
                for p in self.people
                if p.site_id == counter.site_id and p.organisation_id not in self.suspended
            ]
            wanted = self.rng.randint(0 if days_ago else 1, 2)  # today, someone everywhere
            coming = self.rng.sample(regulars, k=min(len(regulars), wanted))
            placed += [(counter, sale) for sale in counter.place(coming, month)]
        for counter, sale in placed:
            ending = counter.settle(sale, may_expire=days_ago > 0)
            self.summary.orders[ending] = self.summary.orders.get(ending, 0) + 1
        for counter, sale in placed:
            if sale.paying:
                counter.confirm(sale)
        self.expire_holds()

    def expire_holds(self) -> None:
        """Holds nobody completed lapse: the clock moves past them and inventory's sweep runs."""
        held = [order for counter in self.counters.values() for order in counter.held]
        if not held:
            return
        self.timeline.later(20)
        expire_reservations(self.system.runtimes["inventory"])
        for counter in self.counters.values():
            for order_id in counter.held:
                until(
                    lambda c=counter, o=order_id: (
                        c.desk.get("sales", f"/orders/{o}?wait=5")["state"] == "expired"
                    ),
                    "an expiry",
                )
            counter.held.clear()


MARKER = "demo-programme.json"
STARTED, DONE = "started", "done"


def seed_once(system) -> Summary | None:
    """The programme, unless already seeded (its marker in ``DATA_DIR``) or the system
    already holds a programme of its own (referring organisations): its summary, or None.

    The marker says ``started`` before the first step and ``done`` (with the summary) after
    the last: a seed that was interrupted (Ctrl-C, a step refused) leaves ``started``, and
    every later start says so, as an error, rather than take half a demo for the whole."""
    marker = data_dir() / MARKER
    state = marker_state(marker)
    if state == STARTED:
        log.error(
            "demo programme: an earlier seed was interrupted and left half a demo in the data "
            "directory %s (DATA_DIR); stop, delete that directory (rm -r %s) and start again "
            "for the whole demo",
            marker.parent, marker.parent,
        )  # fmt: skip
        return None
    if state == DONE or items(Desk(system.apps, SEEDER).get("sales", "/organisations")):
        log.info("demo programme: already there, left as it is")
        return None
    _write(marker, {"state": STARTED})
    summary = ProgrammeSeed(system).run()
    _write(marker, {"state": DONE} | asdict(summary))
    log.info(
        "demo programme seeded in %.1f s: %d donations, %d transfers, %d people, orders %s",
        summary.seconds, summary.donations, summary.transfers, summary.people, summary.orders,
    )  # fmt: skip
    return summary


def marker_state(marker: Path) -> str | None:
    """``started``, ``done``, or None without a marker. A marker of an earlier release (the
    summary alone, no state) was written once the seed was over: ``done``; one that cannot
    be read is not taken for a finished seed."""
    if not marker.exists():
        return None
    try:
        written = json.loads(marker.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return STARTED
    return written.get("state", DONE) if isinstance(written, dict) else STARTED


def _write(marker: Path, content: dict) -> None:
    """Whole or not at all: written beside, then renamed over the marker."""
    partial = marker.with_name(f"{marker.name}.partial")
    partial.write_text(json.dumps(content, indent=2) + "\n")
    partial.replace(marker)
