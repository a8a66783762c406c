"""A person with planted, unique personal data, taken through a journey and erased, then
looked for in logs and stored files: whatever is found there outlived the erasure.

The journey runs through the gateway with API keys, as a counter and an admin would: enrol,
search by name (in the body, and as a query string some client might still send), read,
erase. The planted values are random, so a match is this journey's and nothing else's.
"""

from __future__ import annotations

import random
import string
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import requests

from tests.support.waiting import wait_until


@dataclass(frozen=True)
class PlantedPerson:
    surname: str  # letters only: found in any casing, in the folded copy, in URLs
    phone_digits: str

    @classmethod
    def new(cls) -> PlantedPerson:
        letters = "".join(random.choices(string.ascii_lowercase, k=10))
        return cls(surname=f"Tracemark{letters}", phone_digits=f"07{random.randrange(10**8):08d}")

    @property
    def display_name(self) -> str:
        return f"Zélie {self.surname}"

    @property
    def contact(self) -> str:
        digits = self.phone_digits
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))

    def needles(self) -> list[bytes]:
        """What would betray the person in a file, lower-cased (compare with lowered text)."""
        return [
            self.surname.lower().encode(),
            self.phone_digits.encode(),
            self.contact.encode(),
            self.contact.replace(" ", "+").encode(),  # as a form-encoded query string
            self.contact.replace(" ", "%20").encode(),
        ]

    def found_in(self, blob: bytes) -> list[str]:
        lowered = blob.lower()
        return [needle.decode() for needle in self.needles() if needle in lowered]


def traces_in_files(person: PlantedPerson, directory: Path) -> dict[str, list[str]]:
    """Every file below ``directory`` (logs, databases, write-ahead logs) that still holds
    any of the person's planted values."""
    found = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if hits := person.found_in(path.read_bytes()):
            found[str(path.relative_to(directory))] = hits
    return found


class Caller:
    def __init__(self, gateway_url: str, key: str) -> None:
        self.url = gateway_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{self.url}/api/{path}", timeout=15, **kwargs)

    def ok(self, method: str, path: str, **kwargs) -> dict:
        response = self.send(method, path, **kwargs)
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()


def enrol_search_and_erase(person: PlantedPerson, admin: Caller, counter: Caller, site_id: str):
    """The journey; returns the person's pseudonymous code (erased by then)."""
    organisation = admin.ok(
        "POST",
        "sales/organisations",
        json={
            "name": f"CCAS {uuid.uuid4().hex[:8]}",
            "kind": "ccas",
            "contacts": [{"name": "Assistante sociale", "email": "as@example.org"}],
        },
    )
    admin.ok("PUT", f"sales/organisations/{organisation['id']}/approval", json={"approved": True})
    enrolment = {
        "display_name": person.display_name,
        "contact": person.contact,
        "home_site_id": site_id,
        "organisation_id": organisation["id"],
        "social_worker_id": organisation["contacts"][0]["id"],
        "referred_on": date.today().isoformat(),
        "referral_reason": f"hébergée au foyer {person.surname}",
    }

    # the site reaches sales as an event: enrolment waits for it
    def enrolled():
        response = counter.send("POST", "sales/beneficiaries", json=enrolment)
        return response.json() if response.status_code == 201 else None

    enrolled = wait_until(enrolled, timeout=30, interval=0.2)
    code = enrolled["code"]
    found = counter.ok("POST", "sales/beneficiaries/search", json={"name": person.surname})
    assert [item["code"] for item in found["items"]] == [code]
    # a client that still sends the name in the URL: whatever the answer, no log keeps it
    counter.send("GET", "sales/beneficiaries", params={"name": person.display_name})
    counter.send("GET", "sales/beneficiaries", params={"contact": person.contact})
    assert counter.ok("GET", f"sales/beneficiaries/{code}")["display_name"] == person.display_name
    erased = admin.ok("POST", f"sales/beneficiaries/{code}/erasure")
    assert erased.get("display_name") is None
    return code
