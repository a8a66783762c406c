"""A service described as data; its app factory and worker entry point derive from it.

Each service's ``app.py`` declares one :class:`ServiceDefinition` and exposes
``create_app(config=None)`` (for gunicorn) and a ``worker`` command, both built from it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import MetaData

from services.common.config import ServiceSettings, programme_timezone, service_settings
from services.common.events.consumer import Handler
from services.common.events.store import MessagingTables
from services.common.logs import configure_logging
from services.common.runtime import ServiceRuntime, build_runtime
from services.common.tracing import configure_tracing
from services.common.webapp import create_service_app
from services.common.worker import PeriodicTask, Worker, run_worker_forever


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    metadata: MetaData
    tables: MessagingTables
    blueprints: tuple[Any, ...]
    handlers: dict[str, Handler] = field(default_factory=dict)
    errors: dict[type[Exception], tuple[int, str]] = field(default_factory=dict)
    periodic: tuple[PeriodicTask, ...] = ()

    def runtime(self, settings: ServiceSettings | None = None) -> ServiceRuntime:
        programme_timezone()  # a bad PROGRAMME_TIMEZONE stops the start, not the first sale
        return build_runtime(settings or service_settings(self.name), self.metadata, self.tables)

    def create_app(self, config: dict[str, Any] | None = None) -> Flask:
        """``config`` may carry ``RUNTIME`` (share one with a worker) or ``SETTINGS``."""
        config = dict(config or {})
        runtime = config.pop("RUNTIME", None) or self.runtime(config.pop("SETTINGS", None))
        return create_service_app(
            runtime,
            title=self.title,
            blueprints=self.blueprints,
            errors=self.errors,
            config=config,
        )

    def worker(self, runtime: ServiceRuntime) -> Worker:
        return Worker(runtime, self.handlers, self.periodic)

    def main(self, argv: list[str] | None = None) -> int:
        """``python -m services.<name>.app worker``: the relay, consumer and periodic tasks."""
        argv = sys.argv[1:] if argv is None else argv
        if argv != ["worker"]:
            print(f"usage: python -m services.{self.name}.app worker", file=sys.stderr)
            return 2
        configure_logging(self.name, "worker")
        configure_tracing(self.name)
        run_worker_forever(self.runtime(), self.handlers, self.periodic)
        return 0
