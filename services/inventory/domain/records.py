"""What each workshop step records, and the rules a record obeys as a whole.

Field shapes (lengths, ranges, enumerations) are checked at the edge; the vocabularies are
defined here so that edge and domain agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.inventory.domain.errors import BannedWording, DiagnosisIncomplete, InvalidRecord

# Diagnosis: every function of the device is tested (décret 2022-190). "not_applicable" is
# an explicit answer (a desktop has no battery, a mobile internet key no camera), never a gap.
FUNCTIONS = ("screen", "battery", "charging", "radio_wifi", "camera", "audio", "buttons", "storage")
RESULTS = ("pass", "fail", "not_applicable")

# Data sanitisation (NIST SP 800-88 rev. 1).
SANITISATION_LEVELS = ("clear", "purge", "destroy")
SANITISATION_METHODS = (
    "overwrite",
    "block_erase",
    "crypto_erase",
    "factory_reset",
    "degauss",
    "physical_destruction",
)
VERIFICATION_METHODS = ("full", "sampled")

# Grading: cosmetic A/B/C; functional on our own three-point scale:
#   1 - every function works and the battery keeps at least 80 % of its capacity;
#   2 - every function works, the battery is below 80 % (said to the buyer);
#   3 - a secondary function does not work; the buyer note must say which.
COSMETIC_GRADES = ("A", "B", "C")
FUNCTIONAL_GRADES = (1, 2, 3)
LIMITED_FUNCTIONAL_GRADE = 3

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Diagnosis:
    results: dict[str, str]
    battery_health_percent: int | None = None
    note: str | None = None

    def untested(self) -> list[str]:
        return [name for name in FUNCTIONS if name not in self.results]

    def failed(self) -> list[str]:
        return [name for name in FUNCTIONS if self.results.get(name) == "fail"]

    def validate(self, now: datetime) -> None:
        if self.untested():
            raise DiagnosisIncomplete(self.untested())
        battery_tested = self.results["battery"] != "not_applicable"
        if battery_tested != (self.battery_health_percent is not None):
            raise InvalidRecord(
                "battery_health_percent",
                "give the health of a tested battery, and none when there is no battery",
            )


@dataclass(frozen=True)
class Operator:
    """Who did a sanitisation or its verification, when and where (NIST SP 800-88 app. G)."""

    person: str
    title: str
    at: datetime
    location: str


@dataclass(frozen=True)
class Wipe:
    level: str
    method: str
    tool: str
    tool_version: str
    verification_method: str
    media_type: str
    media_source: str
    destination: str
    sanitised_by: Operator
    verified_by: Operator
    note: str | None = None

    def validate(self, now: datetime) -> None:
        if self.verified_by.at < self.sanitised_by.at:
            raise InvalidRecord("verified_by.at", "the verification cannot precede the wipe")
        if self.verified_by.at > now + CLOCK_SKEW:
            raise InvalidRecord("verified_by.at", "the verification cannot be in the future")


@dataclass(frozen=True)
class Part:
    name: str
    quantity: int = 1
    reference: str | None = None


@dataclass(frozen=True)
class Repair:
    parts: tuple[Part, ...] = ()
    labour_minutes: int = 0
    cost_cents: int = 0
    note: str | None = None

    def validate(self, now: datetime) -> None:
        if not self.parts and self.labour_minutes == 0:
            raise InvalidRecord("repair", "a repair uses parts or labour time")


@dataclass(frozen=True)
class Grade:
    cosmetic: str
    functional: int
    label: str | None = None  # shown to buyers
    buyer_note: str | None = None  # shown to buyers

    def validate(self, now: datetime) -> None:
        for name in ("label", "buyer_note"):
            reject_like_new(name, getattr(self, name))
        if self.functional == LIMITED_FUNCTIONAL_GRADE and not self.buyer_note:
            raise InvalidRecord("buyer_note", "functional grade 3 must tell the buyer what fails")


@dataclass(frozen=True)
class Scrap:
    reason: str
    recycler_name: str
    recycler_certificate_ref: str
    note: str | None = None

    def validate(self, now: datetime) -> None:
        """Nothing beyond the fields' shapes: scrapping is always possible before a sale."""


# Every record has `validate(now)`, called before the transition that hands it in.
Record = Diagnosis | Wipe | Repair | Grade | Scrap

# "comme neuf", "état neuf", "à l'état neuf", "comme neuve", "like new", "like-new"...
_LIKE_NEW = re.compile(r"\b(?:comme|etat)\s+neu(?:f|ve)s?\b|\blike\s*new\b")


def reject_like_new(field_name: str, text: str | None) -> None:
    """Refurbished goods may not be called new or like new (décret 2022-190)."""
    if text and (found := _LIKE_NEW.search(_plain(text))):
        raise BannedWording(field_name, found.group(0))


def _plain(text: str) -> str:
    """Lower case, accents and punctuation gone: "ÉTAT-Neuf!" -> "etat neuf "."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", letters)
