"""Why donations refuse: domain exceptions, never HTTP (``api/errors.py`` maps them).

``str(error)`` is the problem's detail; ``details()`` adds members to the problem body.
"""

from __future__ import annotations

from typing import Any


class DonationsError(Exception):
    """A refusal with a human detail and, optionally, members for the problem body."""

    def __init__(self, detail: str, **details: Any) -> None:
        super().__init__(detail)
        self._details = details

    def details(self) -> dict[str, Any]:
        return dict(self._details)


# lookups --------------------------------------------------------------------------------------


class PartnerNotFound(DonationsError):
    def __init__(self, partner_id: object) -> None:
        super().__init__(f"No partner {partner_id}.")


class DonationNotFound(DonationsError):
    def __init__(self, donation_id: object) -> None:
        super().__init__(f"No donation {donation_id}.")


class LineNotFound(DonationsError):
    def __init__(self, line_id: object, donation_id: object) -> None:
        super().__init__(f"No line {line_id} in donation {donation_id}.")


# partners -------------------------------------------------------------------------------------


class PartnerNameTaken(DonationsError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} exists already.")


class FieldNotWritable(DonationsError):
    """A partner key changes only its contacts."""


class NotYourPartner(DonationsError):
    """A partner key announces its own partner's donations only."""


# announcement ---------------------------------------------------------------------------------


class UnknownPartner(DonationsError):
    def __init__(self, partner_id: str) -> None:
        super().__init__(f"No active partner {partner_id}.")


class UnknownSite(DonationsError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"No site {site_id} was opened by inventory.")


class SiteClosed(DonationsError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"Site {site_id} is closed: it takes no donations.")


class DuplicateIdentifiers(DonationsError):
    """Every serial and IMEI is donated once."""

    def __init__(self, detail: str, values: list[str]) -> None:
        super().__init__(detail, values=values)


class BadIdentifier(ValueError):
    """A serial or IMEI that cannot be used (checked while parsing, reported by row)."""


# reception ------------------------------------------------------------------------------------


class AlreadyReceived(DonationsError):
    pass


class ReceptionIncomplete(DonationsError):
    pass


class UnknownIdentifiers(DonationsError):
    pass


class IdentifiersExceedQuantity(DonationsError):
    pass


class ReceptionExceedsAnnouncement(DonationsError):
    pass


class ExtraUnitsUnidentified(DonationsError):
    pass


class NotReceived(DonationsError):
    """A receipt exists once the donation is received."""


# files ----------------------------------------------------------------------------------------


class WrongLineKind(DonationsError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"This file belongs to a {kind} line.")


class FileRefused(DonationsError, ValueError):
    """A file refused whole, nothing of it written. Every refusal carries the same members:
    the data rows read (``rows_read``), the first bad rows found (``bad_rows``: row, value,
    problem), their count (``bad_row_count``) and whether the whole file was read
    (``read_to_end``); a file refused as a whole (its encoding, its header, a row beyond
    what the line or a file takes) says so with no bad row, or with those found until then
    (``stopped_reading``)."""

    def __init__(
        self,
        detail: str,
        *,
        rows_read: int = 0,
        bad_rows: list[dict] | None = None,
        bad_row_count: int = 0,
        read_to_end: bool = False,
        **details: Any,
    ) -> None:
        super().__init__(
            detail,
            rows_read=rows_read,
            bad_row_count=bad_row_count,
            read_to_end=read_to_end,
            bad_rows=list(bad_rows or ()),
            **details,
        )

    def stopped_reading(self, rows_read: int, bad_rows: list[dict], bad_row_count: int) -> None:
        """The reading stopped here, after ``rows_read`` rows and these bad ones."""
        self._details.update(
            rows_read=rows_read,
            bad_rows=list(bad_rows),
            bad_row_count=bad_row_count,
            read_to_end=False,
        )


class RowsRefused(FileRefused):
    """Bad rows in a file (or in the codes given with an announcement): nothing imported."""


class SealingUnavailable(DonationsError):
    """This process holds no card-code keys: codes cannot be sealed here."""


# events ---------------------------------------------------------------------------------------


class SiteNotYetOpened(LookupError):
    """A site's status arrived before its opening: retried until the opening is applied."""


# webhooks -------------------------------------------------------------------------------------


class WebhookNotFound(DonationsError):
    def __init__(self, webhook_id: object) -> None:
        super().__init__(f"No webhook endpoint {webhook_id}.")


class WebhookDeliveryNotFound(DonationsError):
    def __init__(self, delivery_id: object) -> None:
        super().__init__(f"No delivery {delivery_id} of this endpoint.")


class WebhookUrlRefused(DonationsError):
    """Not an https URL, or its host resolves to an address we never send to (loopback,
    private, link-local, metadata, multicast…): ``reason`` is ``url``, ``dns`` or ``address``."""

    def __init__(self, detail: str, reason: str = "url") -> None:
        super().__init__(detail, reason=reason)
        self.reason = reason


class UnknownWebhookKinds(DonationsError):
    def __init__(self, kinds: list[str]) -> None:
        super().__init__("Not in the webhook catalogue: " + ", ".join(kinds) + ".", kinds=kinds)


class WebhookSecretsUnavailable(DonationsError):
    """This process holds no key to seal or open webhook signing secrets."""


class WebhookDisabled(DonationsError):
    """The endpoint is disabled: enable it again (PATCH) before pinging it."""


class PartnerRequired(DonationsError):
    """An admin names the partner an endpoint is for."""
