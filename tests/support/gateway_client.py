"""A client of the gateway's public door with one API key (the system, fault and browser
tests): ``url``, ``http`` (a ``requests`` session holding the key), ``get`` and ``post``
under ``/api/``."""

from __future__ import annotations

import requests


class Gateway:
    """The stack's public door, called with an admin key unless a request names another."""

    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {admin_key}"

    def get(self, path: str, **kwargs):
        return self.http.get(f"{self.url}/api/{path}", timeout=10, **kwargs)

    def post(self, path: str, body: dict, **kwargs):
        response = self.http.post(f"{self.url}/api/{path}", json=body, timeout=10, **kwargs)
        assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
        return response.json()
