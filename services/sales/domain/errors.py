"""Why sales refused a request. ``details()`` is what a counter needs to understand it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any


class SalesError(Exception):
    def details(self) -> dict[str, Any]:
        return {}


class NotEligible(SalesError):
    """The person's enrolment does not allow an order today."""

    def __init__(self, state: str, reason: str) -> None:
        super().__init__(reason)
        self.state = state

    def details(self) -> dict[str, Any]:
        return {"enrolment_state": self.state}


class ReferralNotApproved(SalesError):
    """The referring organisation is not (or no longer) approved by an admin."""


class RenewalRefused(SalesError):
    def __init__(self, reason: str, renewals: int) -> None:
        super().__init__(reason)
        self.renewals = renewals

    def details(self) -> dict[str, Any]:
        return {"renewals": self.renewals}


class LimitsExceeded(SalesError):
    """One or more limits would be passed; each breach says which rule and by how much."""

    def __init__(self, breaches: list) -> None:
        names = ", ".join(breach.rule for breach in breaches)
        super().__init__(f"The order would exceed: {names}.")
        self.breaches = breaches

    def details(self) -> dict[str, Any]:
        return {"breaches": [asdict(breach) for breach in self.breaches]}


class NoPrice(SalesError):
    def __init__(self, product_keys: list[str]) -> None:
        super().__init__(f"No solidarity price in force for: {', '.join(product_keys)}.")
        self.product_keys = product_keys

    def details(self) -> dict[str, Any]:
        return {"product_keys": self.product_keys}


class IllegalOrderStep(SalesError):
    def __init__(self, state: str, step: str, hint: str = "") -> None:
        super().__init__(f"An order in state {state!r} cannot be {step}. {hint}".strip())
        self.state, self.step = state, step

    def details(self) -> dict[str, Any]:
        return {"order_state": self.state, "requested": self.step}


class ReservationLapsed(SalesError):
    """Completion refused: the reservation has expired (or is about to), stock is released."""

    def __init__(self, expires_at) -> None:
        super().__init__(f"The reservation expired at {expires_at.isoformat()}; place a new order.")
        self.expires_at = expires_at

    def details(self) -> dict[str, Any]:
        return {"expires_at": self.expires_at.isoformat()}


class SaleNotCompleted(SalesError):
    """Inventory could not commit the goods: no sale, no money recorded."""

    def __init__(self, order_id: str, state: str, reason: str | None) -> None:
        super().__init__(
            f"The sale did not happen and no payment was recorded: {reason or state}. "
            "Place a new order."
        )
        self.order_id, self.state = order_id, state

    def details(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "order_state": self.state}


class BeneficiaryNotFound(SalesError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No beneficiary {code}.")


class OrderNotFound(SalesError):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"No order {order_id}.")


class OrganisationNotFound(SalesError):
    """The organisation named in the path does not exist."""

    def __init__(self, organisation_id: str) -> None:
        super().__init__(f"No organisation {organisation_id}.")


class ReferringOrganisationUnknown(SalesError):
    """The organisation named in a referral does not exist."""

    def __init__(self, organisation_id: str) -> None:
        super().__init__(f"No organisation {organisation_id}.")


class SocialWorkerUnknown(SalesError):
    def __init__(self, worker_id: str) -> None:
        super().__init__(f"No contact {worker_id} there.")


class UnknownCounterSite(SalesError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"No counter site {site_id} is known.")


class StartOutOfWindow(SalesError):
    """An enrolment starts too far from today (the answer names the field, as a 422 does)."""

    def __init__(self, earliest, latest) -> None:
        super().__init__(
            f"An enrolment starts between {earliest.isoformat()} and {latest.isoformat()}."
        )

    def details(self) -> dict[str, Any]:
        return {"errors": {"json": {"starts_on": [str(self)]}}}


class NotYourSite(SalesError):
    """A counter acting on a person whose home is another counter."""


class OrganisationNameTaken(SalesError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} exists already.")


class ContactsInUse(SalesError):
    def __init__(self) -> None:
        super().__init__("Contacts named by referrals cannot be replaced.")


class LimitNotFound(SalesError):
    def __init__(self, code: str) -> None:
        super().__init__(f"No limit {code!r}.")


class ReceiptNotIssued(SalesError):
    def __init__(self) -> None:
        super().__init__("A receipt exists once the sale is completed.")
