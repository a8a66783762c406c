"""The worst request of every write operation of the combined OpenAPI document, and what it
costs the serving process: used by ``tests/embedded/test_worst_requests.py`` and by ``make
bench`` ("worst request memory").

Each body is the largest the gateway admits, built to make the service work as hard as it
can: a JSON body fills every property and every array to its documented maximum (shrunk
together until the body fits the gateway's limit and the number of values a service
decodes). Where a body refused early would measure nothing, the heaviest operations are also
sent valid bodies on real objects, each case with the answer it must get:

* ``POST /donations``: 500 hardware lines (``maxItems``) naming as many serials (64
  characters) and IMEIs as the values limit lets in, to be announced (201);
* each CSV upload aims at a real line taking ten million items: a file of empty rows (each a
  row to read and refuse, 422); a file at the maximum rows of the heaviest valid rows, all
  distinct (a 64-character serial and an IMEI per device; a 64-character serial and PIN per
  card, on a received line, so each code is sealed and forwarded at once), to be accepted
  (200); and the body limit of such rows, beyond the maximum (422, read no further);
* ``POST /donations/{id}/reception`` aims at a donation announced as the valid announcement
  above (500 lines of devices, each with a 64-character serial and an IMEI): every
  identifier named missing and one unknown on the last line (each looked up, then 422), and
  the whole donation received (200: every unit marked, the received event of every
  identifier written). These go last: the intake of the devices that follows, in the same
  process, would weigh on the requests measured after them.

Memory is the serving process's peak resident set during the request, above its resident
set before it (Linux: freed memory is handed back to the system and the peak is reset
through ``/proc/<pid>/clear_refs`` before each one, so that building the body does not leave
room the request then reuses unseen).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests
from stdnum import luhn

from services.common.blueprint import MAX_JSON_VALUES
from services.donations.domain.files import MAX_CODE_ROWS, MAX_IDENTIFIER_ROWS
from tests.support.openapi import resolved
from tests.support.waiting import wait_until

WRITE_METHODS = ("post", "put", "patch", "delete")
CSV_LINE_ITEMS = 10_000_000  # the largest line a partner may announce
CSV_HEADERS = {"identifiers": "serial,imei\n", "codes": "serial,pin,expiry_date\n"}
MAX_ROWS = {"identifiers": MAX_IDENTIFIER_ROWS, "codes": MAX_CODE_ROWS}
DONATIONS = "/api/donations/donations"
JSON = {"Content-Type": "application/json"}
RECEPTION = f"{DONATIONS}/{{donation_id}}/reception"


@dataclass(frozen=True)
class Cost:
    operation: str
    status: int
    seconds: float
    body_bytes: int
    peak_growth_mb: float
    expected: str = ""  # "2xx" or a status the case must get; "" when any 2xx/4xx will do

    @property
    def as_expected(self) -> bool:
        if self.expected == "2xx":
            return 200 <= self.status < 300
        return not self.expected or self.status == int(self.expected)


@dataclass(frozen=True)
class Case:
    """One request of the walk: its label, target, body, media type and expected answer."""

    label: str
    target: str
    body: bytes | None
    media: str | None
    expected: str = ""
    last: bool = False  # sent after every other case (what it sets off would weigh on them)


def write_operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    """(METHOD, path, operation) of every write operation."""
    for path, item in document["paths"].items():
        for method in WRITE_METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def unbounded_arrays(document: dict) -> list[str]:
    """Arrays without ``maxItems`` in any write operation's JSON body, named by where."""
    found: list[str] = []
    for method, path, operation in write_operations(document):
        schema = _json_body_schema(operation)
        if schema is not None:
            _collect_unbounded(document, schema, f"{method} {path}", found, set())
    return found


