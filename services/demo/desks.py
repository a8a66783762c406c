"""Who acts in the demo: one desk per role and scope, calling the services in-process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response

from services.common.acting_client import ActingClient
from services.common.tokens import Principal

T = TypeVar("T")


class SeedError(RuntimeError):
    """A step of the demo was refused: the seed stops rather than leave a wrong story."""


class Desk:
    """Calls ``service`` paths (below each service's root) as ``principal``."""

    def __init__(self, apps: dict[str, Flask], principal: Principal) -> None:
        self.principal = principal
        self._clients = {
            name: ActingClient(app, app.response_class, principal=principal)
            for name, app in apps.items()
        }

    def send(self, method: str, service: str, path: str, **kwargs: Any) -> Response:
        return self._clients[service].open(path, method=method, **kwargs)

    def call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of a 2xx; any other status stops the seed with its body."""
        return self.answer(self.send(method, service, path, **kwargs), f"{method} {service}{path}")

    def answer(self, response: Response, what: str) -> Any:
        if response.status_code >= 300:
            raise SeedError(
                f"{self.principal.name}: {what} answered "
                f"{response.status_code} {response.get_data(as_text=True)[:500]}"
            )
        return response.get_json(silent=True)

    def get(self, service: str, path: str, **kwargs: Any) -> Any:
        return self.call("GET", service, path, **kwargs)

    def post(self, service: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", service, path, json=body, **kwargs)


def items(page: Any) -> list[dict]:
    return page["items"] if isinstance(page, dict) else page


def until(probe: Callable[[], T], what: str, timeout: float = 15.0) -> T:
    """``probe()``'s first truthy answer: for what an event brings a moment later."""
    deadline = time.monotonic() + timeout
    while not (answer := probe()):
        if time.monotonic() > deadline:
            raise SeedError(f"still waiting after {timeout:.0f} s for {what}")
        time.sleep(0.01)
    return answer
