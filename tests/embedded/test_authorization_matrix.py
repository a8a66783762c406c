"""The authorization matrix: role × endpoint × foreign object, generated from the gateway's
combined OpenAPI document, on the embedded system.

The operations and their ``x-roles`` are read from the document while pytest collects (a
throwaway embedded system serves it), so a new endpoint joins the matrix by itself; the
first test checks that the running system's document says the same. The world — two owners,
A and B, each a partner and a counter site with their objects — is built once, through the
gateway (``tests/support/world.py``). What is checked:

* function level: every operation × every role. Roles outside ``x-roles`` get 403
  ``forbidden`` (problem+json), even with a valid request; roles inside never do: their
  reads of their own objects work, their writes (aimed at objects that do not exist, so
  nothing changes) are answered 404/409/422 at worst.
* object level: every operation open to partner or counter keys whose path names a partner's
  or a site's object: B's key on A's object is refused (403/404) and changes nothing (the
  admin reads the same before and after); A's key on A's object works, writes with a valid
  request from ``WRITES``. Operations whose body names the owner (``BODY_OWNERS``): naming B
  with A's key is refused and creates nothing; naming A works.
* lists: what a partner or counter key lists shows none of the other owner's ids, unfiltered
  or filtered on the other owner's ids (``OTHER_SITES_ARE_PUBLIC``: where other sites show
  by design, and why). People are their home counter's: a counter's list and name search
  (``SEARCHES``: reads sent as POST so that no URL carries a name) show none of B's people,
  while a person enrolled at B is still reached, and served, by their exact code.
* the auditor: no read shows the personal values planted in the world.

Path parameters are filled from ``PARAMETERS``: a parameter it does not know, or a scoped
write without a request in the tables, fails the matrix and names the operation. Service
bugs the matrix found are ``KNOWN_SERVICE_BUGS``, each one case marked xfail (strict).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from services.common.tokens import ROLES
from services.embedded import EmbeddedSystem
from tests.support.openapi import resolved
from tests.support.waiting import wait_until
from tests.support.world import (
    MINUTES,
    WEBHOOK_SINK,
    Owner,
    World,
    answer_text,
    build_world,
    card_codes,
    embedded_environment,
    items,
    place_reserved_order,
    read_combined_document,
)

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
SCOPED_ROLE = {"partner": "partner", "site": "counter"}  # owner kind -> the role scoped to it
KIND_OF_ROLE = {role: kind for kind, role in SCOPED_ROLE.items()}

# Cases that fail because of a bug in services/ (reported, not fixed here): test[case] -> why.
KNOWN_SERVICE_BUGS: dict[str, str] = {}


# the operations, from the document ---------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    roles: tuple[str, ...]
    path_parameters: dict[str, dict] = field(hash=False)  # name -> schema
    query_parameters: tuple[str, ...] = ()
    body_media: tuple[str, ...] = ()
    body_properties: tuple[str, ...] = ()  # a JSON body's top-level fields
    answers_json: bool = True

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def reads(self) -> bool:
        return self.method == "GET"


def operations_of(document: dict) -> list[Operation]:
    """Every operation that asks for a key (the open ``/health`` paths say ``security: []``)."""
    return [
        _operation(document, path, method, item)
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item and item[method].get("security") != []
    ]


def _operation(document: dict, path: str, method: str, item: dict) -> Operation:
    operation = item[method]
    parameters = [
        resolved(document, parameter)
        for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]
    ]
    body = operation.get("requestBody", {}).get("content", {})
    json_body = resolved(document, body.get("application/json", {}).get("schema", {}))
    answers = operation.get("responses", {})
    success = next((answers[code] for code in sorted(answers) if code.startswith("2")), {})
    return Operation(
        method=method.upper(),
        path=path,
        roles=tuple(operation.get("x-roles", ())),
        path_parameters={p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "path"},
        query_parameters=tuple(p["name"] for p in parameters if p["in"] == "query"),
        body_media=tuple(body),
        body_properties=tuple(json_body.get("properties", {})),
        answers_json="application/json" in resolved(document, success).get("content", {}),
    )


DOCUMENT = read_combined_document()
OPERATIONS = operations_of(DOCUMENT)
BY_NAME = {str(operation): operation for operation in OPERATIONS}


# path parameters ---------------------------------------------------------------------------


class UnknownParameter(LookupError):
    pass


def _beneficiary_or_limit(world: World, owner: Owner, path: str) -> str:
    if path.startswith("/api/sales/beneficiaries/"):
        return owner.beneficiary_code
    if path.startswith("/api/sales/limits/"):
        return world.limit_code
    raise UnknownParameter(f"'code' in {path}: the matrix does not know a code of what")


@dataclass(frozen=True)
class Parameter:
    value: Callable[[World, Owner, str], str]  # (world, owner, path template) -> value
    owned_by: str | None  # "partner" or "site": whose object it names
    shared_because: str = ""  # when no one owns it: why every key of a role may reach it


PARAMETERS: dict[str, Parameter] = {
    "partner_id": Parameter(lambda w, o, p: o.partner_id, "partner"),
    "donation_id": Parameter(lambda w, o, p: o.donation_id, "partner"),
    "line_id": Parameter(lambda w, o, p: o.cards_line_id, "partner"),
    "site_id": Parameter(lambda w, o, p: o.site_id, "site"),
    "order_id": Parameter(lambda w, o, p: o.sold_order_id, "site"),
    "card_id": Parameter(lambda w, o, p: o.card_ids[0], "site"),
    "reservation_id": Parameter(lambda w, o, p: o.reservation_id, "site"),
    "transfer_id": Parameter(lambda w, o, p: o.transfer_id, "site"),
    "device_id": Parameter(
        lambda w, o, p: w.device_id, None, "devices are read by unscoped roles only"
    ),
    "organisation_id": Parameter(
        lambda w, o, p: w.organisation_id, None, "referring organisations serve every counter"
    ),
    "code": Parameter(
        _beneficiary_or_limit,
        None,
        "a referred person may be served at any counter; limit rules are programme-wide",
    ),
    "version": Parameter(
        lambda w, o, p: str(w.price_grid_version), None, "price grids are programme-wide"
    ),
    "key_id": Parameter(lambda w, o, p: w.spare_key_id, None, "API keys are an admin's only"),
    "report_id": Parameter(
        lambda w, o, p: w.report_id, None, "monthly reports are the programme's, read by admins"
    ),
    "webhook_id": Parameter(lambda w, o, p: o.webhook_id, "partner"),
    "delivery_id": Parameter(lambda w, o, p: o.webhook_delivery_id, "partner"),
}

# Reads sent as POST (the body keeps names out of URLs and logs): a request finding ``owner``'s
# objects by what only a personal search knows.
SEARCHES: dict[str, Callable[[Owner], dict]] = {
    "POST /api/sales/beneficiaries/search": lambda owner: {
        "json": {"name": owner.beneficiary_name}
    },
}

# Answers where a counter key sees other sites, and what they own, by design.
OTHER_SITES_ARE_PUBLIC = {
    "GET /api/inventory/sites": "the programme's sites are listed to every key",
    "GET /api/inventory/sites/{site_id}": "any site's address is public to every key",
    "GET /api/sales/sites": "sales' copy of the site list, public to every key",
    "GET /api/sales/sites/{site_id}/catalogue": "what a counter has on sale is public",
    "GET /api/sales/impact/monthly": "programme impact per site and month is published",
    "GET /api/sales/impact/monthly.csv": "the same impact, as CSV for funders",
}


def fill(
    operation: Operation,
    world: World,
    owners: Owner | dict[str, Owner],
    objects: dict[str, str] | None = None,
) -> str:
    """The operation's path naming the objects of ``owners`` (one, or one per parameter);
    ``objects`` (parameter -> Owner attribute) overrides the registry's choice."""
    path = operation.path
    for name in operation.path_parameters:
        owner = owners[name] if isinstance(owners, dict) else owners
        if objects and name in objects:
            value = getattr(owner, objects[name])
        elif name in PARAMETERS:
            try:
                value = PARAMETERS[name].value(world, owner, operation.path)
            except UnknownParameter as exc:
                pytest.fail(str(exc))
        else:
            pytest.fail(f"{operation}: path parameter {name!r} is not in PARAMETERS")
        path = path.replace(f"{{{name}}}", value)
    return path