def _collect_unbounded(document, node, where, found, seen) -> None:
    if "$ref" in node:
        if node["$ref"] in seen:
            return
        seen = seen | {node["$ref"]}
    node = resolved(document, node)
    if node.get("type") == "array":
        if "maxItems" not in node:
            found.append(where)
        _collect_unbounded(document, node.get("items", {}), f"{where}[]", found, seen)
    for name, child in node.get("properties", {}).items():
        _collect_unbounded(document, child, f"{where}.{name}", found, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for child in node.get(key, []):
            _collect_unbounded(document, child, where, found, seen)


def _json_body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


# bodies ------------------------------------------------------------------------------------


def largest_json(document: dict, schema: dict, limit: int) -> bytes:
    """Every property given, every array at ``maxItems`` × a scale found so that the body
    fits ``limit`` bytes and the values a service decodes (arrays without a maximum count as
    100,000 long)."""
    low, high = 0.0, 1.0
    best = _encoded(document, schema, 0.0)
    if _admitted(body := _encoded(document, schema, 1.0), limit):
        return body
    for _ in range(12):
        middle = (low + high) / 2
        body = _encoded(document, schema, middle)
        if _admitted(body, limit):
            low, best = middle, body
        else:
            high = middle
    return best


def _admitted(body: bytes, limit: int) -> bool:
    values = body.count(b",") + body.count(b"{") + body.count(b"[")
    return len(body) <= limit and values <= MAX_JSON_VALUES


def _encoded(document: dict, schema: dict, scale: float) -> bytes:
    return json.dumps(_value(document, schema, scale, 0)).encode()


def _value(document: dict, node: dict, scale: float, depth: int) -> Any:
    node = resolved(document, node)
    for key in ("allOf", "oneOf", "anyOf"):
        if node.get(key):
            return _value(document, node[key][0], scale, depth)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth > 8:
            return {}
        return {
            name: _value(document, child, scale, depth + 1)
            for name, child in node.get("properties", {}).items()
            if not child.get("readOnly")
        }
    if kind == "array":
        count = max(1, int(node.get("maxItems", 100_000) * scale))
        item = _value(document, node.get("items", {}), scale, depth + 1)
        return [item] * count
    if "enum" in node:
        return node["enum"][0]
    if kind == "integer":
        return node.get("minimum", 1)
    if kind == "number":
        return float(node.get("minimum", 1))
    if kind == "boolean":
        return True
    return _text(node)


def _text(node: dict) -> str:
    formats: dict[str, Callable[[], str]] = {
        "uuid": lambda: str(uuid.uuid4()),
        "date": lambda: date.today().isoformat(),
        "date-time": lambda: datetime.now(UTC).isoformat(),
        "email": lambda: "a@example.org",
    }
    if node.get("format") in formats:
        return formats[node["format"]]()
    return "x" * min(node.get("maxLength", 64), 1000)


def largest_csv(header: str, limit: int) -> bytes:
    return header.encode() + b"\n" * (limit - len(header))


def serial(tag: str, n: int) -> str:
    """A 64-character serial, distinct for each ``n`` (and each walk's ``tag``)."""
    return f"{tag}-{n:012d}".rjust(64, "S")


def imei(n: int) -> str:
    """A valid 15-digit IMEI, distinct for each ``n`` below 10**12."""
    body = f"35{n:012d}"
    return body + luhn.calc_check_digit(body)


def valid_csv(what: str, tag: str, numbers: range, limit: int) -> bytes:
    """Distinct valid rows of the heaviest kind, for ``numbers`` or until ``limit`` bytes."""
    out = io.BytesIO()
    out.write(CSV_HEADERS[what].encode())
    for n in numbers:
        if what == "identifiers":
            row = f"{serial(tag, n)},{imei(n)}\n"
        else:
            row = f"{serial(tag, n)},{serial(tag + 'P', n)},2099-12-31\n"  # the PIN: 64 too
        if out.tell() + len(row) > limit:
            break
        out.write(row.encode())
    return out.getvalue()


# the walk ----------------------------------------------------------------------------------


class Walk:
    """Sends the worst requests of each write operation through the gateway with an admin
    key, measuring the serving process ``pid``."""

    def __init__(self, gateway_url: str, admin_key: str, pid: int, limit: int) -> None:
        self.url, self.pid, self.limit = gateway_url, pid, limit
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {admin_key}"
        self.document = self.http.get(f"{gateway_url}/openapi.json", timeout=30).json()
        self.tag = uuid.uuid4().hex[:8]  # this walk's serials and PINs are its own

    def costs(self) -> list[Cost]:
        self._ids = self._real_objects()
        costs, last = [], []
        for method, path, operation in write_operations(self.document):
            for case in self._cases(method, path, operation):
                if case.last:
                    last.append((method, path, case))
                else:
                    costs.append(self._cost(method, path, case))
        return costs + [self._cost(method, path, case) for method, path, case in last]

    def _real_objects(self) -> dict[str, str]:
        """The walk's partner and site, and the lines its uploads aim at, each taking ten
        million items: a hardware line of an announced donation (identifiers are given
        before the reception) and a prepaid-cards line of a received one (codes uploaded
        then are sealed and forwarded at once)."""
        site = _items(self.http.get(f"{self.url}/api/inventory/sites", timeout=30).json())
        partner = _items(self.http.get(f"{self.url}/api/donations/partners", timeout=30).json())
        ids = {"partner_id": partner[0]["id"], "site_id": site[0]["id"]}
        items = {"quantity": CSV_LINE_ITEMS}
        cards = {
            "kind": "prepaid_cards",
            "operator": "Orange",
            "product_name": "Recharge",
            "face_value_cents": 1000,
            "expiry_date": "2099-12-31",
            **items,
        }

        def announced(*lines: dict) -> dict | None:  # once donations has heard of the site
            body = {**ids, "lines": list(lines)}
            answer = self.http.post(f"{self.url}{DONATIONS}", json=body, timeout=30)
            return answer.json() if answer.status_code == 201 else None

        phones = wait_until(
            lambda: announced({"kind": "hardware_lot", "category": "smartphone", **items})
        )
        received = announced(cards)
        reception = {
            "lines": [{"line_id": received["lines"][0]["id"], "received_quantity": CSV_LINE_ITEMS}]
        }
        answer = self.http.post(
            f"{self.url}{DONATIONS}/{received['id']}/reception", json=reception, timeout=60
        )
        answer.raise_for_status()
        self._ids = ids
        schema = self.document["paths"][DONATIONS]["post"]["requestBody"]["content"]
        body, per_line = self._announcement(schema["application/json"]["schema"], 3 * 10**9)
        to_receive = self.http.post(
            f"{self.url}{DONATIONS}", data=body, headers=JSON, timeout=60
        ).json()
        self._to_receive = (to_receive["id"], [line["id"] for line in to_receive["lines"]])
        self._per_line = per_line
        return {
            **ids,
            "identifiers": f"{phones['id']}/{phones['lines'][0]['id']}",
            "codes": f"{received['id']}/{received['lines'][0]['id']}",
        }

    def _cases(self, method: str, path: str, operation: dict) -> Iterator[Case]:
        content = operation.get("requestBody", {}).get("content", {})
        for what, ids in self._ids.items():
            if path.endswith(f"/lines/{{line_id}}/{what}"):
                yield from self._upload_cases(what, path, ids)
                return
        target = _ghost(path)
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            yield Case(
                "", target, largest_json(self.document, schema, self.limit), "application/json"
            )
            if (method, path) == ("POST", DONATIONS):
                yield self._valid_announcement(schema)
            if (method, path) == ("POST", RECEPTION):
                yield from self._receptions()
        elif content:
            yield Case("", target, b"\0" * self.limit, next(iter(content)))
        else:
            yield Case("", target, None, None)

    def _upload_cases(self, what: str, path: str, ids: str) -> Iterator[Case]:
        donation_id, line_id = ids.split("/")
        target = path.replace("{donation_id}", donation_id).replace("{line_id}", line_id)
        cap = MAX_ROWS[what]
        yield Case("empty rows", target, largest_csv(CSV_HEADERS[what], self.limit), "text/csv")
        at_cap = valid_csv(what, self.tag, range(cap), self.limit)
        yield Case(f"{cap:,} valid rows, the maximum", target, at_cap, "text/csv", "2xx")
        beyond = valid_csv(what, self.tag, range(cap, 10**9), self.limit)
        yield Case("valid rows to the body limit", target, beyond, "text/csv", "422")

    def _valid_announcement(self, schema: dict) -> Case:
        """``maxItems`` hardware lines, each naming as many 64-character serials and IMEIs
        as the body limit and the values limit let in, every field at its longest."""
        body, per_line = self._announcement(schema, 2 * 10**9)
        count = len(json.loads(body)["lines"])
        label = f"valid: {count} lines of {per_line} serials and {per_line} IMEIs"
        return Case(label, DONATIONS, body, "application/json", "2xx")

    def _receptions(self) -> Iterator[Case]:
        """The donation announced to be received (``_real_objects``): every identifier
        named missing, and one unknown, so that each is looked up before the refusal; then
        the whole donation received, each line's devices counted."""
        donation_id, line_ids = self._to_receive
        per_line, target = self._per_line, RECEPTION.replace("{donation_id}", donation_id)
        missing = []
        for index, line_id in enumerate(line_ids):
            numbers = _numbers(3 * 10**9, index, per_line)
            named = [serial(self.tag, n) for n in numbers] + [imei(n) for n in numbers]
            missing.append(
                {"line_id": line_id, "received_quantity": 0, "missing_identifiers": named}
            )
        missing[-1]["missing_identifiers"].append(serial(self.tag, 10**12 - 1))  # on no line
        label = f"refused: {len(line_ids)} lines, every identifier named missing, one unknown"
        body = json.dumps({"lines": missing}).encode()
        yield Case(label, target, body, "application/json", "422", last=True)
        whole = [{"line_id": line, "received_quantity": per_line} for line in line_ids]
        label = f"valid: {len(line_ids)} lines of {per_line} devices with a serial and an IMEI"
        body = json.dumps({"lines": whole}).encode()
        yield Case(label, target, body, "application/json", "2xx", last=True)

    def _announcement(self, schema: dict, first: int) -> tuple[bytes, int]:
        """The announcement of ``_valid_announcement`` numbering its devices from ``first``,
        and its devices per line."""
        lines_schema = resolved(self.document, schema)["properties"]["lines"]
        count = resolved(self.document, lines_schema)["maxItems"]
        longest = resolved(self.document, lines_schema["items"])["properties"]
        texts = {
            name: "x" * resolved(self.document, longest[name])["maxLength"]
            for name in ("brand", "model", "declared_condition")
        }

        def body(per_line: int) -> bytes:
            lines = []
            for index in range(count):
                numbers = _numbers(first, index, per_line)
                lines.append(
                    {
                        "kind": "hardware_lot",
                        "category": "smartphone",
                        "quantity": per_line,
                        "declared_value_cents": 10_000_000,
                        **texts,
                        "serials": [serial(self.tag, n) for n in numbers],
                        "imeis": [imei(n) for n in numbers],
                    }
                )
            ids = {name: self._ids[name] for name in ("partner_id", "site_id")}
            return json.dumps({**ids, "lines": lines}).encode()

        empty = body(0)  # what the lines cost without identifiers, in values and bytes
        values = MAX_JSON_VALUES - empty.count(b",") - empty.count(b"{") - empty.count(b"[")
        per_line = min(values // (2 * count), (self.limit - len(empty)) // (2 * count * 68))
        while not _admitted(announcement := body(per_line), self.limit):
            per_line -= 1
        return announcement, per_line

    def _cost(self, method: str, path: str, case: Case) -> Cost:
        headers = {"Content-Type": case.media} if case.media else {}
        _hand_back_freed_memory()
        before = _rss_mb(self.pid)
        _reset_peak(self.pid)
        started = time.monotonic()
        response = self.http.request(
            method, f"{self.url}{case.target}", data=case.body, headers=headers, timeout=60
        )
        seconds = time.monotonic() - started
        growth = _peak_mb(self.pid) - before
        operation = f"{method} {path}" + (f" ({case.label})" if case.label else "")
        body_bytes = len(case.body or b"")
        return Cost(operation, response.status_code, seconds, body_bytes, growth, case.expected)


def _numbers(first: int, line: int, per_line: int) -> range:
    """The numbers of a line's devices in an announcement numbering them from ``first``."""
    return range(first + line * per_line, first + (line + 1) * per_line)


def _items(page: Any) -> list[dict]:
    return page["items"] if isinstance(page, dict) else page


def _ghost(path: str) -> str:
    while "{" in path:
        start = path.index("{")
        path = path[:start] + str(uuid.uuid4()) + path[path.index("}", start) + 1 :]
    return path


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(field)


def _rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def _peak_mb(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _hand_back_freed_memory() -> None:
    """Collect garbage and return the C heap's free pages to the system (glibc), so that the
    memory a body was built with is not reused unseen by the request it is sent with."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: measured as it is
        ctypes.CDLL("libc.so.6").malloc_trim(0)
