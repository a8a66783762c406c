"""The embedded system (``make run``) started for a test module, with its demo keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.embedded import EmbeddedSystem


@contextmanager
def embedded_system(
    data_dir, namespace: str, rate_limit: str | None = None, demo_programme: bool | None = None
) -> Iterator:
    """Started on SQLite files in ``data_dir`` and an in-process broker, whatever database
    URLs the environment names; ``running.demo_keys`` holds one key per role. With ``make
    run``'s demo programme if ``demo_programme``, or if not given, if ``DEMO_DATA`` is set
    and not ``none`` (unlike ``make run``, tests start without it by default)."""
    if demo_programme is None:
        demo_programme = os.environ.get("DEMO_DATA", "none") != "none"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATA_DIR", str(data_dir))
        patch.setenv("EVENT_NAMESPACE", namespace)
        patch.setenv("BROKER_URL", "memory://")
        if rate_limit is not None:
            patch.setenv("GATEWAY_RATE_LIMIT", rate_limit)
        for service in ("DONATIONS", "INVENTORY", "SALES", "GATEWAY"):
            patch.delenv(f"{service}_DATABASE_URL", raising=False)
        running = EmbeddedSystem(gateway_port=0, demo_programme=demo_programme).start()
        running.demo_keys = running.create_demo_keys()
        try:
            yield running
        finally:
            running.stop()
