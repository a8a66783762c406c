"""Counters at work: each thread places orders for the people of its site and completes,
cancels or abandons them, as a counter would, through the gateway only.

A counter keeps going through faults: a refused connection or a 5xx is retried (placement
with the same ``Idempotency-Key``), and what each counter was told is kept, to be checked
against what the services recorded once everything is quiet.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests

PHONE, CARD = "device:smartphone:b", "card:orange:1000"
BASKETS = (
    [{"product_key": CARD, "quantity": 1}],
    [{"product_key": CARD, "quantity": 2}],
    [{"product_key": CARD, "quantity": 1}],
    [{"product_key": PHONE, "quantity": 1}, {"product_key": CARD, "quantity": 1}],
)
FINAL = ("rejected", "completed", "completion_refused", "cancelled", "expired")


@dataclass
class Told:
    """What one counter was told about one order, last answer last."""

    order_id: str
    site_id: str
    intent: str  # complete, cancel, abandon, late (complete after about the hold's TTL)
    answers: list[str] = field(default_factory=list)

    @property
    def last(self) -> str:
        return self.answers[-1] if self.answers else "none"


@dataclass
class LoadReport:
    told: list[Told] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)  # placement refusals by problem code
    errors: Counter = field(default_factory=Counter)  # transport errors and 5xx by step
    completion_seconds: list[float] = field(default_factory=list)
    completions: list[tuple[float, float]] = field(default_factory=list)  # asked, completed
    error_times: list[float] = field(default_factory=list)  # monotonic, one per error
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, told: Told) -> None:
        with self.lock:
            self.told.append(told)

    def count(self, counter: Counter, key: str) -> None:
        with self.lock:
            counter[key] += 1
            if counter is self.errors:
                self.error_times.append(time.monotonic())

    def errors_between(self, began: float, ended: float) -> int:
        with self.lock:
            return sum(began <= at < ended for at in self.error_times)

    def flowing_again(self, since: float) -> float | None:
        """Seconds from ``since`` to the first sale both asked and completed after it."""
        with self.lock:
            done = [ended for asked, ended in self.completions if asked >= since]
        return round(min(done) - since, 1) if done else None


class CounterDesk(threading.Thread):
    def __init__(
        self,
        gateway_url: str,
        key: str,
        site_id: str,
        people: list[str],
        report: LoadReport,
        stop: threading.Event,
        ttl: float,
        seed: int,
    ) -> None:
        super().__init__(name=f"counter-{site_id[:8]}-{seed}", daemon=True)
        self.url = f"{gateway_url}/api/sales/orders"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"
        self.site_id, self.people, self.report = site_id, people, report
        self.stop, self.ttl = stop, ttl
        self.random = random.Random(seed)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.serve_one()
            except Exception as error:  # noqa: BLE001 - a counter carries on; counted
                self.report.count(self.report.errors, f"unexpected {type(error).__name__}")
            self.stop.wait(self.random.uniform(0.05, 0.3))

    # one person at the counter --------------------------------------------------------------
    def serve_one(self) -> None:
        order = self.place(self.random.choice(self.people), self.random.choice(BASKETS))
        if order is None:
            return
        roll = self.random.random()
        intent = (
            "complete"
            if roll < 0.55
            else "late"
            if roll < 0.65
            else "cancel"
            if roll < 0.8
            else "abandon"
        )
        told = Told(order["id"], self.site_id, intent, [order["state"]])
        self.report.add(told)
        state = order["state"]
        for _ in range(3):  # a patient counter: inventory may be slow to answer
            if state != "pending":
                break
            state = self.follow(told)
        if state != "reserved" or intent == "abandon":
            return
        if intent == "late":
            self.stop.wait(self.random.uniform(self.ttl - 2.5, self.ttl + 1))
        else:
            self.stop.wait(self.random.uniform(0, 3))
        if intent == "cancel":
            self.cancel(told)
        else:
            self.complete(told)

    def place(self, person: str, lines: list[dict]) -> dict | None:
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"beneficiary_code": person, "lines": lines}
        for _ in range(20):
            answer = self.call("place", "post", self.url, json=body, headers=headers, wait=5)
            if answer is None or answer.status_code >= 500:
                time.sleep(0.5)
                continue
            if answer.status_code == 201:
                return answer.json()
            self.report.count(self.report.refusals, _problem(answer))
            return None
        return None

    def follow(self, told: Told) -> str:
        answer = self.call("follow", "get", f"{self.url}/{told.order_id}", wait=5)
        if answer is None or answer.status_code != 200:
            time.sleep(0.5)
            return told.last
        told.answers.append(answer.json()["state"])
        return told.last

    def ask_completion(self, told: Told, wait: int = 5) -> None:
        answer = self.call(
            "complete",
            "post",
            f"{self.url}/{told.order_id}/completion",
            json={"payment_method": "cash"},
            wait=wait,
        )
        if answer is None or answer.status_code >= 500:
            told.answers.append("unknown")
        elif answer.status_code in (200, 202):
            told.answers.append(answer.json()["state"])
        else:
            told.answers.append(_problem(answer))

    def complete(self, told: Told) -> None:
        began = time.monotonic()
        self.ask_completion(told)
        deadline = time.monotonic() + 60
        while told.last in ("completing", "unknown") and time.monotonic() < deadline:
            self.follow(told)  # until inventory has answered (`?wait` ends on any change)
            if told.last in ("completing", "unknown"):
                time.sleep(0.5)
        if told.last == "completed":
            with self.report.lock:
                self.report.completion_seconds.append(time.monotonic() - began)
                self.report.completions.append((began, time.monotonic()))

    def cancel(self, told: Told) -> None:
        answer = self.call(
            "cancel",
            "post",
            f"{self.url}/{told.order_id}/cancellation",
            json={"reason": "la personne est repartie"},
        )
        if answer is None or answer.status_code >= 500:
            told.answers.append("unknown")
        elif answer.status_code == 200:
            told.answers.append(answer.json()["state"])
        else:
            told.answers.append(_problem(answer))

    def call(self, step: str, method: str, url: str, *, wait: int = 0, **kwargs):
        params = {"wait": wait} if wait else None
        try:
            answer = self.http.request(method, url, params=params, timeout=20, **kwargs)
        except requests.RequestException as error:
            self.report.count(self.report.errors, f"{step}: {type(error).__name__}")
            return None
        if answer.status_code >= 500:
            self.report.count(self.report.errors, f"{step}: {answer.status_code}")
        return answer


def _problem(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return str(answer.status_code)
    kind = body.get("type") or body.get("code") or ""
    return f"{answer.status_code} {kind.rsplit('/', 1)[-1]}".strip()
