"""The refurbishment state machine.

    received -> diagnosing -> wiping -> repairing -> grading -> available
                                 |                   ^   |
                                 +-------------------+   +-> repairing (defect found)
                                 (no failed function)
    any state before the sale -> scrapped

Each step's record is handed in with the transition that completes it (the checklist when
leaving diagnosing, the wipe when leaving wiping...), so a device never leaves a step without
its record, and every change is one version of the device and one event.

Repairing is skipped (wiping -> grading) only when the diagnosis failed no function; a
device with a failed function goes through repairing, where the work is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.inventory.domain.errors import (
    IllegalTransition,
    RepairNeeded,
    WipeMissing,
    WrongRecord,
)
from services.inventory.domain.records import Diagnosis, Grade, Record, Repair, Scrap, Wipe


class State(StrEnum):
    RECEIVED = "received"
    DIAGNOSING = "diagnosing"
    WIPING = "wiping"
    REPAIRING = "repairing"
    GRADING = "grading"
    AVAILABLE = "available"
    SCRAPPED = "scrapped"


S = State
NEXT: dict[State, tuple[State, ...]] = {
    S.RECEIVED: (S.DIAGNOSING, S.SCRAPPED),
    S.DIAGNOSING: (S.WIPING, S.SCRAPPED),
    S.WIPING: (S.REPAIRING, S.GRADING, S.SCRAPPED),
    S.REPAIRING: (S.GRADING, S.SCRAPPED),
    S.GRADING: (S.AVAILABLE, S.REPAIRING, S.SCRAPPED),
    S.AVAILABLE: (S.SCRAPPED,),
    S.SCRAPPED: (),
}
WORKSHOP_STATES = (S.RECEIVED, S.DIAGNOSING, S.WIPING, S.REPAIRING, S.GRADING)

# The record a transition takes (the one of the step it completes) and the fact it makes.
_STEPS: dict[tuple[State, State], tuple[type[Record] | None, str]] = {
    (S.RECEIVED, S.DIAGNOSING): (None, "diagnosis_started"),
    (S.DIAGNOSING, S.WIPING): (Diagnosis, "diagnosed"),
    (S.WIPING, S.REPAIRING): (Wipe, "wiped"),
    (S.WIPING, S.GRADING): (Wipe, "wiped"),
    (S.REPAIRING, S.GRADING): (Repair, "repaired"),
    (S.GRADING, S.REPAIRING): (None, "sent_back_to_repair"),
    (S.GRADING, S.AVAILABLE): (Grade, "made_available"),
}
_SCRAPPING = (Scrap, "scrapped")

RECORD_NAMES: dict[type[Record], str] = {
    Diagnosis: "diagnosis",
    Wipe: "wipe",
    Repair: "repair",
    Grade: "grade",
    Scrap: "scrap",
}


@dataclass(frozen=True)
class History:
    """What the device already has on record, as far as the rules need it."""

    failed_functions: tuple[str, ...] = ()
    wiped: bool = False


def transition(
    current: State, target: State, record: Record | None, history: History, now: datetime
) -> str:
    """Check that ``current -> target`` may happen with ``record``; return the fact's name."""
    if target not in NEXT[current]:
        raise IllegalTransition(current.value, target.value, [s.value for s in NEXT[current]])
    expected, fact = _SCRAPPING if target is S.SCRAPPED else _STEPS[(current, target)]
    _check_record(f"{current} -> {target}", expected, record)
    if record is not None:
        record.validate(now)
    if (current, target) == (S.WIPING, S.GRADING) and history.failed_functions:
        raise RepairNeeded(list(history.failed_functions))
    if target is S.AVAILABLE and not history.wiped:
        raise WipeMissing()
    return fact


def _check_record(name: str, expected: type[Record] | None, record: Record | None) -> None:
    if type(record) is not (expected or type(None)):
        raise WrongRecord(name, RECORD_NAMES.get(expected), RECORD_NAMES.get(type(record)))
