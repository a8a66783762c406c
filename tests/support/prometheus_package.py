"""Debian's ``prometheus`` package (``.ci/run`` installs it): its binaries for the tests."""

from __future__ import annotations

import os
import shutil

import pytest


def prometheus_tool(name: str) -> str:
    """The path of ``prometheus`` or ``promtool``; skipped without it, failed in CI."""
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"{name} is missing: apt-get install prometheus (.ci/run does)")
    pytest.skip(f"{name} is missing: apt-get install prometheus")
