"""The sale saga's contracts (DESIGN §4) and the catalogue feed, shared by sales and inventory.

Products are named by ``product_key``, an opaque string inventory makes up and sales copies:
``device:<category>:<cosmetic grade, lower case>`` (e.g. ``device:smartphone:b``),
``card:<operator slug>:<face value in cents>`` and ``allowance:<unit>``. The structured
fields beside it let sales map a product to its price-grid entry.

Flow: ``sales.order.placed`` → ``inventory.reservation.accepted`` | ``…rejected``;
then ``sales.order.completion_requested`` → ``inventory.reservation.committed`` |
``…commit_refused`` (no money without the goods: sales records the payment only on
``committed``, and then states the fact as ``sales.order.completed``), or
``sales.order.cancelled`` → ``inventory.reservation.released``, or no answer before the
expiry → ``inventory.reservation.expired``. A completion request that reaches inventory after
the expiry takes the same items back when they are still free (``committed`` with
``after_expiry``), else is refused. Beneficiaries appear only by pseudonymous code.
"""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.events.contracts.base import Contract
from services.common.events.contracts.donations import HARDWARE_CATEGORIES

PRODUCT_FAMILIES = ("device", "prepaid_card", "allowance")
ITEM_TYPES = ("device", "prepaid_card", "allowance")
PAYMENT_METHODS = ("cash", "card", "cheque")
PRODUCT_KEY = validate.Regexp(
    r"^(device|card|allowance):[a-z0-9_:-]{1,120}$",
    error=(
        "A product key is device:<category>:<grade>, card:<operator>:<face value in cents> "
        "or allowance:<unit>: lower case letters, digits, dashes and colons "
        "(e.g. device:smartphone:a, card:orange:1000, allowance:minutes)."
    ),
)


class Product(Contract):
    product_key = fields.String(required=True, validate=PRODUCT_KEY)
    family = fields.String(required=True, validate=validate.OneOf(PRODUCT_FAMILIES))
    label = fields.String(required=True)
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    cosmetic_grade = fields.String(validate=validate.OneOf(("A", "B", "C")))
    operator = fields.String()
    face_value_cents = fields.Integer(strict=True)
    unit = fields.String()


# inventory → sales ----------------------------------------------------------------------------


class AvailabilityChanged(Contract):
    """How many units of a product a site can sell now (subject ``<site_id>:<product_key>``,
    sequence = that stock row's version). Feeds the sales catalogue. Only the newest count
    matters: a transaction moving a product's stock several times publishes the last."""

    latest_only = True
    site_id = fields.UUID(required=True)
    product = fields.Nested(Product, required=True)
    available = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class ReservedItem(Contract):
    line_id = fields.UUID(required=True)
    item_type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    item_id = fields.String(required=True)
    product_key = fields.String(required=True, validate=PRODUCT_KEY)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    partner_id = fields.UUID(allow_none=True, load_default=None)
    donation_id = fields.UUID(allow_none=True, load_default=None)


class ReservationAccepted(Contract):
    order_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    expires_at = fields.AwareDateTime(required=True)
    items = fields.List(fields.Nested(ReservedItem), required=True)


class RefusedLine(Contract):
    line_id = fields.UUID(required=True)
    product_key = fields.String(required=True)
    requested = fields.Integer(required=True, strict=True)
    available = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True)


class ReservationRejected(Contract):
    order_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(RefusedLine), required=True)


class ReservationCommitted(Contract):
    """The items are sold: each with its provenance, for partner impact. ``after_expiry``:
    the hold had lapsed and the same items were taken back, still free."""

    order_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    committed_at = fields.AwareDateTime(required=True)
    after_expiry = fields.Boolean(load_default=False)
    items = fields.List(fields.Nested(ReservedItem), required=True)


COMMIT_REFUSALS = ("items-gone", "reservation-released", "no-reservation")


class ReservationCommitRefused(Contract):
    """The sale cannot happen: the hold lapsed (or was released) and some item is gone.
    Nothing was sold; sales records no money."""

    order_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(COMMIT_REFUSALS))
    refused_at = fields.AwareDateTime(required=True)


class ReservationReleased(Contract):
    order_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reason = fields.String(required=True)


class ReservationExpired(Contract):
    order_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    expired_at = fields.AwareDateTime(required=True)


# sales → inventory ----------------------------------------------------------------------------


class OrderLine(Contract):
    """N units of a product, or one specific device (``device_id``, quantity 1)."""

    line_id = fields.UUID(required=True)
    product_key = fields.String(required=True, validate=PRODUCT_KEY)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    device_id = fields.UUID(allow_none=True, load_default=None)


class OrderPlaced(Contract):
    order_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    beneficiary_code = fields.String(required=True)
    placed_at = fields.AwareDateTime(required=True)
    lines = fields.List(fields.Nested(OrderLine), required=True, validate=validate.Length(min=1))


class OrderCompletionRequested(Contract):
    """The counter asks to sell what was reserved: inventory commits, or refuses."""

    order_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    requested_at = fields.AwareDateTime(required=True)


class DeviceAvoided(Contract):
    """What one device sold avoids, frozen on its order line when the sale was recorded
    (sales' ``domain/environment.py``): grams of CO2e and of raw materials, by the factor
    set ``impact_factor_version``. Device-level only: no person."""

    item_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    category = fields.String(required=True, validate=validate.OneOf(HARDWARE_CATEGORIES))
    co2e_avoided_g = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    materials_avoided_g = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    impact_factor_version = fields.Integer(strict=True, allow_none=True, load_default=None)


class OrderCompleted(Contract):
    """The payment is recorded and the receipt numbered, after inventory committed.
    ``devices`` (optional, added for partner impact): each device sold, with its avoided
    figures."""

    order_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reservation_id = fields.UUID(required=True)
    beneficiary_code = fields.String(required=True)
    payment_method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    completed_at = fields.AwareDateTime(required=True)
    devices = fields.List(fields.Nested(DeviceAvoided), load_default=list)


class OrderCancelled(Contract):
    order_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reservation_id = fields.UUID(allow_none=True, load_default=None)
    reason = fields.String(required=True)


INVENTORY_CONTRACTS: dict[str, type[Contract]] = {
    "inventory.availability.changed": AvailabilityChanged,
    "inventory.reservation.accepted": ReservationAccepted,
    "inventory.reservation.rejected": ReservationRejected,
    "inventory.reservation.committed": ReservationCommitted,
    "inventory.reservation.commit_refused": ReservationCommitRefused,
    "inventory.reservation.released": ReservationReleased,
    "inventory.reservation.expired": ReservationExpired,
}
SALES_CONTRACTS: dict[str, type[Contract]] = {
    "sales.order.placed": OrderPlaced,
    "sales.order.completion_requested": OrderCompletionRequested,
    "sales.order.completed": OrderCompleted,
    "sales.order.cancelled": OrderCancelled,
}
