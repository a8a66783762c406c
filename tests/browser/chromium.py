"""Debian's Chromium driven by Playwright for Python, or a clear word on why not.

Without the browser or the package the browser tests are skipped, except under
``REQUIRE_INTEGRATION=1`` (as ``.ci/run`` sets), where they fail with the reason.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def unavailable(reason: str) -> NoReturn:
    message = f"browser tests need {reason}"
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"{message} (REQUIRE_INTEGRATION=1: they may not be skipped)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def playwright_api():
    """``playwright.sync_api``, once it is known to be installed."""
    try:
        import playwright.sync_api as api
    except ImportError:
        unavailable("the playwright package (pip install -e '.[test]')")
    return api


def require_chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    return CHROMIUM
