"""Nothing a client sends makes a 500: bad input is a 4xx problem+json and changes nothing.

Bodies that cannot be read safely (nested too deep, numbers Python will not convert) and text
that is not valid Unicode are sent to every write operation of every service, found in its
OpenAPI document; dates at the calendar's edges and numbers beyond a column go where the
security review found them. Each case compares every table before and after.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import MetaData, select, update

from services.common.blueprint import NOT_UNICODE
from services.common.problems import install_problem_handlers
from services.donations.app import SERVICE as DONATIONS
from services.inventory.app import SERVICE as INVENTORY
from services.sales.app import SERVICE as SALES
from services.sales.models import Beneficiary
from tests.support.auth import as_role
from tests.support.donation_sites import open_site
from tests.support.inventory_workshop import ALL_PASS, add_site, receive_devices, wipe
from tests.support.openapi import json_writes
from tests.support.sales import PRICES, ready_desk

SITE_ID = str(uuid.uuid4())  # opened by inventory: donations accept it

PROBLEM = "application/problem+json"
# Where the security review found a lone surrogate reaching the database.
REVIEWED_WRITES = {
    ("donations", "POST", "/donations"),
    ("donations", "PATCH", "/partners/{partner_id}"),
    ("inventory", "POST", "/devices/bulk-transitions"),
    ("inventory", "POST", "/sites"),
    ("sales", "POST", "/beneficiaries"),
    ("sales", "POST", "/orders/{order_id}/cancellation"),
}
UNREADABLE = {
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "nested 40 deep": '{"a": ' * 40 + "1" + "}" * 40,
    "an integer of 5,000 digits": '{"x": ' + "9" * 5000 + "}",
    "NaN": '{"x": NaN}',
    "a number beyond floats": '{"x": 1e999}',
}


@pytest.fixture
def desk(sqlite_settings):
    runtime = SALES.runtime(sqlite_settings("sales"))
    yield ready_desk(runtime)
    runtime.dispose()


def everything(runtime) -> dict[str, list]:
    """Every row of every table, to show that a refused request wrote nothing."""
    tables = MetaData()
    tables.reflect(runtime.engine)
    with runtime.engine.connect() as connection:
        return {
            name: [tuple(row) for row in connection.execute(select(table))]
            for name, table in tables.tables.items()
        }


def send(client, method: str, path: str, roles: list[str], raw: str):
    role = "admin" if "admin" in roles else roles[0]
    scope = {"partner": {"partner_id": uuid.uuid4()}, "counter": {"site_id": uuid.uuid4()}}
    target = path.replace("{code}", "B-AAAAAAAAAAAAAAAA").replace("{version}", "1")
    while "{" in target:
        start = target.index("{")
        target = target[:start] + str(uuid.uuid4()) + target[target.index("}", start) + 1 :]
    return client.open(
        target,
        method=method,
        data=raw,
        content_type="application/json",
        headers=as_role(role, **scope.get(role, {})),
    )


def test_text_that_is_not_unicode_is_refused_by_name_on_every_write(each_service):
    name, runtime, client = each_service
    before = everything(runtime)
    refused, answered = set(), []
    for method, path, roles, fields in json_writes(client):
        body = "{" + ", ".join(f'"{field}": "x\\ud800"' for field in fields or ["x"]) + "}"
        response = send(client, method, path, roles, body)
        problem = response.get_json() or {}
        expected = {field: [NOT_UNICODE] for field in fields or ["x"]}
        if (response.status_code, response.mimetype) == (422, PROBLEM) and problem.get(
            "errors"
        ) == {"json": expected}:
            refused.add((name, method, path))
        else:
            answered.append(f"{method} {path}: {response.status_code} {problem}")

    assert answered == []
    assert {write for write in REVIEWED_WRITES if write[0] == name} <= refused
    assert everything(runtime) == before


@pytest.mark.parametrize("raw", UNREADABLE.values(), ids=UNREADABLE)
def test_json_that_cannot_be_read_safely_is_a_400_on_every_write(each_service, raw):
    _, runtime, client = each_service
    before = everything(runtime)
    answered = []
    for method, path, roles, _fields in json_writes(client):
        response = send(client, method, path, roles, raw)
        problem = response.get_json() or {}
        if (response.status_code, response.mimetype) != (400, PROBLEM) or "json" not in problem.get(
            "errors", {}
        ):
            answered.append(f"{method} {path}: {response.status_code} {problem}")

    assert answered == []
    assert everything(runtime) == before


@pytest.mark.parametrize(
    "change, errors",
    [
        (
            {"lines": [{"kind": "hardware_lot", "category": "smartphone", "brand": "\ud800"}]},
            {"lines": {"0": {"brand": [NOT_UNICODE]}}},
        ),
        ({"notes\udfff": "x"}, {"notes\\udfff": [NOT_UNICODE]}),
    ],
    ids=["a nested value", "a field's name"],
)
def test_text_that_is_not_unicode_is_found_wherever_it_hides(sqlite_settings, change, errors):
    runtime = DONATIONS.runtime(sqlite_settings("donations"))
    open_site(runtime, SITE_ID)
    client = DONATIONS.create_app({"RUNTIME": runtime}).test_client()
    partner = client.post("/partners", json={"name": "Opérateur", "kind": "telecom_operator"})
    before = everything(runtime)
    body = {"partner_id": partner.get_json()["id"], "site_id": SITE_ID, **change}

    response = client.post("/donations", json=body)  # \ud800 leaves escaped, as JSON allows

    assert (response.status_code, response.mimetype) == (422, PROBLEM)
    assert response.get_json()["errors"] == {"json": errors}
    assert everything(runtime) == before
    runtime.dispose()


@pytest.mark.parametrize(
    "dates",
    [{"starts_on": "9999-06-01"}, {"starts_on": "0001-01-01"}, {"referred_on": "9999-12-31"}],
)
def test_an_enrolment_dated_at_the_calendars_edge_is_refused(desk, dates):
    organisation = desk.organisation()
    before = everything(desk.runtime)

    response = desk.enrol(organisation, **dates)

    assert (response.status_code, response.mimetype) == (422, PROBLEM)
    [field] = dates
    assert response.get_json()["errors"] == {"json": {field: ["Give a year from 1900 to 2200."]}}
    assert everything(desk.runtime) == before


@pytest.mark.parametrize(
    "starts_on, ends_on", [(date(9999, 1, 1), date(9999, 9, 30)), (date(9999, 1, 1), date.max)]
)
def test_renewing_an_enrolment_past_year_9999_is_refused(desk, starts_on, ends_on):
    code = desk.person()
    with desk.runtime.engine.begin() as connection:  # dates no API accepts any more
        connection.execute(
            update(Beneficiary)
            .where(Beneficiary.code == code)
            .values(starts_on=starts_on, ends_on=ends_on)
        )
    before = everything(desk.runtime)

    response = desk.client.post(f"/beneficiaries/{code}/renewal")

    assert (response.status_code, response.mimetype) == (409, PROBLEM)
    assert response.get_json()["code"] == "renewal-refused"
    assert everything(desk.runtime) == before


@pytest.mark.parametrize(
    "validity",
    [
        {"valid_from": "0001-01-01T00:00:00+14:00"},
        {"valid_until": "9999-12-31T23:59:59-14:00"},
        {"valid_from": "1899-12-31T23:00:00+00:00"},
    ],
)
def test_a_price_grid_valid_at_the_calendars_edge_is_refused(desk, validity):
    before = everything(desk.runtime)

    response = desk.client.post("/price-grids", json={"entries": PRICES, **validity})

    assert (response.status_code, response.mimetype) == (422, PROBLEM)
    [field] = validity
    assert field in response.get_json()["errors"]["json"]
    assert everything(desk.runtime) == before


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_wipe_dated_at_the_calendars_edge_is_refused(sqlite_settings, at):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    client = INVENTORY.create_app({"RUNTIME": runtime}).test_client()
    [device] = receive_devices(runtime, add_site(runtime), 1)
    for step in ({"to": "diagnosing"}, {"to": "wiping", "diagnosis": ALL_PASS}):
        etag = client.get(f"/devices/{device.id}").headers["ETag"]
        client.post(f"/devices/{device.id}/transitions", json=step, headers={"If-Match": etag})
    before = everything(runtime)
    record = wipe()
    record["sanitised_by"]["at"] = at

    response = client.post(
        f"/devices/{device.id}/transitions",
        json={"to": "grading", "wipe": record},
        headers={"If-Match": client.get(f"/devices/{device.id}").headers["ETag"]},
    )

    assert (response.status_code, response.mimetype) == (422, PROBLEM)
    errors = response.get_json()["errors"]["json"]
    assert errors == {"wipe": {"sanitised_by": {"at": ["Give a year from 1900 to 2200."]}}}
    assert everything(runtime) == before
    runtime.dispose()


@pytest.mark.parametrize("version", ["99999999999999999999", "2147483648", "0", "-1"])
def test_a_price_grid_version_beyond_any_column_is_not_found(desk, version):
    response = desk.client.get(f"/price-grids/{version}")

    assert (response.status_code, response.mimetype) == (404, PROBLEM)
    assert desk.client.get("/price-grids/1").status_code == 200


@pytest.mark.parametrize(
    "error, status, code",
    [
        (RecursionError("maximum recursion depth exceeded"), 400, "input-too-deep"),
        (
            UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
            422,
            "unstorable-value",
        ),
        (
            OverflowError("Python int too large to convert to SQLite INTEGER"),
            422,
            "value-out-of-range",
        ),
    ],
)
def test_client_input_found_out_late_is_still_a_4xx_and_logged(error, status, code, caplog):
    app = Flask("late")
    install_problem_handlers(app)

    @app.post("/")
    def fails():
        raise error

    response = app.test_client().post("/")

    assert (response.status_code, response.mimetype) == (status, PROBLEM)
    assert response.get_json()["code"] == code
    assert any(record.exc_info and record.exc_info[1] is error for record in caplog.records)
