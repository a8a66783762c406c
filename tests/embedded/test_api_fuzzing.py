"""Schemathesis against the gateway's combined OpenAPI document, on the embedded system.

Every operation is called with generated input, valid and invalid, once with the admin key
and once with a partner key (the lowest privilege: one partner's own data): nothing may
answer 5xx, documented answers must match their schema, invalid input must be refused with a
4xx. Bounded for CI: a few examples per operation, no shrinking.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)

from tests.support.embedded import embedded_system

EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("fuzzing")
    with embedded_system(data_dir, "fuzzing", rate_limit="100000/second") as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(system):
    schema = schemathesis.openapi.from_url(f"{system.gateway_url}/openapi.json")
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES_PER_OPERATION,
        no_shrink=True,
    )
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _bearer(system, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.demo_keys[role]}"}


@schema.parametrize()
@BOUNDED
def test_with_the_admin_key(case, system):
    case.call_and_validate(headers=_bearer(system, "admin"), checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_with_a_partner_key(case, system):
    case.call_and_validate(headers=_bearer(system, "partner"), checks=CHECKS)
