"""The worst request of every write operation of the combined OpenAPI document, and what it
costs the serving process: used by ``tests/embedded/test_worst_requests.py`` and by ``make
bench`` ("worst request memory").

Each body is the largest the gateway admits, built to make the service work as hard as it
can: a JSON body fills every property and every array to its documented maximum (shrunk
together until the body fits the gateway's limit and the number of values a service
decodes); a CSV upload aims at a real line taking
ten million items and is filled with empty rows, each one a row to read and refuse.

Memory is the serving process's peak resident set during the request, above its resident
set before it (Linux: the peak is reset through ``/proc/<pid>/clear_refs`` before each one).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import requests

from services.common.blueprint import MAX_JSON_VALUES
from tests.support.openapi import resolved
from tests.support.waiting import wait_until

WRITE_METHODS = ("post", "put", "patch", "delete")
CSV_LINE_ITEMS = 10_000_000  # the largest line a partner may announce
CSV_HEADERS = {"identifiers": "serial,imei\n", "codes": "serial,pin,expiry_date\n"}


@dataclass(frozen=True)
class Cost:
    operation: str
    status: int
    seconds: float
    body_bytes: int
    peak_growth_mb: float


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


# the walk ----------------------------------------------------------------------------------


class Walk:
    """Sends the worst request of each write operation through the gateway with an admin
    key, measuring the serving process ``pid``."""

    def __init__(self, gateway_url: str, admin_key: str, pid: int, limit: int) -> None:
        self.url, self.pid, self.limit = gateway_url, pid, limit
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {admin_key}"
        self.document = self.http.get(f"{gateway_url}/openapi.json", timeout=30).json()

    def costs(self) -> list[Cost]:
        lines = self._csv_lines()
        return [
            self._cost(method, path, operation, lines)
            for method, path, operation in write_operations(self.document)
        ]

    def _csv_lines(self) -> dict[str, str]:
        """An announced donation with a hardware and a prepaid-cards line of ten million
        items: path -> the line's donation and line ids."""
        site = self.http.get(f"{self.url}/api/inventory/sites", timeout=30).json()
        partner = self.http.get(f"{self.url}/api/donations/partners", timeout=30).json()
        items = {"quantity": CSV_LINE_ITEMS}
        body = {
            "partner_id": _items(partner)[0]["id"],
            "site_id": _items(site)[0]["id"],
            "lines": [
                {"kind": "hardware_lot", "category": "smartphone", **items},
                {
                    "kind": "prepaid_cards",
                    "operator": "Orange",
                    "product_name": "Recharge",
                    "face_value_cents": 1000,
                    "expiry_date": "2099-12-31",
                    **items,
                },
            ],
        }

        def announced() -> dict | None:  # once donations has heard of the site from inventory
            answer = self.http.post(f"{self.url}/api/donations/donations", json=body, timeout=30)
            return answer.json() if answer.status_code == 201 else None

        donation = wait_until(announced)
        hardware, cards = (line["id"] for line in donation["lines"])
        return {"identifiers": f"{donation['id']}/{hardware}", "codes": f"{donation['id']}/{cards}"}

    def _cost(self, method: str, path: str, operation: dict, lines: dict[str, str]) -> Cost:
        target, body, media = self._request(path, operation, lines)
        headers = {"Content-Type": media} if media else {}
        before = _rss_mb(self.pid)
        _reset_peak(self.pid)
        started = time.monotonic()
        response = self.http.request(
            method, f"{self.url}{target}", data=body, headers=headers, timeout=60
        )
        seconds = time.monotonic() - started
        growth = _peak_mb(self.pid) - before
        return Cost(f"{method} {path}", response.status_code, seconds, len(body or b""), growth)

    def _request(self, path: str, operation: dict, lines: dict[str, str]):
        content = operation.get("requestBody", {}).get("content", {})
        for kind, ids in lines.items():
            if path.endswith(f"/lines/{{line_id}}/{kind}"):
                donation_id, line_id = ids.split("/")
                target = path.replace("{donation_id}", donation_id).replace("{line_id}", line_id)
                return target, largest_csv(CSV_HEADERS[kind], self.limit), "text/csv"
        target = _ghost(path)
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            return target, largest_json(self.document, schema, self.limit), "application/json"
        if content:
            media = next(iter(content))
            return target, b"\0" * self.limit, media
        return target, None, None


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
