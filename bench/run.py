"""``make bench``: run the benchmarks, print a markdown table, keep it under bench/results/."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.backbone import consumer_throughput, relay_throughput
from bench.card_import import card_import_memory
from bench.counter_orders import counter_orders
from bench.figures import Figure
from bench.gateway import gateway_hop
from bench.identity import ensure_token_keys
from bench.intake import intake
from bench.isolation import isolation
from bench.observability_cost import observability_cost
from bench.plot import plot
from bench.webhooks import webhooks
from bench.worker_replicas import worker_replicas
from bench.worst_request import worst_request_memory

RESULTS = Path(__file__).resolve().parent / "results"


def _number(value: float) -> str:
    """Whole numbers from 100 up, one decimal below (a few milliseconds of CPU)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def markdown(figures: list[Figure]) -> str:
    header = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}.\n\n"
        "| measure | ours | raw baseline | ratio | target | met |\n"
        "|---|---:|---:|---:|---|---|\n"
    )
    rows = [
        f"| {f.name} | {_number(f.ours)} | {_number(f.raw)} | {f.ratio:.2f} | {f.target} "
        f"| {f.verdict} |"
        if f.raw
        else f"| {f.name} | {f.ours:,.2f} {f.unit} | — | — | {f.target} | {f.verdict} |"
        for f in figures
    ]
    return header + "\n".join(rows) + "\n"


def main() -> int:
    ensure_token_keys()
    figures = []
    for bench in (relay_throughput, consumer_throughput):
        print(f"running {bench.__name__}…", file=sys.stderr, flush=True)
        figures.append(bench())
    for group in (
        intake,
        isolation,
        counter_orders,
        worker_replicas,
        observability_cost,
        gateway_hop,
        webhooks,
    ):
        print(f"running {group.__name__}…", file=sys.stderr, flush=True)
        figures += group()
    for bench in (card_import_memory, worst_request_memory):
        print(f"running {bench.__name__}…", file=sys.stderr, flush=True)
        figures.append(bench())
    table = markdown(figures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(table)
    plot(figures, RESULTS / "latest.png")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