def ghost(operation: Operation) -> str:
    """The operation's path naming objects that do not exist."""
    path = operation.path
    for name, schema in operation.path_parameters.items():
        if schema.get("format") == "uuid":
            value = str(uuid.uuid4())
        elif schema.get("type") == "integer":
            value = "999999"
        else:
            value = f"no-such-{name}"
        path = path.replace(f"{{{name}}}", value)
    return path


def owned_parameters(operation: Operation) -> list[str]:
    return [
        name
        for name in operation.path_parameters
        if name in PARAMETERS and PARAMETERS[name].owned_by
    ]


def owned_kinds(operation: Operation) -> set[str]:
    """The kinds of owner ("partner", "site") of the objects the path names whose scoped
    role may call the operation (sites excepted where other sites are public)."""
    kinds = {PARAMETERS[name].owned_by for name in owned_parameters(operation)}
    if str(operation) in OTHER_SITES_ARE_PUBLIC:
        kinds.discard("site")
    return {kind for kind in kinds if SCOPED_ROLE[kind] in operation.roles}


# valid requests for the scoped writes ------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A valid request on ``owner``'s object. ``objects``: path parameter -> Owner attribute
    when it needs another object than the registry's (an order still reserved, a donation
    still announced); ``also_read``: admin reads that show the write's effect when the
    object's own reads do not."""

    request: Callable[[World, Owner], dict]
    objects: dict[str, str] = field(default_factory=dict)
    also_read: Callable[[Owner], list[str]] = lambda owner: []


