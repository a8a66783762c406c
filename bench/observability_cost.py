"""What metrics and traces cost: the counter-orders load (bench/counter_orders.py, smaller)
run three times in the same run on a fresh stack each time, and its CPU per order compared.

1. metrics off, traces off (``METRICS=off``, no ``OTEL_EXPORTER_OTLP_ENDPOINT``): the baseline;
2. metrics on, traces off (the default): target ≤ 1.05 × the baseline;
3. metrics on, traces on: spans exported over OTLP/HTTP to a local sink
   (bench/trace_sink.py) whose own CPU is counted apart, not in the stack's.

CPU per order is as in bench/counter_orders.py: utime + stime of every process of the stack
(APIs, workers, gateway, their PostgreSQL backends and RabbitMQ) from the start of the load to
``SETTLE_SECONDS`` after it (long enough for the span exporters' 5 s batches), divided by the
orders placed. The load average is reported beside it: on a shared machine, compare the
variants of one run, not runs.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass

from bench.counter_orders import counter_stack
from bench.environment import fresh_databases
from bench.figures import Figure
from bench.process_cpu import snapshot, spent
from bench.trace_sink import TraceSink

COUNTERS, ORDERS_EACH = 20, 8
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


def observability_cost(counters: int = COUNTERS, orders_each: int = ORDERS_EACH) -> list[Figure]:
    measured = [_measure(variant, counters, orders_each) for variant in VARIANTS]
    return _figures(measured, counters, orders_each)


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


def _figures(measured: list[Measured], counters: int, orders_each: int) -> list[Figure]:
    base, metrics, traces = measured
    load = f"{counters} counters × {orders_each} orders, a fresh stack each"
    ratio = metrics.total / base.total
    return [
        Figure(
            f"Observability cost: counter-orders CPU ms per order, metrics off, traces off "
            f"(the baseline of the next two rows; {load}; {_detail(base)})",
            base.total,
            None,
            "ms",
            "— (baseline)",
            None,
        ),
        Figure(
            f"Observability cost: … metrics on, traces off, against metrics off "
            f"({_detail(metrics)})",
            metrics.total,
            base.total,
            "ms",
            f"≤ {TARGET:.2f} × metrics off",
            ratio <= TARGET,
        ),
        Figure(
            f"Observability cost: … metrics on, traces on, OTLP/HTTP to a local sink, against "
            f"metrics off ({_detail(traces)}; {traces.exports} exports; the sink's own "
            f"{traces.sink_ms:.1f} ms per order left out)",
            traces.total,
            base.total,
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
