"""A service's worker: its outbox relay and its event consumer, each on its own thread."""

from __future__ import annotations

import logging
import signal
import threading

from services.common.events.consumer import Handler
from services.common.runtime import ServiceRuntime

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, runtime: ServiceRuntime, handlers: dict[str, Handler]) -> None:
        self.runtime = runtime
        self.relay = runtime.relay()
        self.consumer = runtime.consumer(handlers) if handlers else None
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> Worker:
        targets = {"relay": self.relay.run}
        if self.consumer is not None:
            targets["consumer"] = self.consumer.run
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
        for thread in self._threads:
            thread.join(timeout)

    def wait_until_consuming(self, timeout: float = 30.0) -> bool:
        return self.consumer is None or self.consumer.ready.wait(timeout)


def run_worker_forever(runtime: ServiceRuntime, handlers: dict[str, Handler]) -> None:
    """Entry point of a worker process: runs until SIGTERM or SIGINT."""
    worker = Worker(runtime, handlers).start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("%s worker started", runtime.name)
    stopping.wait()
    log.info("%s worker stopping", runtime.name)
    worker.stop()
    runtime.dispose()