def _csv(text: str) -> dict:
    return {"data": text.encode(), "headers": {"Content-Type": "text/csv"}}


def _codes_file(_world: World, _owner: Owner) -> dict:
    [code] = card_codes(1)
    return _csv(f"serial,pin\n{code['serial']},{code['pin']}\n")


WRITES: dict[str, Write] = {
    "PATCH /api/donations/partners/{partner_id}": Write(
        lambda w, o: {"json": {"contacts": [o.contact]}}
    ),
    "PUT /api/donations/donations/{donation_id}/lines/{line_id}/identifiers": Write(
        lambda w, o: _csv(f"serial\nSN-{uuid.uuid4().hex[:12]}\n"),
        {"donation_id": "pending_donation_id", "line_id": "pending_hardware_line_id"},
    ),
    # No read shows codes of an announced line: its room for one code is the witness (a
    # foreign upload that got through would make the owner's own upload fail).
    "PUT /api/donations/donations/{donation_id}/lines/{line_id}/codes": Write(
        _codes_file,
        {"donation_id": "pending_donation_id", "line_id": "pending_cards_line_id"},
    ),
    "POST /api/inventory/transfers/{transfer_id}/reception": Write(lambda w, o: {}),
    "PATCH /api/donations/webhooks/{webhook_id}": Write(
        lambda w, o: {"json": {"description": "matrix"}}
    ),
    "DELETE /api/donations/webhooks/{webhook_id}": Write(
        lambda w, o: {}, {"webhook_id": "spare_webhook_id"}
    ),
    "POST /api/donations/webhooks/{webhook_id}/secret-rotation": Write(lambda w, o: {}),
    "POST /api/donations/webhooks/{webhook_id}/ping": Write(lambda w, o: {}),
    "POST /api/donations/webhooks/{webhook_id}/deliveries/{delivery_id}/replay": Write(
        lambda w, o: {}
    ),
    "POST /api/inventory/orders/{order_id}/card-codes/reveal": Write(
        lambda w, o: {},
        also_read=lambda o: [f"/api/inventory/cards?site_id={o.site_id}&state=sold"],
    ),
    "POST /api/sales/orders/{order_id}/completion": Write(
        lambda w, o: {"json": {"payment_method": "card"}}, {"order_id": "open_order_id"}
    ),
    "POST /api/sales/orders/{order_id}/cancellation": Write(
        lambda w, o: {"json": {"reason": "matrix"}}, {"order_id": "spare_order_id"}
    ),
}


@dataclass(frozen=True)
class BodyOwner:
    """A write whose body names its owner: a valid request for ``owner``, and the admin's
    read of what ``owner`` has of that kind."""

    request: Callable[[World, Owner], dict]
    witness: Callable[[Owner], str]


