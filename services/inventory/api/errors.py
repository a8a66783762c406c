"""One table from inventory's refusals to HTTP statuses and stable problem codes, installed
by ``ServiceDefinition(errors=ERRORS)``; an error's ``details()`` adds to the problem."""

from __future__ import annotations

from services.common.problems import Problem
from services.inventory.domain.custody import (
    CodesAlreadyRevealed,
    IllegalCardTransition,
    NothingToReveal,
)
from services.inventory.domain.errors import (
    AmbiguousIdentifier,
    BannedWording,
    DiagnosisIncomplete,
    IllegalTransition,
    InvalidLabelSheet,
    InvalidRecord,
    InvalidTransfer,
    InventoryError,
    NotAdjustable,
    NothingToLabel,
    NotTheDestination,
    RepairNeeded,
    SiteNameTaken,
    TooManyLabels,
    TransferAlreadyReceived,
    TransferRefused,
    UnknownAssetTags,
    UnknownCard,
    UnknownDevice,
    UnknownDonation,
    UnknownStockSite,
    UnknownTransfer,
    WipeMissing,
    WrongRecord,
)
from services.inventory.domain.stock import StockShortage

ERRORS: dict[type[Exception], tuple[int, str]] = {
    UnknownDevice: (404, "device-not-found"),
    AmbiguousIdentifier: (409, "ambiguous-identifier"),
    IllegalTransition: (409, "illegal-transition"),
    RepairNeeded: (409, "repair-needed"),
    WipeMissing: (409, "wipe-record-missing"),
    WrongRecord: (422, "wrong-record"),
    DiagnosisIncomplete: (422, "diagnosis-incomplete"),
    BannedWording: (422, "banned-wording"),
    InvalidRecord: (422, "invalid-record"),
    StockShortage: (409, "insufficient-stock"),
    NotAdjustable: (409, "product-not-adjustable"),
    UnknownStockSite: (404, "site-not-found"),
    SiteNameTaken: (409, "site-name-taken"),
    UnknownCard: (404, "card-not-found"),
    IllegalCardTransition: (409, "illegal-card-transition"),
    CodesAlreadyRevealed: (409, "card-codes-already-revealed"),
    NothingToReveal: (404, "no-card-codes"),
    TransferRefused: (409, "transfer-refused"),
    InvalidTransfer: (422, "invalid-transfer"),
    UnknownTransfer: (404, "transfer-not-found"),
    NotTheDestination: (403, "not-the-destination"),
    TransferAlreadyReceived: (409, "transfer-already-received"),
    InvalidLabelSheet: (422, "invalid-label-sheet"),
    TooManyLabels: (422, "too-many-labels"),
    UnknownAssetTags: (422, "unknown-asset-tags"),
    UnknownDonation: (404, "donation-not-found"),
    NothingToLabel: (404, "no-devices-to-label"),
}


def problem_of(error: InventoryError) -> Problem:
    """The problem of one refused item among several (a bulk transition's results)."""
    kind = next(kind for kind in type(error).__mro__ if kind in ERRORS)
    status, code = ERRORS[kind]
    return Problem(status, code, str(error), **error.details())
