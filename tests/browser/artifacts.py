"""Where the browser tests keep what a person may want to look at afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", "test-artifacts/browser"))


def write_report(name: str, payload) -> Path:
    path = ARTIFACTS / "accessibility" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return path
