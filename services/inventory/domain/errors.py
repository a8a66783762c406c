"""Why inventory refused something. ``details()`` is what a client needs to recover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.inventory.domain.reservations import Shortfall


class InventoryError(Exception):
    def details(self) -> dict[str, Any]:
        return {}


class WorkflowError(InventoryError):
    """The refurbishment workflow refused a step."""


class IllegalTransition(WorkflowError):
    def __init__(self, current: str, requested: str, allowed: list[str]) -> None:
        choices = ", ".join(allowed) or "none (final state)"
        super().__init__(
            f"A device in state {current!r} cannot go to {requested!r}; "
            f"allowed next states: {choices}."
        )
        self.current, self.requested, self.allowed = current, requested, allowed

    def details(self) -> dict[str, Any]:
        return {
            "current_state": self.current,
            "requested_state": self.requested,
            "allowed_next_states": self.allowed,
        }


class WrongRecord(WorkflowError):
    """The transition needs a record that was not given, or was given one it does not take."""

    def __init__(self, transition: str, expected: str | None, given: str | None) -> None:
        if expected is None:
            detail = f"{transition} takes no {given!r} record."
        else:
            detail = f"{transition} needs a {expected!r} record."
        super().__init__(detail)
        self.expected, self.given = expected, given

    def details(self) -> dict[str, Any]:
        return {"expected_record": self.expected, "given_record": self.given}


class DiagnosisIncomplete(WorkflowError):
    def __init__(self, untested: list[str]) -> None:
        super().__init__(f"Every function must be tested; untested: {', '.join(untested)}.")
        self.untested = untested

    def details(self) -> dict[str, Any]:
        return {"untested": self.untested}


class RepairNeeded(WorkflowError):
    def __init__(self, failed: list[str]) -> None:
        super().__init__(
            f"The diagnosis failed {', '.join(failed)}: the device must go through repairing."
        )
        self.failed = failed

    def details(self) -> dict[str, Any]:
        return {"failed_functions": self.failed}


class WipeMissing(WorkflowError):
    def __init__(self) -> None:
        super().__init__("No device becomes available without a data wipe record.")


class InvalidRecord(WorkflowError):
    """A record whose fields are each well-formed but which breaks a rule as a whole."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field

    def details(self) -> dict[str, Any]:
        return {"field": self.field}


class BannedWording(InvalidRecord):
    def __init__(self, field: str, phrase: str) -> None:
        super().__init__(field, f"{phrase!r} is banned for refurbished goods (décret 2022-190).")


class UnknownDevice(WorkflowError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"No device {identifier}.")


class AmbiguousIdentifier(WorkflowError):
    def __init__(self, identifier: str) -> None:
        super().__init__(f"Several devices answer to {identifier!r}; scan the asset tag.")


class SiteNameTaken(InventoryError):
    def __init__(self, name: str) -> None:
        super().__init__(f"A site is already named {name!r}.")


class UnknownStockSite(InventoryError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"No site {site_id}.")


class NotAdjustable(InventoryError):
    def __init__(self, product_key: str) -> None:
        super().__init__(
            f"{product_key} is counted item by item: void a card or scrap a device instead."
        )


class UnknownCard(InventoryError):
    def __init__(self, card_id: str) -> None:
        super().__init__(f"No card {card_id}.")


class TransferRefused(InventoryError):
    def __init__(self, shortfalls: list[Shortfall]) -> None:
        super().__init__("Some lines cannot be sent: nothing was sent.")
        self.shortfalls = shortfalls

    def details(self) -> dict[str, Any]:
        return {"lines": [short.as_contract() for short in self.shortfalls]}


class InvalidTransfer(InventoryError):
    pass


class UnknownTransfer(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"No transfer {transfer_id}.")


class NotTheDestination(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"Only the destination site receives transfer {transfer_id}.")


class TransferAlreadyReceived(InventoryError):
    def __init__(self, transfer_id: str) -> None:
        super().__init__(f"Transfer {transfer_id} was already received.")


class LabelError(InventoryError):
    """Asset-tag labels that cannot be printed as asked."""


class InvalidLabelSheet(LabelError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}.")
        self.field = field

    def details(self) -> dict[str, Any]:
        return {"field": self.field}


class TooManyLabels(LabelError):
    """More labels than one request prints; ``count`` when it is known exactly."""

    def __init__(self, limit: int, count: int | None = None) -> None:
        asked = f"{count} labels" if count is not None else f"More than {limit} labels"
        super().__init__(f"{asked} asked for, at most {limit} per request: ask for fewer.")
        self.count, self.limit = count, limit

    def details(self) -> dict[str, Any]:
        return {"limit": self.limit, **({"count": self.count} if self.count is not None else {})}


class UnknownAssetTags(LabelError):
    def __init__(self, tags: list[str]) -> None:
        shown = ", ".join(tags[:10]) + (", …" if len(tags) > 10 else "")
        super().__init__(f"{len(tags)} asset tags belong to no device: {shown}.")
        self.tags = tags

    def details(self) -> dict[str, Any]:
        return {"unknown_asset_tags": self.tags}


class UnknownDonation(LabelError):
    def __init__(self, donation_id: str) -> None:
        super().__init__(
            f"No device of donation {donation_id} is in inventory (an unknown donation, "
            "or one not received yet)."
        )


class NothingToLabel(LabelError):
    def __init__(self, since: object) -> None:
        super().__init__(f"No device was received since {since}.")
