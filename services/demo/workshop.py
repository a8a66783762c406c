"""The workshop's weeks: a batch of devices refurbished or recycled, transfers to counters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from services.demo.desks import Desk, SeedError, items
from services.demo.timeline import Timeline

BATCH = 4  # devices started a week
GRADES = ("A", "B", "B", "C")
RECYCLER = {"recycler_name": "Ecosystem DEEE", "reason": "carte mère hors service"}


def diagnosis(battery: int) -> dict:
    checks = ("screen", "battery", "charging", "radio_wifi", "camera", "audio", "buttons")
    return {**dict.fromkeys(checks, "pass"), "storage": "pass", "battery_health_percent": battery}


class Workshop:
    """Moves devices of the workshop site through the refurbishment steps by scanned batches,
    as a technician with a scanner would."""

    def __init__(self, desk: Desk, site_id: str, timeline: Timeline) -> None:
        self.desk, self.site_id, self.timeline = desk, site_id, timeline
        self.scrapped = 0

    def queue(self, state: str) -> list[str]:
        """Asset tags in ``state`` at the workshop, oldest first."""
        path = f"/workshop/queue?state={state}&site_id={self.site_id}&page_size=100"
        return [device["asset_tag"] for device in items(self.desk.get("inventory", path))]

    def move(self, tags: list[str], to: str, **record: dict) -> None:
        if not tags:
            return
        body = {"identifiers": tags, "to": to, **record}
        answer = self.desk.post("inventory", "/devices/bulk-transitions", body)
        if answer["refused"]:
            raise SeedError(f"workshop: {to} refused: {answer['results']}")

    def steps(self, monday: int, number: int) -> list[tuple[int, float, Callable[[], None]]]:
        """A batch from received to available over four days (days ago, hour, step); now and
        then one goes through repair, one is recycled."""
        batch: list[str] = []
        repaired: list[str] = []

        def start() -> None:
            batch[:] = self.queue("received")[:BATCH]
            self.move(batch, "diagnosing")

        def diagnose() -> None:
            self.move(batch, "wiping", diagnosis=diagnosis(80 + number % 15))
            if number % 3 == 1 and batch:
                self.scrap(batch.pop())

        def wipe() -> None:
            repaired[:] = batch[:1] if number % 2 == 0 else []
            self.move(repaired, "repairing", wipe=self.wipe())
            self.move(batch[len(repaired) :], "grading", wipe=self.wipe())

        def grade() -> None:  # a batch comes from one lot: one grade for all
            self.move(batch, "available", grade=grade_record(GRADES[number % len(GRADES)]))

        return [
            (monday, 9, start),
            (monday, 15, diagnose),
            (monday - 1, 11, wipe),
            (monday - 2, 10, lambda: self.move(repaired, "grading", repair=REPAIR)),
            (monday - 3, 10, grade),
        ]

    def scrap(self, tag: str) -> None:
        self.scrapped += 1
        scrap = {**RECYCLER, "recycler_certificate_ref": f"ECO-DEMO-{self.scrapped:05d}"}
        self.move([tag], "scrapped", scrap=scrap)

    def leave_work_in_progress(self, days_ago: int) -> None:
        """The last devices received, spread over every step: the board has work."""
        self.timeline.go(days_ago, 9)
        waiting = self.queue("received")
        started, rest = waiting[:5], waiting[5:]
        if not rest:
            raise SeedError("workshop: too few devices left to show every step")
        self.move(started, "diagnosing")
        self.move(started[1:], "wiping", diagnosis=diagnosis(85))
        self.move(started[2:], "grading", wipe=self.wipe())
        self.move(started[2:3], "repairing")
        self.move(started[4:], "available", grade=grade_record("B"))

    def wipe(self) -> dict:
        return wipe_record(
            self.timeline.later(1) - timedelta(minutes=50),
            title="Technicien·ne",
            location="Atelier de reconditionnement, Paris",
            media_type="flash memory",
        )


def wipe_record(done: datetime, *, title: str, location: str, media_type: str) -> dict:
    """A wipe record (a purge by crypto-erase): sanitised by Zoé Martin at
    ``done``, verified by Karim Benali ten minutes later, both ``title`` at ``location``."""
    operator = {"title": title, "location": location}
    return {
        "level": "purge",
        "method": "crypto_erase",
        "tool": "Blancco Mobile Diagnostics & Erasure",
        "tool_version": "7.3.1",
        "verification_method": "full",
        "media_type": media_type,
        "media_source": "donated by partner",
        "destination": "reuse (solidarity sale)",
        "sanitised_by": {**operator, "person": "Zoé Martin", "at": done.isoformat()},
        "verified_by": {
            **operator,
            "person": "Karim Benali",
            "at": (done + timedelta(minutes=10)).isoformat(),
        },
    }


REPAIR = {
    "parts": [{"name": "batterie", "quantity": 1, "reference": "BAT-GEN-01"}],
    "labour_minutes": 25,
    "cost_cents": 1890,
}


def grade_record(grade: str) -> dict:
    labels = {"A": "très bon état", "B": "bon état", "C": "état correct, traces visibles"}
    return {"cosmetic": grade, "functional": 1, "label": f"Reconditionné, {labels[grade]}"}


def ship_to_counters(
    desk: Desk, workshop_id: str, counter_ids: list[str], keep: int = 2
) -> list[str]:
    """One transfer a counter: the available devices shared out (``keep`` stay at the
    workshop), and part of the cards and minutes. The transfers' ids."""
    devices = items(
        desk.get("inventory", f"/devices?site_id={workshop_id}&state=available&page_size=100")
    )[keep:]
    stock = items(desk.get("inventory", f"/stock?site_id={workshop_id}&page_size=100"))
    share = {
        level["product_key"]: level["available"] // (len(counter_ids) + 1)
        for level in stock
        if level["family"] in ("prepaid_card", "allowance")
        and level["available"] > len(counter_ids)
    }
    transfers = []
    for n, counter_id in enumerate(counter_ids):
        lines = [
            {"product_key": device["product_key"], "device_id": device["id"]}
            for device in devices[n :: len(counter_ids)]
        ]
        lines += [{"product_key": key, "quantity": count} for key, count in share.items() if count]
        if lines:
            body = {"from_site_id": workshop_id, "to_site_id": counter_id, "lines": lines}
            transfers.append(desk.post("inventory", "/transfers", body)["id"])
    return transfers
