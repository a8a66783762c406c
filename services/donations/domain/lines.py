"""The typed donation lines: which fields each kind of gift takes, and its checks.

One table says it all; the API schema and the domain both read it, so a kind is described
once. ``quantity`` counts cards, minutes or megabytes, devices — and cents for funds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.donations.domain.errors import LineNotFound, WrongLineKind
from services.donations.domain.identifiers import IMEI_CATEGORIES, duplicates


@dataclass(frozen=True)
class KindRule:
    required: frozenset[str]
    optional: frozenset[str] = frozenset()


COMMON_FIELDS = frozenset({"kind", "quantity", "declared_value_cents"})
KIND_RULES: dict[str, KindRule] = {
    "prepaid_cards": KindRule(
        required=frozenset({"operator", "product_name", "face_value_cents", "expiry_date"}),
        optional=frozenset({"voice_minutes", "data_mb", "codes"}),
    ),
    "allowance": KindRule(required=frozenset({"unit", "validity_days"})),
    "hardware_lot": KindRule(
        required=frozenset({"category"}),
        optional=frozenset({"brand", "model", "declared_condition", "serials", "imeis"}),
    ),
    "funds": KindRule(required=frozenset()),
}
ALLOWANCE_UNITS = ("minutes", "data_mb")
# The typed fields a line keeps when given (and its received event carries).
TYPED_FIELDS = (
    "category", "brand", "model", "declared_condition", "operator", "product_name",
    "face_value_cents", "voice_minutes", "data_mb", "expiry_date", "unit", "validity_days",
    "declared_value_cents",
)  # fmt: skip


def line_errors(line: dict, today: date) -> dict[str, list[str]]:
    """Field -> problems of one announced line (empty when the line is sound)."""
    rule = KIND_RULES[line["kind"]]
    errors: dict[str, list[str]] = {}
    given = {name for name, value in line.items() if value not in (None, [])}
    for name in rule.required - given:
        errors.setdefault(name, []).append(f"Required for a {line['kind']} line.")
    for name in given - rule.required - rule.optional - COMMON_FIELDS:
        errors.setdefault(name, []).append(f"Not a field of a {line['kind']} line.")
    for name, problem in _kind_checks(line, today):
        errors.setdefault(name, []).append(problem)
    return errors


def _kind_checks(line: dict, today: date):
    expiry = line.get("expiry_date")
    if line["kind"] == "prepaid_cards" and expiry is not None and expiry < today:
        yield "expiry_date", f"The cards expired on {expiry.isoformat()}."
    imeis, serials = line.get("imeis") or [], line.get("serials") or []
    if imeis and line.get("category") not in IMEI_CATEGORIES:
        yield "imeis", f"A {line.get('category')} has no IMEI; give serials instead."
    if len(codes := line.get("codes") or []) > line["quantity"]:
        yield "codes", f"{len(codes)} given for {line['quantity']} cards."
    for name, values in (("imeis", imeis), ("serials", serials)):
        if len(values) > line["quantity"]:
            yield name, f"{len(values)} given for {line['quantity']} items."
        if repeated := duplicates(values):
            yield name, f"Given twice: {', '.join(repeated)}."


def identifiers_of(line) -> list[tuple[str, str]]:
    """The (scheme, value) of an announced line's identifiers: its IMEIs, then its serials."""
    return [("imei", v) for v in line.imeis] + [("serial", v) for v in line.serials]


def announced_units(line) -> list[tuple[int, str, str]]:
    """The (unit, scheme, value) of an announced line's identifiers, in the order of
    ``identifiers_of``: ``imeis[i]`` and ``serials[i]`` identify its ``i + 1``-th unit (the
    lists pair by place; a unit may have one and not the other)."""
    return [(unit, "imei", v) for unit, v in enumerate(line.imeis, start=1)] + [
        (unit, "serial", v) for unit, v in enumerate(line.serials, start=1)
    ]


def line_of(donation, line_id: str, kind: str):
    """The donation's line ``line_id``, which must be a ``kind`` line (a file's target)."""
    line = next((line for line in donation.lines if line.id == line_id), None)
    if line is None:
        raise LineNotFound(line_id, donation.id)
    if line.kind != kind:
        raise WrongLineKind(kind)
    return line
