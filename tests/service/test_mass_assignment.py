"""Mass assignment: a client cannot set ids, states, prices, owners or sites by sending them.

Generated from each service's OpenAPI document: for every write operation with a JSON body,
every protected field the body schema does not declare is sent, one at a time, and must be
refused by name as an unknown field (422). Protected fields a schema does declare must be
listed in ``WRITABLE_BY_DESIGN`` with the rule that guards them, so a new one is reviewed.
"""

from __future__ import annotations

import uuid

from tests.support.auth import as_role
from tests.support.openapi import json_writes

PROTECTED_FIELDS = (
    "id",
    "state",
    "status",
    "created_at",
    "updated_at",
    "version",
    "actor",
    "owner",
    "partner_id",
    "site_id",
    "home_site_id",
    "organisation_id",
    "beneficiary_code",
    "code",
    "asset_tag",
    "receipt_number",
    "price_cents",
    "solidarity_cents",
    "market_cents",
    "total_cents",
    "grid_version",
    "approved",
    "approved_at",
    "approved_by",
    "active",
    "deactivated_at",
    "received_at",
    "revealed_at",
    "expires_at",
    "sequence",
)
# (service, method, path) -> protected fields the body may carry, and what guards them.
WRITABLE_BY_DESIGN = {
    ("donations", "PATCH", "/partners/{partner_id}"): {
        "active": "admin only: a partner key may change contacts only (403 field-not-writable)"
    },
    ("donations", "POST", "/donations"): {
        "partner_id": "a partner key announces for its own partner only (403 not-your-partner)",
        "site_id": "where the goods are delivered; checked by inventory at reception",
    },
    ("donations", "POST", "/webhooks"): {
        "partner_id": "an admin names the partner; a partner key registers for its own only"
    },
    ("inventory", "POST", "/stock/adjustments"): {"site_id": "admin only"},
    ("inventory", "POST", "/stock/counts"): {
        "site_id": "a counter key counts its own site only (404 otherwise)"
    },
    ("sales", "PUT", "/organisations/{organisation_id}/approval"): {"approved": "admin only"},
    ("sales", "POST", "/beneficiaries"): {
        "home_site_id": "a counter key enrols at its own site only (403 not-your-site)",
        "organisation_id": "must name an approved referring organisation",
    },
    ("sales", "POST", "/beneficiaries/search"): {
        "organisation_id": "a filter of a name search: it writes nothing"
    },
    ("sales", "POST", "/orders"): {
        "beneficiary_code": "whom the order is for; limits and eligibility are checked"
    },
}


def _operations(client):
    for method, path, roles, fields in json_writes(client):
        yield method, path, roles, set(fields)


def _caller(roles: list[str]) -> dict[str, str]:
    role = "admin" if "admin" in roles else roles[0]
    scope = {"partner": {"partner_id": uuid.uuid4()}, "counter": {"site_id": uuid.uuid4()}}
    return as_role(role, **scope.get(role, {}))


def _concrete(path: str) -> str:
    return (
        path.replace("{code}", "B-AAAAAAAAAAAAAAAA")
        .replace("{version}", "1")
        .replace("{", "")
        .replace("}", "")
        .replace("partner_id", str(uuid.uuid4()))
        .replace("organisation_id", str(uuid.uuid4()))
        .replace("device_id", str(uuid.uuid4()))
        .replace("donation_id", str(uuid.uuid4()))
        .replace("order_id", str(uuid.uuid4()))
        .replace("card_id", str(uuid.uuid4()))
        .replace("site_id", str(uuid.uuid4()))
        .replace("webhook_id", str(uuid.uuid4()))
        .replace("delivery_id", str(uuid.uuid4()))
        .replace("report_id", str(uuid.uuid4()))
    )


def test_protected_fields_are_refused_by_name_on_every_write(each_service):
    name, _, client = each_service
    refused, accepted = [], []
    for method, path, roles, declared in _operations(client):
        for field in PROTECTED_FIELDS:
            if field in declared:
                continue
            response = client.open(
                _concrete(path), method=method, json={field: "x"}, headers=_caller(roles)
            )
            errors = (response.get_json() or {}).get("errors", {}).get("json", {})
            case = f"{method} {path} with {field!r}"
            if response.status_code == 422 and errors.get(field) == ["Unknown field."]:
                refused.append(case)
            else:
                accepted.append(f"{case}: {response.status_code} {response.get_json()}")

    assert accepted == []
    assert refused  # every service has write operations


def test_protected_fields_a_body_declares_are_reviewed(each_service):
    name, _, client = each_service
    declared = {
        (name, method, path): sorted(fields & set(PROTECTED_FIELDS))
        for method, path, _roles, fields in _operations(client)
        if fields & set(PROTECTED_FIELDS)
    }
    reviewed = {
        operation: sorted(fields)
        for operation, fields in WRITABLE_BY_DESIGN.items()
        if operation[0] == name
    }

    assert declared == reviewed
