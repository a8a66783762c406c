"""One table from the workshop's refusals to HTTP statuses and stable problem codes."""

from __future__ import annotations

from services.common.problems import Problem
from services.inventory.domain.errors import (
    BannedWording,
    DiagnosisIncomplete,
    IllegalTransition,
    InvalidRecord,
    RepairNeeded,
    WipeMissing,
    WorkflowError,
    WrongRecord,
)
from services.inventory.refurbishment import AmbiguousIdentifier, UnknownDevice

ERRORS: dict[type[WorkflowError], tuple[int, str]] = {
    UnknownDevice: (404, "device-not-found"),
    AmbiguousIdentifier: (409, "ambiguous-identifier"),
    IllegalTransition: (409, "illegal-transition"),
    RepairNeeded: (409, "repair-needed"),
    WipeMissing: (409, "wipe-record-missing"),
    WrongRecord: (422, "wrong-record"),
    DiagnosisIncomplete: (422, "diagnosis-incomplete"),
    BannedWording: (422, "banned-wording"),
    InvalidRecord: (422, "invalid-record"),
}


def problem_of(error: WorkflowError) -> Problem:
    kind = next(kind for kind in type(error).__mro__ if kind in ERRORS)
    status, code = ERRORS[kind]
    return Problem(status, code, str(error), **error.details())
