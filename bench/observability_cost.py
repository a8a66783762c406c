"""What metrics and traces cost: the counter-orders load (bench/counter_orders.py, smaller)
run on a fresh stack each time, and its CPU per order compared.

1. metrics off, traces off (``METRICS=off``, no ``OTEL_EXPORTER_OTLP_ENDPOINT``): the baseline;
2. metrics on, traces off (the default): target ≤ 1.05 × the baseline;
3. metrics on, traces on: spans exported over OTLP/HTTP to a local sink
   (bench/trace_sink.py) whose own CPU is counted apart, not in the stack's.

One run of each varies by more than the 5 % to be judged, so the first two are measured
``ROUNDS`` times, interleaved (off, on, on, off, off, on: each pair in turn order, so a
machine warming up or slowing down does not favour one), and compared by their medians
(each round's ratio beside them, for the spread).

CPU per order is as in bench/counter_orders.py: utime + stime of every process of the stack
(APIs, workers, gateway, their PostgreSQL backends and RabbitMQ) from the start of the load to
``SETTLE_SECONDS`` after it (long enough for the span exporters' 5 s batches), divided by the
orders placed. The load average is reported beside it: on a shared machine, compare the
variants of one run, not runs.
"""

from __future__ import annotations

import os
import statistics
import time
from contextlib import nullcontext
from dataclasses import dataclass

from bench.counter_orders import counter_stack
from bench.environment import fresh_databases
from bench.figures import Figure
from bench.process_cpu import snapshot, spent
from bench.trace_sink import TraceSink

COUNTERS, ORDERS_EACH = 20, 8
ROUNDS = 3  # pairs of (metrics off, metrics on) measured in turn
SETTLE_SECONDS = 6
TARGET = 1.05  # metrics on, traces off: at most 5 % more CPU than with both off


@dataclass(frozen=True)
class Variant:
    name: str
    metrics: bool
    traces: bool


VARIANTS = (
    Variant("metrics off, traces off", metrics=False, traces=False),
    Variant("metrics on, traces off", metrics=True, traces=False),
    Variant("metrics on, traces on", metrics=True, traces=True),
)


@dataclass(frozen=True)
class Measured:
    variant: Variant
    orders: int
    decided: int
    cpu_ms: dict[str, float]  # per order, by part of the stack
    sink_ms: float  # per order, the trace sink's (outside the stack)
    exports: int  # OTLP export requests the sink answered during the load
    load: tuple[float, float]  # 1-minute load average before and after

    @property
    def total(self) -> float:
        return sum(self.cpu_ms.values())


def observability_cost(
    counters: int = COUNTERS, orders_each: int = ORDERS_EACH, rounds: int = ROUNDS
) -> list[Figure]:
    off, on, traced = VARIANTS
    pairs = []
    for round_ in range(rounds):
        order = (off, on) if round_ % 2 == 0 else (on, off)
        measured = {v.name: _measure(v, counters, orders_each) for v in order}
        pairs.append((measured[off.name], measured[on.name]))
    return _figures(pairs, _measure(traced, counters, orders_each), counters, orders_each)


def _measure(variant: Variant, counters: int, orders_each: int) -> Measured:
    stock = counters * orders_each // 2
    load_before = os.getloadavg()[0]
    with TraceSink() if variant.traces else nullcontext() as sink, fresh_databases() as env:
        env = {k: v for k, v in env.items() if not k.startswith("OTEL_")}
        env["METRICS"] = "on" if variant.metrics else "off"
        if sink is not None:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.url
        with counter_stack(env, counters, stock) as stack:
            time.sleep(SETTLE_SECONDS)  # the set-up's spans and events out of the way
            exports_before = sink.stats()["exports"] if sink else 0
            sink_before = sink.cpu_seconds() if sink else 0.0
            cpu_before = snapshot(stack.pids, stack.databases)
            results, _, _ = stack.load(orders_each)
            time.sleep(SETTLE_SECONDS)
            cpu = spent(cpu_before, snapshot(stack.pids, stack.databases))
            sink_seconds = sink.cpu_seconds() - sink_before if sink else 0.0
            exports = sink.stats()["exports"] - exports_before if sink else 0
    orders = len(results)
    return Measured(
        variant,
        orders,
        sum(1 for r in results if r[0] in ("reserved", "rejected")),
        {part: 1000 * seconds / orders for part, seconds in cpu.items()},
        1000 * sink_seconds / orders,
        exports,
        (load_before, os.getloadavg()[0]),
    )


def _detail(m: Measured) -> str:
    return (
        f"{m.decided} of {m.orders} decided; APIs, workers and gateway "
        f"{m.cpu_ms.get('stack', 0):.1f}, PostgreSQL {m.cpu_ms.get('postgresql', 0):.1f}, "
        f"RabbitMQ {m.cpu_ms.get('rabbitmq', 0):.1f}; load average {m.load[0]:.1f}→{m.load[1]:.1f}"
    )


def _figures(
    pairs: list[tuple[Measured, Measured]], traces: Measured, counters: int, orders_each: int
) -> list[Figure]:
    ratios = [on.total / off.total for off, on in pairs]
    base = statistics.median(off.total for off, _ in pairs)
    metrics = statistics.median(on.total for _, on in pairs)
    load = f"{counters} counters × {orders_each} orders, a fresh stack each"
    rounds = "; ".join(
        f"{off.total:.1f} → {on.total:.1f} ({off.decided + on.decided} of "
        f"{off.orders + on.orders} decided)"
        for off, on in pairs
    )
    return [
        Figure(
            f"Observability cost: counter-orders CPU ms per order, metrics off, traces off, "
            f"median of {len(pairs)} runs (the baseline of the next two rows; {load}; last run: "
            f"{_detail(pairs[-1][0])})",
            base,
            None,
            "ms",
            "— (baseline)",
            None,
        ),
        Figure(
            f"Observability cost: … metrics on, traces off, median of {len(pairs)} runs "
            f"interleaved with the baseline's (rounds, off → on ms: {rounds}; their ratios "
            f"{', '.join(f'{r:.2f}' for r in ratios)})",
            metrics,
            base,
            "ms",
            f"≤ {TARGET:.2f} × metrics off",
            metrics / base <= TARGET,
        ),
        Figure(
            f"Observability cost: … metrics on, traces on, OTLP/HTTP to a local sink, against "
            f"metrics off ({_detail(traces)}; {traces.exports} exports; the sink's own "
            f"{traces.sink_ms:.1f} ms per order left out)",
            traces.total,
            base,
            "ms",
            "— (reported)",
            None,
        ),
    ]


if __name__ == "__main__":
    from bench.identity import ensure_token_keys
    from bench.run import markdown

    ensure_token_keys()
    print(markdown(observability_cost()))
