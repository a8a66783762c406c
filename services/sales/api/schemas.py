"""What sales' API accepts and returns. Writable fields are listed; nothing else passes.

Fields about a person (names and contacts of people, free text about a person or typed by a
counter) are marked ``PERSONAL``: auditors get answers without them.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.common.authorization import PERSONAL, RedactsPersonalData
from services.common.events.contracts.donations import HARDWARE_CATEGORIES
from services.common.events.contracts.sale_saga import PAYMENT_METHODS, PRODUCT_KEY
from services.common.pagination import PageArgs
from services.common.schemas import Strict, UtcDateTime, in_calendar
from services.sales.api.product_keys import why_impossible
from services.sales.api.receipts import receipt_label
from services.sales.clock import today
from services.sales.domain.environment import grams, kg
from services.sales.domain.limits import MEASURES, WINDOWS
from services.sales.domain.orders import STATES
from services.sales.repository.orders import COMPLETION_KINDS
from services.sales.repository.people import state_of

ORGANISATION_KINDS = ("ccas", "chrs", "association", "other")
MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Use YYYY-MM.")
CODE = validate.Regexp(r"^B-[A-Z2-7]{16}$", error="A beneficiary code is B- and 16 characters.")
_CENTS = validate.Range(min=0, max=10_000_000)


# organisations --------------------------------------------------------------------------------


class SocialWorkerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    role = fields.String(validate=validate.Length(max=120))
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9 .()-]{6,40}$"))


class SocialWorkerOut(RedactsPersonalData):
    id = fields.String()
    name = fields.String(metadata=PERSONAL)
    role = fields.String(allow_none=True, metadata={"description": "a job title"})
    email = fields.String(allow_none=True, metadata=PERSONAL)
    phone = fields.String(allow_none=True, metadata=PERSONAL)


class OrganisationIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    city = fields.String(validate=validate.Length(min=1, max=80))
    contacts = fields.List(fields.Nested(SocialWorkerIn), validate=validate.Length(max=200))


class OrganisationPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=160))
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    city = fields.String(validate=validate.Length(min=1, max=80))
    contacts = fields.List(fields.Nested(SocialWorkerIn), validate=validate.Length(max=200))


class ApprovalIn(Strict):
    approved = fields.Boolean(
        required=True, metadata={"description": "false suspends: its people cannot order"}
    )


class OrganisationOut(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    city = fields.String(allow_none=True)
    approved = fields.Boolean()
    approved_at = UtcDateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    contacts = fields.List(fields.Nested(SocialWorkerOut))
    created_at = UtcDateTime()


class OrganisationFilter(PageArgs):
    approved = fields.Boolean()
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))


# beneficiaries --------------------------------------------------------------------------------


class EnrolmentIn(Strict):
    """A person and their referral. Personal data: a name or initials and a contact, no more."""

    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "a name or initials, for the counter"},
    )
    contact = fields.String(validate=validate.Length(min=1, max=254))
    home_site_id = fields.UUID(
        metadata={"description": "required from an admin; a counter's is its own site"}
    )
    organisation_id = fields.UUID(required=True)
    social_worker_id = fields.UUID()
    referred_on = fields.Date(required=True, validate=in_calendar)
    referral_reason = fields.String(validate=validate.Length(min=1, max=500))
    starts_on = fields.Date(
        validate=in_calendar,
        metadata={
            "description": "default: today; within 31 days of today either way (422 "
            "start-out-of-window otherwise)"
        },
    )


class BeneficiaryOut(RedactsPersonalData):
    code = fields.String()
    display_name = fields.String(allow_none=True, metadata=PERSONAL)
    contact = fields.String(allow_none=True, metadata=PERSONAL)
    referral_reason = fields.String(allow_none=True, metadata=PERSONAL)
    home_site_id = fields.String()
    organisation_id = fields.String()
    social_worker_id = fields.String(allow_none=True)
    referred_on = fields.Date()
    starts_on = fields.Date()
    ends_on = fields.Date()
    renewals = fields.Integer()
    closed_on = fields.Date(allow_none=True)
    erased_at = UtcDateTime(allow_none=True)
    state = fields.Function(
        lambda person: state_of(person, today()),
        metadata={"description": "upcoming, active, renewed, expired or closed (today)"},
    )
    created_at = UtcDateTime()


class BeneficiaryFilter(PageArgs):
    home_site_id = fields.UUID(metadata={"description": "a counter lists its own site only"})
    organisation_id = fields.UUID()


class BeneficiarySearchIn(PageArgs):
    """A name search, sent as a body so that no URL (nor any access log) carries the name."""

    name = fields.String(
        required=True,
        validate=[validate.Length(max=120), validate.Regexp(r"\s*\S", error="Type a name.")],
        metadata={
            "description": "part of the name, case and accents ignored (erased people never "
            "match); a counter finds the people enrolled at its own site only"
        },
    )
    organisation_id = fields.UUID()


class AllowanceOut(Schema):
    """One limit rule for one person now: what the order check would count."""

    rule = fields.String()
    measure = fields.String(metadata={"description": "cents (spending) or units"})
    maximum = fields.Integer()
    used = fields.Integer(metadata={"description": "held or bought in the window"})
    remaining = fields.Integer()
    window = fields.String()
    window_start = fields.String()
    product_prefixes = fields.List(fields.String())


# limits and prices ----------------------------------------------------------------------------


class LimitRuleIn(Strict):
    measure = fields.String(required=True, validate=validate.OneOf(MEASURES))
    maximum = fields.Integer(required=True, strict=True, validate=_CENTS)
    window = fields.String(required=True, validate=validate.OneOf(WINDOWS))
    window_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=3660))
    product_prefixes = fields.List(
        fields.String(validate=validate.Regexp(r"^(device|card|allowance)(:[a-z0-9_-]+)*$")),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "product-key prefixes, e.g. device:smartphone; none: all"},
    )

    @validates_schema
    def _days_for_rolling_windows(self, rule, **_kwargs) -> None:
        if (rule["window"] == "rolling_days") != (rule.get("window_days") is not None):
            raise ValidationError("window_days is given for, and only for, rolling_days.")


class LimitRuleOut(Schema):
    code = fields.String()
    measure = fields.String()
    maximum = fields.Integer()
    window = fields.String()
    window_days = fields.Integer(allow_none=True)
    product_prefixes = fields.List(fields.String())
    updated_at = UtcDateTime()
    updated_by = fields.String()


class PriceEntryIn(Strict):
    product_key = fields.String(
        required=True,
        validate=PRODUCT_KEY,
        metadata={
            "description": "a key inventory's stock can have (422 otherwise): "
            "device:<category>:<a|b|c>, card:<operator slugified>:<face value in cents> "
            "(card:orange:1000 is a 10 EUR Orange card), allowance:<minutes|data-mb>. "
            "A key of that shape no stock has ever held (at any site) is published too, and "
            "named in the answer's warnings (code never-in-stock): expected for a product "
            "not received yet, a slip otherwise (card:orange:10 is a 10-cent card)"
        },
    )
    label = fields.String(validate=validate.Length(min=1, max=160))
    market_cents = fields.Integer(required=True, strict=True, validate=_CENTS)
    solidarity_cents = fields.Integer(required=True, strict=True, validate=_CENTS)

    @validates_schema
    def _solidarity_below_market(self, entry, **_kwargs) -> None:
        if entry["solidarity_cents"] > entry["market_cents"]:
            raise ValidationError("solidarity_cents may not exceed market_cents.")

    @validates_schema
    def _a_key_that_can_exist(self, entry, **_kwargs) -> None:
        if reason := why_impossible(entry["product_key"]):
            raise ValidationError(reason, "product_key")


class PriceGridIn(Strict):
    valid_from = fields.AwareDateTime(
        validate=in_calendar, metadata={"description": "default: now"}
    )
    valid_until = fields.AwareDateTime(validate=in_calendar)
    note = fields.String(validate=validate.Length(max=200))
    entries = fields.List(
        fields.Nested(PriceEntryIn), required=True, validate=validate.Length(min=1, max=5000)
    )

    @validates_schema
    def _consistent(self, grid, **_kwargs) -> None:
        keys = [entry["product_key"] for entry in grid["entries"]]
        if len(keys) != len(set(keys)):
            raise ValidationError("Each product_key appears once.", "entries")
        start, end = grid.get("valid_from"), grid.get("valid_until")
        if start and end and end <= start:
            raise ValidationError("valid_until must come after valid_from.", "valid_until")


class PriceEntryOut(Schema):
    product_key = fields.String()
    label = fields.String(allow_none=True)
    market_cents = fields.Integer()
    solidarity_cents = fields.Integer()


class PriceGridOut(Schema):
    version = fields.Integer()
    valid_from = UtcDateTime()
    valid_until = UtcDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()
    created_by = fields.String()
    entries = fields.List(fields.Nested(PriceEntryOut))


class PriceWarningOut(Schema):
    product_key = fields.String()
    code = fields.String(metadata={"description": "never-in-stock"})
    detail = fields.String()


class PublishedPriceGridOut(PriceGridOut):
    warnings = fields.List(
        fields.Nested(PriceWarningOut),
        metadata={
            "description": "the entries whose key no stock has ever held, at any site (as "
            "inventory's events told sales): published, but pricing nothing until some "
            "stock has the key; empty when every key has been in stock"
        },
    )


class PriceOut(Schema):
    market_cents = fields.Integer()
    solidarity_cents = fields.Integer()
    saving_cents = fields.Integer()
    grid_version = fields.Integer()


class CatalogueItemOut(Schema):
    product_key = fields.Function(lambda entry: entry["item"].product_key)
    family = fields.Function(lambda entry: entry["item"].family)
    label = fields.Function(lambda entry: entry["item"].label)
    available = fields.Function(lambda entry: entry["item"].available)
    price = fields.Nested(PriceOut, allow_none=True, metadata={"description": "null: not priced"})


# orders ---------------------------------------------------------------------------------------


class OrderLineIn(Strict):
    product_key = fields.String(required=True, validate=PRODUCT_KEY)
    quantity = fields.Integer(
        load_default=1,
        strict=True,
        validate=validate.Range(min=1, max=100_000),
        metadata={"description": "units; minutes or MB for an allowance"},
    )
    device_id = fields.UUID(metadata={"description": "one specific device (quantity 1)"})

    @validates_schema
    def _device_lines(self, line, **_kwargs) -> None:
        if line.get("device_id") is None:
            return
        if not line["product_key"].startswith("device:") or line["quantity"] != 1:
            raise ValidationError("A device_id goes with a device product and quantity 1.")


class OrderIn(Strict):
    beneficiary_code = fields.String(required=True, validate=CODE)
    lines = fields.List(
        fields.Nested(OrderLineIn), required=True, validate=validate.Length(min=1, max=50)
    )


class CompletionIn(Strict):
    payment_method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))


class CancellationIn(Strict):
    reason = fields.String(
        load_default="cancelled at the counter", validate=validate.Length(min=1, max=200)
    )


class OrderWaitArgs(Strict):
    wait = fields.Float(
        load_default=0,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "seconds to wait while pending or completing (capped)"},
    )


class CompletionWaitArgs(Strict):
    wait = fields.Float(
        load_default=5,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "seconds to wait for inventory's commit (capped)"},
    )


class OrderFilter(PageArgs):
    site_id = fields.UUID()
    state = fields.String(validate=validate.OneOf(STATES))
    beneficiary_code = fields.String(validate=CODE)


class OrderLineOut(Schema):
    id = fields.String()
    product_key = fields.String()
    family = fields.String()
    quantity = fields.Integer()
    device_id = fields.String(allow_none=True)
    unit_market_cents = fields.Integer()
    unit_solidarity_cents = fields.Integer()
    grid_version = fields.Integer()


class OrderOut(RedactsPersonalData):
    id = fields.String()
    site_id = fields.String()
    beneficiary_code = fields.String()
    state = fields.String()
    total_cents = fields.Integer()
    market_total_cents = fields.Integer()
    savings_cents = fields.Function(lambda order: order.market_total_cents - order.total_cents)
    placed_at = UtcDateTime()
    placed_by = fields.String()
    reservation_id = fields.String(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)
    reserved_items = fields.List(fields.Dict(), allow_none=True)
    refused_lines = fields.List(fields.Dict(), allow_none=True)
    payment_method = fields.String(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    receipt_number = fields.Function(receipt_label)
    ended_at = UtcDateTime(allow_none=True)
    ended_by = fields.String(allow_none=True)
    end_reason = fields.String(
        allow_none=True, metadata={**PERSONAL, "description": "free text typed at the counter"}
    )
    completion_requested_at = UtcDateTime(allow_none=True)
    completion_requested_by = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineOut))


# impact ---------------------------------------------------------------------------------------


class ItemsByFamily(Schema):
    device = fields.Integer()
    prepaid_card = fields.Integer()
    allowance = fields.Integer()


class ProgrammeImpactOut(Schema):
    people_helped = fields.Integer(metadata={"description": "distinct people, across sites"})
    target = fields.Integer()
    progress_percent = fields.Float(allow_none=True)
    orders = fields.Integer()
    items_by_family = fields.Nested(ItemsByFamily)
    revenue_cents = fields.Integer()
    savings_cents = fields.Integer()
    environment = fields.Nested(lambda: EnvironmentOut())


class MonthlyImpactOut(Schema):
    site_id = fields.String()
    site_name = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    month = fields.String()
    people = fields.Integer()
    orders = fields.Integer()
    items_by_family = fields.Nested(ItemsByFamily)
    revenue_cents = fields.Integer()
    savings_cents = fields.Integer()
    environment = fields.Nested(lambda: EnvironmentOut())


class ImpactFilter(Strict):
    site_id = fields.UUID()
    from_month = fields.String(validate=MONTH)
    to_month = fields.String(validate=MONTH)


# sites and operations -------------------------------------------------------------------------


class SiteViewOut(Schema):
    site_id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()


class CompletionFilter(PageArgs):
    kind = fields.String(load_default="all", validate=validate.OneOf(tuple(COMPLETION_KINDS)))


class CompletionOut(Schema):
    order_id = fields.String(attribute="id")
    site_id = fields.String()
    kind = fields.Function(lambda o: "refused" if o.state == "completion_refused" else "late")
    state = fields.String()
    total_cents = fields.Integer()
    placed_at = UtcDateTime()
    expires_at = UtcDateTime(allow_none=True, metadata={"description": "the hold's expiry"})
    completion_requested_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True, metadata={"description": "committed at"})
    ended_at = UtcDateTime(allow_none=True)


# environmental impact -------------------------------------------------------------------------

_KG_PER_YEAR = validate.Range(min=0, max=100_000)


class EnvironmentOut(Schema):
    """Device-level figures only (no person): avoided as frozen at each sale."""

    devices_sold = fields.Integer()
    co2e_kg = fields.Float(metadata={"description": "kg CO2e avoided by the devices sold"})
    materials_kg = fields.Float(metadata={"description": "kg raw materials avoided"})
    devices_recycled = fields.Integer(metadata={"description": "devices scrapped (WEEE)"})
    recycled_kg = fields.Float(metadata={"description": "mass of the devices scrapped"})
    data_gb_sold = fields.Float(metadata={"description": "data allowances sold (1 GB = 1000 MB)"})
    minutes_sold = fields.Integer()


class ImpactFactorIn(Strict):
    category = fields.String(required=True, validate=validate.OneOf(HARDWARE_CATEGORIES))
    co2e_kg_per_year = fields.Float(
        required=True,
        validate=_KG_PER_YEAR,
        metadata={"description": "kg CO2e avoided per year of extra use"},
    )
    materials_kg_per_year = fields.Float(
        required=True,
        validate=_KG_PER_YEAR,
        metadata={"description": "kg raw materials avoided per year of extra use"},
    )
    extra_years = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=10),
        metadata={"description": "assumed extra years of use a refurbished device gets"},
    )
    mass_kg = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "mass of a scrapped device, counted as recycled"},
    )
    source = fields.String(required=True, validate=validate.Length(min=1, max=300))
    study_date = fields.Date(validate=in_calendar)

    @post_load
    def _in_grams(self, factor, **_kwargs) -> dict:
        return {
            "category": factor["category"],
            "co2e_g_per_year": grams(factor["co2e_kg_per_year"]),
            "materials_g_per_year": grams(factor["materials_kg_per_year"]),
            "extra_years": factor["extra_years"],
            "mass_g": grams(factor["mass_kg"]),
            "source": factor["source"],
            "study_date": factor.get("study_date"),
        }


class ImpactFactorSetIn(Strict):
    note = fields.String(validate=validate.Length(max=200))
    factors = fields.List(
        fields.Nested(ImpactFactorIn),
        required=True,
        validate=validate.Length(min=1, max=len(HARDWARE_CATEGORIES)),
    )

    @validates_schema
    def _one_per_category(self, factor_set, **_kwargs) -> None:
        categories = [factor["category"] for factor in factor_set["factors"]]
        if len(categories) != len(set(categories)):
            raise ValidationError("Each category appears once.", "factors")


class ImpactFactorOut(Schema):
    category = fields.String()
    co2e_kg_per_year = fields.Function(lambda factor: kg(factor.co2e_g_per_year))
    materials_kg_per_year = fields.Function(lambda factor: kg(factor.materials_g_per_year))
    extra_years = fields.Float()
    mass_kg = fields.Function(lambda factor: kg(factor.mass_g))
    source = fields.String()
    study_date = fields.Date(allow_none=True)


class ImpactFactorSetOut(Schema):
    version = fields.Integer()
    valid_from = UtcDateTime()
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()
    created_by = fields.String()
    factors = fields.List(fields.Nested(ImpactFactorOut))
