"""One table from sales' refusals to HTTP statuses and stable problem codes."""

from __future__ import annotations

from flask import Response

from services.common.problems import problem_response
from services.sales.domain.errors import (
    IllegalOrderStep,
    LimitsExceeded,
    NoPrice,
    NotEligible,
    ReferralNotApproved,
    RenewalRefused,
    ReservationLapsed,
    SaleNotCompleted,
    SalesError,
)

ERRORS: dict[type[SalesError], tuple[int, str]] = {
    NotEligible: (409, "beneficiary-not-eligible"),
    ReferralNotApproved: (409, "referral-not-approved"),
    RenewalRefused: (409, "renewal-refused"),
    LimitsExceeded: (409, "limit-exceeded"),
    NoPrice: (422, "no-price"),
    IllegalOrderStep: (409, "illegal-order-step"),
    ReservationLapsed: (409, "reservation-expired"),
    SaleNotCompleted: (409, "sale-not-completed"),
}


def refusal(error: SalesError) -> Response:
    """The problem+json answer to a refusal (registered for ``SalesError`` on the app)."""
    kind = next(kind for kind in type(error).__mro__ if kind in ERRORS)
    status, code = ERRORS[kind]
    return problem_response(status, code, str(error), **error.details())
