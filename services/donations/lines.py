"""The typed donation lines: which fields each kind of gift takes, and its checks.

One table says it all; the API schema and the domain both read it, so a kind is described
once. ``quantity`` counts cards, minutes or megabytes, devices — and cents for funds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.donations.identifiers import IMEI_CATEGORIES, duplicates


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
