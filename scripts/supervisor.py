"""The supervisor of ``make stack``: every long-running part is started again when it exits.

``python -m scripts.stack start`` runs it in the background once the migrations are done
(``python -m scripts.supervisor``, reading the stack directory and the parts as JSON on its
standard input). It starts every part, records each pid in the stack directory, and when a
part exits, whatever the cause (a crash, kill -9, a worker giving up on the broker), starts
it again: at once the first time, then, while it keeps exiting within ``STEADY`` seconds of
its last start, after a back-off of 0.5 s, doubled each time up to 30 s; a part that ran
``STEADY`` seconds is well again (started again at once when it next exits).
Each exit and restart is a line of ``supervisor.log``; ``scripts.stack status`` shows the
restarts of each part.

SIGTERM or SIGINT (``scripts.stack stop``) makes it exit at once, leaving the parts running:
``stop`` then stops them in order, with nothing started again meanwhile.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts.stack import Part, _launch, _record
from services.common.logs import configure_logging

FIRST_DELAY = 0.5  # seconds before a part that exited again soon is started again
LONGEST_DELAY = 30.0
STEADY = 30.0  # a part that ran this long has its back-off reset
POLL = 0.1  # how often exits are looked for


def backoff(quick_exits: int) -> float:
    """Seconds before the next start after ``quick_exits`` exits in a row, each within
    ``STEADY`` seconds of the start before it (1: the first exit, started again at once)."""
    if quick_exits <= 1:
        return 0.0
    return min(LONGEST_DELAY, FIRST_DELAY * 2 ** (quick_exits - 2))


def describe(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Supervised:
    name: str
    process: subprocess.Popen | None = None
    started: float = 0.0
    starts: int = 0
    quick_exits: int = 0
    due: float = 0.0  # when it is started again, while it is down

    @property
    def restarts(self) -> int:
        return max(0, self.starts - 1)


class Supervisor:
    """Starts parts by name with ``launch`` and keeps them running; ``record(name, pid,
    restarts)`` is told of every start."""

    def __init__(
        self,
        names: list[str],
        launch: Callable[[str], subprocess.Popen],
        record: Callable[[str, int, int], None],
        log: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parts = [Supervised(name) for name in names]
        self.launch, self.record, self.log, self.clock = launch, record, log, clock
        self.stopping = False

    def run(self) -> None:
        """Until ``stopping`` is set (by a signal handler): start what is down when its
        back-off has passed, and notice what exited."""
        while not self.stopping:
            self.check()
            time.sleep(POLL)
        self.log("stopping: parts are no longer restarted")

    def check(self) -> None:
        now = self.clock()
        for part in self.parts:
            if part.process is not None and part.process.poll() is not None:
                ran = now - part.started
                part.quick_exits = part.quick_exits + 1 if ran < STEADY else 1
                part.due = now + backoff(part.quick_exits)
                how = describe(part.process.returncode)
                self.log(
                    f"{part.name} (pid {part.process.pid}) exited, {how}, after {ran:.1f} s;"
                    f" started again in {part.due - now:g} s"
                )
                part.process = None
            if part.process is None and now >= part.due and not self.stopping:
                part.process, part.started = self.launch(part.name), self.clock()
                part.starts += 1
                self.record(part.name, part.process.pid, part.restarts)
                if part.restarts:
                    self.log(f"{part.name} started again (pid {part.process.pid})")


def main() -> int:
    plan = json.load(sys.stdin)
    directory = Path(plan["directory"])
    parts = {entry["name"]: Part(**entry) for entry in plan["parts"]}

    configure_logging("stack", "supervisor")  # JSON lines under make stack, like every part
    log = logging.getLogger("scripts.supervisor").info

    supervisor = Supervisor(
        list(parts),
        launch=lambda name: _launch(plan["environment"], directory, parts[name]),
        record=lambda name, pid, restarts: _record(directory, name, pid, restarts),
        log=log,
    )

    def stop(signum: int, _frame) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"supervising {len(parts)} parts")
    supervisor.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