def _enrolment(world: World, owner: Owner) -> dict:
    person = {
        "display_name": "M. Matrice",
        "home_site_id": owner.site_id,
        "organisation_id": world.organisation_id,
        "referred_on": date.today().isoformat(),
    }
    return {"json": person}


def _announcement(_world: World, owner: Owner) -> dict:
    lines = [{"kind": "hardware_lot", "category": "tablet", "quantity": 1}]
    return {"json": {"partner_id": owner.partner_id, "site_id": owner.site_id, "lines": lines}}


def _count(_world: World, owner: Owner) -> dict:
    count = {"site_id": owner.site_id, "product_key": MINUTES, "counted": 90, "reason": "count"}
    return {"json": count}


BODY_OWNERS: dict[str, BodyOwner] = {
    "POST /api/donations/donations": BodyOwner(
        _announcement, lambda o: f"/api/donations/donations?partner_id={o.partner_id}"
    ),
    "POST /api/donations/webhooks": BodyOwner(
        lambda w, o: {
            "json": {"partner_id": o.partner_id, "url": WEBHOOK_SINK, "kinds": ["webhook.test"]}
        },
        lambda o: f"/api/donations/webhooks?partner_id={o.partner_id}",
    ),
    "POST /api/inventory/stock/counts": BodyOwner(
        _count, lambda o: f"/api/inventory/stock?site_id={o.site_id}"
    ),
    "POST /api/sales/beneficiaries": BodyOwner(
        _enrolment, lambda o: f"/api/sales/beneficiaries?home_site_id={o.site_id}"
    ),
}

# Body fields that name an owner, by kind.
OWNER_FIELDS = {
    "partner_id": "partner",
    "site_id": "site",
    "home_site_id": "site",
    "from_site_id": "site",
    "to_site_id": "site",
}


def body_owner_kinds(operation: Operation) -> set[str]:
    kinds = {OWNER_FIELDS[name] for name in operation.body_properties if name in OWNER_FIELDS}
    return {kind for kind in kinds if SCOPED_ROLE[kind] in operation.roles}


def empty_request(operation: Operation) -> dict:
    """An empty body of the operation's media type (invalid where a body is required)."""
    if not operation.body_media:
        return {}
    if "application/json" in operation.body_media:
        return {"json": {}}
    return {"data": b"", "headers": {"Content-Type": operation.body_media[0]}}


def valid_request(operation: Operation, world: World, owner: Owner) -> dict:
    if str(operation) in WRITES:
        return WRITES[str(operation)].request(world, owner)
    if str(operation) in BODY_OWNERS:
        return BODY_OWNERS[str(operation)].request(world, owner)
    return empty_request(operation)


# the cases ---------------------------------------------------------------------------------


def _cases(test: str, cases: list[tuple[tuple, str]]) -> list:
    """pytest params with readable ids; a known service bug's case is a strict xfail."""
    params = []
    for values, case_id in cases:
        bug = KNOWN_SERVICE_BUGS.get(f"{test}[{case_id}]")
        marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
        params.append(pytest.param(*values, id=case_id, marks=marks))
    return params


def _as(operation: Operation, role: str) -> tuple[tuple, str]:
    return (operation, role), f"{operation} as {role}"


def function_level_cases(test: str) -> list:
    return _cases(test, [_as(operation, role) for operation in OPERATIONS for role in ROLES])


def _owner_cases(test: str, kinds_of: Callable[[Operation], set[str]]) -> list:
    """Each operation as the scoped role of each kind of owner ``kinds_of`` finds in it."""
    return _cases(
        test,
        [
            _as(operation, SCOPED_ROLE[kind])
            for operation in OPERATIONS
            for kind in sorted(kinds_of(operation))
        ],
    )


def object_level_cases(test: str) -> list:
    return _owner_cases(test, owned_kinds)


def body_owner_cases(test: str) -> list:
    return _owner_cases(test, body_owner_kinds)


def list_cases(test: str) -> list:
    return _cases(
        test,
        [
            _as(operation, role)
            for operation in OPERATIONS
            if operation.reads and not operation.path_parameters
            for role in ("partner", "counter")
            if role in operation.roles
            and not (role == "counter" and str(operation) in OTHER_SITES_ARE_PUBLIC)
        ],
    )


