"""One table from sales' refusals to HTTP statuses and stable problem codes
(``ServiceDefinition(errors=ERRORS)``); an error's ``details()`` adds members to the body."""

from __future__ import annotations

from services.sales.domain.errors import (
    BeneficiaryNotFound,
    ContactsInUse,
    IllegalOrderStep,
    LimitNotFound,
    LimitsExceeded,
    NoPrice,
    NotEligible,
    NotYourSite,
    OrderNotFound,
    OrganisationNameTaken,
    OrganisationNotFound,
    ReceiptNotIssued,
    ReferralNotApproved,
    ReferringOrganisationUnknown,
    RenewalRefused,
    ReservationLapsed,
    SaleNotCompleted,
    SocialWorkerUnknown,
    StartOutOfWindow,
    UnknownCounterSite,
)

ERRORS: dict[type[Exception], tuple[int, str]] = {
    NotEligible: (409, "beneficiary-not-eligible"),
    ReferralNotApproved: (409, "referral-not-approved"),
    RenewalRefused: (409, "renewal-refused"),
    LimitsExceeded: (409, "limit-exceeded"),
    NoPrice: (422, "no-price"),
    IllegalOrderStep: (409, "illegal-order-step"),
    ReservationLapsed: (409, "reservation-expired"),
    SaleNotCompleted: (409, "sale-not-completed"),
    BeneficiaryNotFound: (404, "beneficiary-not-found"),
    OrderNotFound: (404, "order-not-found"),
    OrganisationNotFound: (404, "organisation-not-found"),
    LimitNotFound: (404, "limit-not-found"),
    ReferringOrganisationUnknown: (422, "organisation-not-found"),
    SocialWorkerUnknown: (422, "social-worker-not-found"),
    UnknownCounterSite: (422, "unknown-counter-site"),
    StartOutOfWindow: (422, "start-out-of-window"),
    NotYourSite: (403, "not-your-site"),
    OrganisationNameTaken: (409, "organisation-name-taken"),
    ContactsInUse: (409, "contacts-in-use"),
    ReceiptNotIssued: (409, "not-completed"),
}
