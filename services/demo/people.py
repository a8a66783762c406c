"""Referring organisations, and the people they refer to the counters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from services.demo.desks import Desk
from services.demo.programme import FIRST_NAMES, LAST_INITIALS, ORGANISATIONS
from services.demo.timeline import Timeline


@dataclass
class Person:
    code: str
    site_id: str
    organisation_id: str
    has_phone: bool = False
    has_computer: bool = False
    spent: dict[str, int] = field(default_factory=dict)  # cents per civil month


def create_organisations(admin: Desk) -> list[dict]:
    """Every organisation, approved (one is suspended later, see ``suspend``)."""
    created = []
    for name, kind, city, worker, _approved in ORGANISATIONS:
        slug = name.lower().split()[-1]
        contact = {"name": worker, "role": "assistant·e social·e", "email": f"{slug}@example.org"}
        body = {"name": name, "kind": kind, "city": city, "contacts": [contact]}
        organisation = admin.post("sales", "/organisations", body)
        admin.call(
            "PUT", "sales", f"/organisations/{organisation['id']}/approval", json={"approved": True}
        )
        created.append(organisation)
    return created


def suspend(admin: Desk, organisations: list[dict]) -> set[str]:
    """Suspends the organisations meant to end suspended; their ids."""
    suspended = set()
    for organisation, (*_, approved) in zip(organisations, ORGANISATIONS, strict=True):
        if not approved:
            path = f"/organisations/{organisation['id']}/approval"
            admin.call("PUT", "sales", path, json={"approved": False})
            suspended.add(organisation["id"])
    return suspended


def enrol(counter: Desk, organisation: dict, number: int, timeline: Timeline) -> Person:
    """Person ``number``, referred a few days ago, enrolled today at the counter's site."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    initial = LAST_INITIALS[number % len(LAST_INITIALS)]
    referred = timeline.go_date() - timedelta(days=3 + number % 9)
    body = {
        "display_name": f"{first} {initial}.",
        "contact": f"06 {number:02d} {(number * 37) % 100:02d} {(number * 53) % 100:02d} 00",
        "organisation_id": organisation["id"],
        "social_worker_id": organisation["contacts"][0]["id"],
        "referred_on": referred.isoformat(),
        "referral_reason": "sans équipement numérique pour ses démarches",
    }
    person = counter.post("sales", "/beneficiaries", body)
    return Person(person["code"], person["home_site_id"], organisation["id"])
