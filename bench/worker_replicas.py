"""What adding worker processes buys (docs/scaling.md): the counter-orders load on a fresh
stack with one worker per service, then with two (``STACK_WORKER_REPLICAS``), in one run.

On this machine's 2 cores the second worker competes with the first, the APIs and both
engines for the same CPU: the ratio shows what replicas cost or give here, not on a machine
with a core to spare for each.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from bench.counter_orders import counter_orders
from bench.figures import Figure

REPLICAS = (1, 2)


@contextmanager
def _replicas(count: int):
    previous = os.environ.get("STACK_WORKER_REPLICAS")
    os.environ["STACK_WORKER_REPLICAS"] = str(count)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("STACK_WORKER_REPLICAS", None)
        else:
            os.environ["STACK_WORKER_REPLICAS"] = previous


def worker_replicas() -> list[Figure]:
    rates, p99s = {}, {}
    for count in REPLICAS:
        with _replicas(count):
            rate, p99, *_ = counter_orders()
        rates[count], p99s[count] = rate.ours, p99.ours
    one, two = REPLICAS
    return [
        Figure(
            f"Worker replicas: decided orders/s with {two} workers per service against {one}"
            f" ({rates[two]:.1f} vs {rates[one]:.1f}; p99 {p99s[two]:.0f} vs {p99s[one]:.0f} ms;"
            " the same 2 cores)",
            rates[two],
            rates[one],
            "orders/s",
            "— (reported)",
            None,
        )
    ]


if __name__ == "__main__":
    for figure in worker_replicas():
        print(figure)
