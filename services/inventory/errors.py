"""One table from inventory's refusals to HTTP statuses and stable problem codes."""

from __future__ import annotations

from services.common.problems import Problem
from services.inventory.adjustments import NotAdjustable, UnknownStockSite
from services.inventory.cards import UnknownCard
from services.inventory.domain.custody import (
    CodesAlreadyRevealed,
    IllegalCardTransition,
    NothingToReveal,
)
from services.inventory.domain.errors import (
    BannedWording,
    DiagnosisIncomplete,
    IllegalTransition,
    InvalidRecord,
    InventoryError,
    RepairNeeded,
    WipeMissing,
    WrongRecord,
)
from services.inventory.domain.stock import StockShortage
from services.inventory.refurbishment import AmbiguousIdentifier, UnknownDevice
from services.inventory.transfers import (
    InvalidTransfer,
    NotTheDestination,
    TransferAlreadyReceived,
    TransferRefused,
    UnknownTransfer,
)

ERRORS: dict[type[InventoryError], tuple[int, str]] = {
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
    UnknownCard: (404, "card-not-found"),
    IllegalCardTransition: (409, "illegal-card-transition"),
    CodesAlreadyRevealed: (409, "card-codes-already-revealed"),
    NothingToReveal: (404, "no-card-codes"),
    TransferRefused: (409, "transfer-refused"),
    InvalidTransfer: (422, "invalid-transfer"),
    UnknownTransfer: (404, "transfer-not-found"),
    NotTheDestination: (403, "not-the-destination"),
    TransferAlreadyReceived: (409, "transfer-already-received"),
}


def problem_of(error: InventoryError) -> Problem:
    kind = next(kind for kind in type(error).__mro__ if kind in ERRORS)
    status, code = ERRORS[kind]
    return Problem(status, code, str(error), **error.details())
