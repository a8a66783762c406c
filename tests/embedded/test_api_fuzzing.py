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

from services.embedded import EmbeddedSystem

EXAMPLES_PER_OPERATION = 6
CHECKS = [not_a_server_error, response_schema_conformance, negative_data_rejection]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATA_DIR", str(tmp_path_factory.mktemp("fuzzing")))
        patch.setenv("EVENT_NAMESPACE", "fuzzing")
        patch.setenv("BROKER_URL", "memory://")
        patch.setenv("GATEWAY_RATE_LIMIT", "100000/second")
        for service in ("DONATIONS", "INVENTORY", "SALES", "GATEWAY"):
            patch.delenv(f"{service}_DATABASE_URL", raising=False)
        running = EmbeddedSystem(gateway_port=0).start()
        running.demo_keys = running.create_demo_keys()
        yield running
        running.stop()


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
