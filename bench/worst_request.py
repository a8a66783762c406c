"""Worst request memory: every write operation of the combined OpenAPI document sent the
largest body the gateway admits, built to make the service work hardest, and the heaviest
ones valid bodies on real objects too (an announcement of 500 lines of identifiers, CSV files
at their maximum rows: ``tests/support/worst_requests.py``), on the embedded system in a
process of its own; the figure is the largest growth of that process's peak resident set
during one request. A valid case answered otherwise than it must fails the target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench.figures import Figure

ROOT = Path(__file__).resolve().parent.parent
GROWTH_MB = 100
SECONDS = 10


def worst_request_memory() -> Figure:
    child = subprocess.run(
        [sys.executable, "-m", "bench.worst_request"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    worst, slowest = measured["worst"], measured["slowest"]
    unexpected = measured["unexpected"]
    return Figure(
        f"Worst request memory: peak RSS growth over {measured['requests']} requests of"
        f" {measured['operations']} write operations at the body limit, valid ones included"
        f" ({worst['operation']}; slowest {slowest['seconds']:.1f} s, {slowest['operation']}"
        + (f"; answered otherwise than expected: {', '.join(unexpected)}" if unexpected else "")
        + ")",
        worst["peak_growth_mb"],
        None,
        "MB",
        f"≤ {GROWTH_MB} MB, ≤ {SECONDS} s",
        worst["peak_growth_mb"] <= GROWTH_MB and slowest["seconds"] <= SECONDS and not unexpected,
    )


def _walk_in_this_process() -> dict:
    from services.embedded import EmbeddedSystem
    from tests.support.worst_requests import Walk

    data_dir = tempfile.mkdtemp(prefix="bench-worst-")
    os.environ.update(
        DATA_DIR=data_dir,
        EVENT_NAMESPACE="benchworst",
        BROKER_URL="memory://",
        GATEWAY_RATE_LIMIT="100000/second",
    )
    for service in ("DONATIONS", "INVENTORY", "SALES", "GATEWAY"):
        os.environ.pop(f"{service}_DATABASE_URL", None)
    limit = int(os.environ.get("GATEWAY_MAX_BODY_BYTES", 10 * 1024 * 1024))
    system = EmbeddedSystem(gateway_port=0).start()
    try:
        admin = system.create_demo_keys()["admin"]
        costs = Walk(system.gateway_url, admin, os.getpid(), limit).costs()
    finally:
        system.stop()
    return {
        "requests": len(costs),
        "operations": len({cost.operation.split(" (")[0] for cost in costs}),
        "worst": asdict(max(costs, key=lambda cost: cost.peak_growth_mb)),
        "slowest": asdict(max(costs, key=lambda cost: cost.seconds)),
        "unexpected": [f"{c.operation}: {c.status}" for c in costs if not c.as_expected],
    }


if __name__ == "__main__":
    print(json.dumps(_walk_in_this_process()))