def auditor_cases(test: str) -> list:
    readable = [op for op in OPERATIONS if op.reads and "auditor" in op.roles]
    return _cases(test, [((operation,), str(operation)) for operation in readable])


# the world and how to ask it -----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        embedded_environment(patch, str(tmp_path_factory.mktemp("matrix")), "matrix")
        system = EmbeddedSystem(gateway_port=0).start()
        try:
            yield build_world(system)
        finally:
            system.stop()


def call(world: World, operation: Operation, path: str, key: str, request: dict):
    return world.gateway.call(operation.method, path, key, **request)


def shown(response) -> str:
    return f"{response.status_code} {response.text[:300]}"


def problem_code(response) -> str | None:
    if not response.headers.get("Content-Type", "").startswith("application/problem+json"):
        return None
    return response.json().get("code")


def admin_reads(world: World, paths: list[str]) -> dict[str, Any]:
    answers = {}
    for path in paths:
        response = world.gateway.call("GET", path, world.keys["admin"])
        assert response.status_code == 200, f"admin GET {path}: {shown(response)}"
        answers[path] = response.json()
    return answers


def witnesses(operation: Operation, write: Write, world: World) -> list[str]:
    """The admin's reads of both owners' objects a write names: the JSON reads whose path
    parameters are all among the write's, and the write's own ``also_read``."""
    names = set(operation.path_parameters)
    reads = [
        read
        for read in OPERATIONS
        if read.reads and read.answers_json and read.path_parameters
        if set(read.path_parameters) <= names
    ]
    paths = []
    for owner in world.owners():
        paths += [fill(read, world, owner, write.objects) for read in reads]
        paths += write.also_read(owner)
    return paths


# the matrix is the document's --------------------------------------------------------------


def test_the_matrix_is_built_from_the_running_systems_document(world):
    live = world.gateway.call("GET", "/openapi.json", None).json()
    assert "x-unavailable-services" not in live
    roles = {str(operation): operation.roles for operation in operations_of(live)}
    assert roles == {str(operation): operation.roles for operation in OPERATIONS}
    assert [name for name, allowed in roles.items() if not allowed] == []


def test_every_path_parameter_is_in_the_registry():
    unknown = sorted(
        f"{name!r} in {operation}"
        for operation in OPERATIONS
        for name in operation.path_parameters
        if name not in PARAMETERS
    )
    assert not unknown, f"path parameters the matrix does not know: {unknown}"
    unexplained = [name for name, p in PARAMETERS.items() if not (p.owned_by or p.shared_because)]
    assert unexplained == [], "parameters naming no one's objects must say why"


def test_every_scoped_write_has_a_valid_request_in_the_tables():
    object_writes = {str(op) for op in OPERATIONS if not op.reads and owned_kinds(op)}
    body_writes = {str(op) for op in OPERATIONS if body_owner_kinds(op)}
    missing = sorted((object_writes - set(WRITES)) | (body_writes - set(BODY_OWNERS)))
    assert not missing, f"scoped writes without a valid request in WRITES/BODY_OWNERS: {missing}"
    named = set(WRITES) | set(BODY_OWNERS) | set(OTHER_SITES_ARE_PUBLIC) | set(SEARCHES)
    assert sorted(named - set(BY_NAME)) == [], "table entries naming no operation"


# function level ----------------------------------------------------------------------------


@pytest.mark.parametrize(("operation", "role"), function_level_cases("test_function_level"))
def test_function_level(world, operation, role):
    key = world.key(role)
    if role not in operation.roles:
        path = fill(operation, world, world.a)
        response = call(world, operation, path, key, valid_request(operation, world, world.a))
        assert response.status_code == 403 and problem_code(response) == "forbidden", (
            f"{path} as {role}, not in x-roles {list(operation.roles)}: {shown(response)}"
        )
    elif operation.reads:
        path = fill(operation, world, world.a)
        response = call(world, operation, path, key, {})
        assert 200 <= response.status_code < 300, f"{path} as {role}: {shown(response)}"
    else:  # aimed at objects that do not exist: admitted, then answered 404/409/422
        path = ghost(operation)
        response = call(world, operation, path, key, empty_request(operation))
        assert response.status_code not in (401, 403) and response.status_code < 500, (
            f"{path} as {role}, in x-roles: {shown(response)}"
        )


# lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "role"), list_cases("test_lists_show_nothing_of_another_owner")
)
def test_lists_show_nothing_of_another_owner(world, operation, role):
    kind = KIND_OF_ROLE[role]
    theirs = world.b.owned_ids(kind)
    queries = [{}] + [
        {name: PARAMETERS[name].value(world, world.b, operation.path)}
        for name in operation.query_parameters
        if name in PARAMETERS and PARAMETERS[name].owned_by == kind
    ]
    for query in queries:
        response = world.gateway.call("GET", operation.path, world.a.key_for(role), params=query)
        assert response.status_code == 200, f"{operation} {query}: {shown(response)}"
        text = answer_text(response)
        leaked = sorted(value for value in theirs if value in text)
        assert not leaked, f"{operation} {query} as {role} of A shows B's {leaked}"


# searches and people of other sites --------------------------------------------------------


def test_every_search_is_in_the_table():
    searches = {str(op) for op in OPERATIONS if op.method == "POST" and op.path.endswith("/search")}
    assert searches == set(SEARCHES)


def search_cases(test: str) -> list:
    return _cases(
        test,
        [
            _as(BY_NAME[name], role)
            for name in SEARCHES
            for role in ("partner", "counter")
            if role in BY_NAME[name].roles
        ],
    )


@pytest.mark.parametrize(("operation", "role"), search_cases("test_searches_find_only_ones_own"))
def test_searches_find_only_ones_own(world, operation, role):
    """A's key searching for B's objects finds none of them (the admin's search does), and
    finds A's own."""
    kind, search = KIND_OF_ROLE[role], SEARCHES[str(operation)]
    admin = world.gateway.call("POST", operation.path, world.keys["admin"], **search(world.b))
    assert world.b.beneficiary_code in answer_text(admin), f"admin: {shown(admin)}"
    theirs = world.gateway.call("POST", operation.path, world.a.key_for(role), **search(world.b))
    assert theirs.status_code == 200, f"{operation} for B as {role} of A: {shown(theirs)}"
    leaked = sorted(value for value in world.b.owned_ids(kind) if value in answer_text(theirs))
    assert not leaked, f"{operation} as {role} of A shows B's {leaked}"
    own = world.gateway.call("POST", operation.path, world.a.key_for(role), **search(world.a))
    assert world.a.beneficiary_code in answer_text(own), f"own search: {shown(own)}"


def test_a_person_enrolled_at_another_site_is_reached_and_served_by_exact_code(world):
    """Counter A lists none of B's people, but B's person, named by code, is read, has their
    allowance shown, and is sold to at A (the order is then cancelled: the world is kept)."""
    key, person = world.a.counter_key, world.b.beneficiary_code
    read = world.gateway.call("GET", f"/api/sales/beneficiaries/{person}", key)
    assert (read.status_code, read.json()["display_name"]) == (200, world.b.beneficiary_name)
    allowance = world.gateway.call("GET", f"/api/sales/beneficiaries/{person}/allowance", key)
    assert allowance.status_code == 200, shown(allowance)
    served = Owner("B at A", world.a.city, site_id=world.a.site_id, counter_key=key)
    served.beneficiary_code = person
    order_id = place_reserved_order(world, served)
    path = f"/api/sales/orders/{order_id}/cancellation"
    world.gateway.ok("POST", path, key, json={"reason": "matrix"})
    released = f"/api/inventory/reservations?order_id={order_id}&state=released"
    wait_until(lambda: items(world.gateway.ok("GET", released, world.keys["admin"])))


# the auditor -------------------------------------------------------------------------------


def personal_values(world: World) -> list[str]:
    """Contacts of partners and of the organisation; people's names, contacts, reasons."""
    return [*world.personal, *world.a.personal, *world.b.personal]


def reads_of_both_owners(world: World, operation: Operation, key: str) -> dict[str, str]:
    answers = {}
    for owner in world.owners():
        path = fill(operation, world, owner)
        response = world.gateway.call("GET", path, key)
        assert response.status_code == 200, f"{path}: {shown(response)}"
        answers[path] = answer_text(response)
    return answers


