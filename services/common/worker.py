"""A service's worker: its outbox relay, one event consumer per lane (the sale saga's apart
from bulk work, see ``topology.py``) and its periodic tasks, each on its own thread (and each
consumer on its own broker connection)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.common.events.consumer import Handler
from services.common.metrics import serve_worker_metrics, unwatch_outbox, watch_outbox
from services.common.notifications import OUTBOX_WRITTEN, Listener, is_postgresql
from services.common.runtime import ServiceRuntime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """``run(runtime)`` every ``interval(settings)`` seconds, ``settings`` being the service's
    own (``ServiceSettings.own``), read when the worker starts. A task
    opens its own short transactions; a failure is logged and the next round runs anyway."""

    name: str
    run: Callable[[ServiceRuntime], object]
    interval: Callable[[Any], float]


class Worker:
    def __init__(
        self,
        runtime: ServiceRuntime,
        handlers: dict[str, Handler],
        periodic: tuple[PeriodicTask, ...] = (),
    ) -> None:
        self.runtime = runtime
        self.relay = runtime.relay()
        lanes = runtime.topology.lanes(runtime.name) if handlers else ()
        self.consumers = {lane: runtime.consumer(handlers, (lane,)) for lane in lanes}
        self.periodic = periodic
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener: Listener | None = None

    def start(self) -> Worker:
        watch_outbox(self.runtime.name, self.runtime.engine, self.runtime.tables.outbox)
        if is_postgresql(self.runtime.settings.database_url):
            # An API process's commit wakes this relay at once instead of at its next poll.
            wake = self.relay.wake
            self._listener = Listener(
                self.runtime.settings.database_url, {OUTBOX_WRITTEN: lambda _: wake.set()}
            ).start()
        targets = {"relay": self.relay.run}
        for lane, consumer in self.consumers.items():
            targets[f"consumer-{lane}"] = consumer.run
        for task in self.periodic:
            targets[task.name] = _every(task, self.runtime)
        for role, target in targets.items():
            thread = threading.Thread(
                target=target,
                args=(self.stop_event,),
                name=f"{self.runtime.name}-{role}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.relay.wake.set()
        unwatch_outbox(self.runtime.name)
        if self._listener is not None:
            self._listener.stop()
        for thread in self._threads:
            thread.join(timeout)

    def wait_until_consuming(self, timeout: float = 30.0) -> bool:
        return all(consumer.ready.wait(timeout) for consumer in self.consumers.values())


def _every(task: PeriodicTask, runtime: ServiceRuntime) -> Callable[[threading.Event], None]:
    interval = task.interval(runtime.settings.own)

    def loop(stop: threading.Event) -> None:
        while not stop.wait(interval):
            try:
                task.run(runtime)
            except Exception:  # noqa: BLE001 - a failed round must not end the thread
                log.exception("%s task %s failed", runtime.name, task.name)

    return loop


def run_worker_forever(
    runtime: ServiceRuntime, handlers: dict[str, Handler], periodic: tuple[PeriodicTask, ...] = ()
) -> None:
    """Entry point of a worker process: runs until SIGTERM or SIGINT."""
    serve_worker_metrics()
    worker = Worker(runtime, handlers, periodic).start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("%s worker started", runtime.name)
    stopping.wait()
    log.info("%s worker stopping", runtime.name)
    worker.stop()
    runtime.dispose()
