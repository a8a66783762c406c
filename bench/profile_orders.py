"""Where the counter-orders load spends its CPU: ``make bench-profile``.

Runs the counter-orders load (bench/counter_orders.py) on the local multi-process stack and
reports, per order, the CPU time of every process involved (read from /proc: APIs, workers,
PostgreSQL, RabbitMQ, the load generator), then samples the two busiest Python processes with
py-spy (``--gil``: only what holds the interpreter) and lists their heaviest functions of our
own code. Writes ``bench/results/counter-orders-profile.md``.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import counter_orders as orders
from bench import process_cpu
from bench.environment import fresh_databases
from bench.identity import ensure_token_keys
from scripts.stack import running

RESULTS = Path(__file__).resolve().parent / "results" / "counter-orders-profile.md"
SAMPLED_SECONDS = 8
SAMPLED = ("sales-api", "inventory-worker-1", "gateway", "sales-worker-1")


def _ticks_by_part(stack_pids: dict[int, str]) -> collections.Counter:
    """CPU ticks so far of each part: stack processes (and their children), PostgreSQL,
    RabbitMQ, this process (the load generator)."""
    ticks: collections.Counter = collections.Counter()
    for pid, parent, command in process_cpu.processes():
        used = round(process_cpu.cpu_seconds(pid) * process_cpu.HZ)
        if pid in stack_pids or parent in stack_pids:
            ticks[stack_pids.get(pid) or stack_pids[parent]] += used
        elif "postgres" in command:
            ticks["postgresql"] += used
        elif "beam.smp" in command:
            ticks["rabbitmq"] += used
        elif pid == os.getpid():
            ticks["load generator (50 client threads)"] += used
    return ticks


def _py_spy(pid: int, output: Path) -> subprocess.Popen | None:
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        return None
    command = [str(spy), "record", "--pid", str(pid), "--subprocesses", "--gil", "--nonblocking"]
    command += ["--duration", str(SAMPLED_SECONDS), "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _our_heaviest(raw: Path, top: int = 12) -> list[tuple[float, str]]:
    """Inclusive share of samples of each function of services/ (collapsed stacks)."""
    total, inclusive = 0, collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        seen = set()
        for frame in stack.split(";"):
            if "services/" in frame:
                name = frame.split(" (")[0] + " (" + frame.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    inclusive[name] += int(count)
    return [(100 * n / max(total, 1), name) for name, n in inclusive.most_common(top)]


def _package(frame: str) -> str:
    """Who a frame belongs to: our service code, or the package (or standard module) of
    its file (py-spy names files relative to their ``sys.path`` entry)."""
    path = frame.rsplit(" (", 1)[-1].rsplit(":", 1)[0]
    if path.startswith("services/"):
        return "ours: " + "/".join(path.split("/")[:2])
    return path.split("/", 1)[0].removesuffix(".py")


def _by_package(raw: Path, top: int = 12) -> list[tuple[float, float, str]]:
    """Self share (the running frame's) and inclusive share of samples of each package."""
    total, own, inclusive = 0, collections.Counter(), collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        total += int(count)
        own[_package(frames[-1])] += int(count)
        for package in {_package(frame) for frame in frames[1:]}:
            inclusive[package] += int(count)
    return [
        (100 * n / max(total, 1), 100 * inclusive[name] / max(total, 1), name)
        for name, n in own.most_common(top)
    ]


def profile() -> str:
    ensure_token_keys()
    with (
        fresh_databases() as environment,
        orders.counter_stack(
            environment, orders.COUNTERS, orders.STOCK, key_name="profile"
        ) as stack,
    ):
        parts = {process.pid: process.name for process in running(stack.directory)}
        before, started = _ticks_by_part(parts), time.perf_counter()
        scratch = Path(tempfile.mkdtemp(prefix="bench-profile-"))
        spies: dict[str, tuple[subprocess.Popen | None, Path]] = {}

        def sample_later() -> None:
            time.sleep(1)  # once the load runs
            for name in SAMPLED:
                pid = next(p for p, n in parts.items() if n == name)
                spies[name] = (_py_spy(pid, scratch / f"{name}.txt"), scratch / f"{name}.txt")

        threading.Thread(target=sample_later, daemon=True).start()
        results, _, _ = stack.load(orders.ORDERS_EACH)
        elapsed = time.perf_counter() - started
        after = _ticks_by_part(parts)
        for spy, _ in spies.values():
            if spy is not None:
                spy.wait()
    hz = os.sysconf("SC_CLK_TCK")
    count = len(results)
    lines = [
        "# Counter orders: where the CPU goes",
        "",
        f"{count} orders by {orders.COUNTERS} counters in {elapsed:.1f} s "
        f"({count / elapsed:.1f} orders/s) on {os.cpu_count()} cores. "
        "CPU per order, by process (from /proc):",
        "",
        "| process | CPU ms per order | share of one core |",
        "|---|---:|---:|",
    ]
    spent = {part: after[part] - before.get(part, 0) for part in after}
    for part, ticks in sorted(spent.items(), key=lambda item: -item[1]):
        if ticks:
            seconds = ticks / hz
            lines.append(f"| {part} | {1000 * seconds / count:.1f} | {seconds / elapsed:.0%} |")
    total = sum(spent.values()) / hz
    lines += ["", f"Total: {1000 * total / count:.1f} ms of CPU per order.", ""]
    for name, (spy, raw) in spies.items():
        if spy is None or not raw.exists():
            lines.append(f"(py-spy not installed: no samples of {name})")
            continue
        lines += [f"## {name}: heaviest functions of ours (py-spy --gil, inclusive)", ""]
        lines += [f"* {share:.0f} % {function}" for share, function in _our_heaviest(raw)]
        lines += ["", f"{name}: by package, self and inclusive share of samples", ""]
        lines += ["| package | self | inclusive |", "|---|---:|---:|"]
        lines += [f"| {pkg} | {own:.0f} % | {incl:.0f} % |" for own, incl, pkg in _by_package(raw)]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    report = profile()
    RESULTS.write_text(report + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