def test_the_planted_personal_values_show_to_an_admin(world):
    """So that the auditor's checks look for values the system does hold and show."""
    admin_sees = "".join(
        text
        for operation in OPERATIONS
        if operation.reads and "auditor" in operation.roles
        for text in reads_of_both_owners(world, operation, world.keys["admin"]).values()
    )
    planted = [*personal_values(world), *world.technicians]
    assert [value for value in planted if value not in admin_sees] == []


@pytest.mark.parametrize("operation", auditor_cases("test_the_auditor_sees_no_personal_data"))
def test_the_auditor_sees_no_personal_data(world, operation):
    for path, text in reads_of_both_owners(world, operation, world.keys["auditor"]).items():
        found = [value for value in personal_values(world) if value in text]
        assert not found, f"{path} shows the auditor {found}"


@pytest.mark.parametrize("operation", auditor_cases("test_the_auditor_sees_no_technicians_name"))
def test_the_auditor_sees_no_technicians_name(world, operation):
    """Who wiped and verified a device is personal too: device records leave it out for
    auditor keys (``tests/service/test_inventory_authorization.py``)."""
    for path, text in reads_of_both_owners(world, operation, world.keys["auditor"]).items():
        found = [value for value in world.technicians if value in text]
        assert not found, f"{path} shows the auditor {found}"


# object level: another owner's objects -----------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "role"), object_level_cases("test_another_owners_object_is_refused_unchanged")
)
def test_another_owners_object_is_refused_unchanged(world, operation, role):
    """B's key on A's object; where the path names two objects, also on B's own with A's
    inside it (B's donation, A's line). The admin reads the same before and after a write."""
    write = WRITES.get(str(operation), Write(lambda w, o: {}))
    attempts: list[Owner | dict[str, Owner]] = [world.a]
    if len(owned := owned_parameters(operation)) > 1:
        attempts.append({**dict.fromkeys(operation.path_parameters, world.b), owned[-1]: world.a})
    seen = [] if operation.reads else witnesses(operation, write, world)
    before = admin_reads(world, seen)
    for owners in attempts:
        path = fill(operation, world, owners, write.objects)
        request = {} if operation.reads else write.request(world, world.b)
        response = call(world, operation, path, world.b.key_for(role), request)
        assert response.status_code in (403, 404), f"{path} as {role} of B: {shown(response)}"
    assert operation.reads or seen, f"{operation}: no admin read shows what it changes"
    assert admin_reads(world, seen) == before


@pytest.mark.parametrize(
    ("operation", "role"),
    body_owner_cases("test_a_body_naming_another_owner_is_refused_creates_nothing"),
)
def test_a_body_naming_another_owner_is_refused_creates_nothing(world, operation, role):
    table = BODY_OWNERS[str(operation)]
    before = admin_reads(world, [table.witness(world.b)])
    request = table.request(world, world.b)
    response = call(world, operation, operation.path, world.a.key_for(role), request)
    assert response.status_code in (403, 404), f"{operation} naming B as A: {shown(response)}"
    assert admin_reads(world, [table.witness(world.b)]) == before


# object level: one's own objects (last: the writes change the world) -----------------------


@pytest.mark.parametrize(("operation", "role"), object_level_cases("test_ones_own_object_works"))
def test_ones_own_object_works(world, operation, role):
    if operation.reads:
        write = Write(lambda w, o: {})
    elif (write := WRITES.get(str(operation))) is None:
        pytest.fail(f"{operation}: no valid request in WRITES")
    path = fill(operation, world, world.a, write.objects)
    response = call(world, operation, path, world.a.key_for(role), write.request(world, world.a))
    assert 200 <= response.status_code < 300, f"{path} as {role} of A: {shown(response)}"


@pytest.mark.parametrize(
    ("operation", "role"), body_owner_cases("test_a_body_naming_ones_own_owner_works")
)
def test_a_body_naming_ones_own_owner_works(world, operation, role):
    request = BODY_OWNERS[str(operation)].request(world, world.a)
    response = call(world, operation, operation.path, world.a.key_for(role), request)
    assert 200 <= response.status_code < 300, f"{operation} naming A as A: {shown(response)}"
