"""Donations' one error table: domain refusal -> (HTTP status, stable problem code).

``ServiceDefinition(errors=ERRORS)`` installs it; the exception's text is the problem's
detail and its ``details()`` add members (the values refused, the bad rows, …).
"""

from __future__ import annotations

from services.donations.domain import errors

ERRORS: dict[type[Exception], tuple[int, str]] = {
    errors.PartnerNotFound: (404, "partner-not-found"),
    errors.DonationNotFound: (404, "donation-not-found"),
    errors.LineNotFound: (404, "line-not-found"),
    errors.PartnerNameTaken: (409, "partner-name-taken"),
    errors.FieldNotWritable: (403, "field-not-writable"),
    errors.NotYourPartner: (403, "not-your-partner"),
    errors.UnknownPartner: (422, "unknown-partner"),
    errors.UnknownSite: (422, "unknown-site"),
    errors.SiteClosed: (422, "site-closed"),
    errors.DuplicateIdentifiers: (409, "duplicate-identifiers"),
    errors.AlreadyReceived: (409, "already-received"),
    errors.ReceptionIncomplete: (422, "reception-incomplete"),
    errors.UnknownIdentifiers: (422, "unknown-identifiers"),
    errors.IdentifiersExceedQuantity: (422, "identifiers-exceed-quantity"),
    errors.ReceptionExceedsAnnouncement: (422, "reception-exceeds-announcement"),
    errors.ExtraUnitsUnidentified: (422, "extra-units-unidentified"),
    errors.NotReceived: (409, "not-received"),
    errors.WrongLineKind: (422, "wrong-line-kind"),
    errors.FileRefused: (422, "file-refused"),  # and RowsRefused, with its bad rows
    errors.SealingUnavailable: (503, "card-code-keys-missing"),
    errors.WebhookNotFound: (404, "webhook-not-found"),
    errors.WebhookDeliveryNotFound: (404, "webhook-delivery-not-found"),
    errors.WebhookUrlRefused: (422, "webhook-url-refused"),
    errors.UnknownWebhookKinds: (422, "unknown-webhook-kinds"),
    errors.PartnerRequired: (422, "partner-required"),
    errors.WebhookDisabled: (409, "webhook-disabled"),
    errors.WebhookSecretsUnavailable: (503, "webhook-secrets-key-missing"),
}
