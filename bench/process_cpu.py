"""CPU time of the processes an order runs through, read from /proc (utime + stime).

A snapshot maps each process to its part (``stack``: the stack's processes and their
children, such as gunicorn workers; ``postgresql``: the server's backends of the given
databases; ``rabbitmq``: the broker's ``beam.smp``) with the CPU seconds it has used so far.
The difference of two snapshots is what each part spent in between; a process that ended in
between is left out (its last ticks are lost), one that started counts whole.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")

Snapshot = dict[int, tuple[str, float]]  # pid -> (part, CPU seconds so far)


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used so far, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / HZ


def processes() -> Iterable[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process still readable."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        yield int(entry), int(stat.rsplit(")", 1)[1].split()[1]), command


def broker_pid() -> int | None:
    """RabbitMQ's Erlang VM on this machine, if it runs here."""
    return next((pid for pid, _, command in processes() if "beam.smp" in command), None)


def snapshot(stack_pids: Iterable[int], databases: Iterable[str]) -> Snapshot:
    roots, names = set(stack_pids), tuple(databases)
    table = list(processes())
    parents = {pid: parent for pid, parent, _ in table}

    def in_stack(pid: int) -> bool:
        while pid > 1:
            if pid in roots:
                return True
            pid = parents.get(pid, 0)
        return False

    parts: Snapshot = {}
    for pid, _, command in table:
        if in_stack(pid):
            part = "stack"
        elif command.startswith("postgres:") and any(f" {n} " in command for n in names):
            part = "postgresql"
        elif "beam.smp" in command:
            part = "rabbitmq"
        else:
            continue
        parts[pid] = (part, cpu_seconds(pid))
    return parts


def spent(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """CPU seconds each part used between two snapshots."""
    by_part: collections.Counter = collections.Counter()
    for pid, (part, seconds) in after.items():
        by_part[part] += seconds - before.get(pid, (part, 0.0))[1]
    return dict(by_part)
