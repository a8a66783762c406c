"""A service described as data; its app factory and worker entry point derive from it.

Each service's ``app.py`` declares one :class:`ServiceDefinition` and exposes
``create_app(config=None)`` (for gunicorn) and a ``worker`` command, both built from it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Flask
from sqlalchemy import MetaData

from services.common.config import ServiceSettings, programme_timezone, service_settings
from services.common.events.consumer import Handler
from services.common.events.store import MessagingTables
from services.common.logs import configure_logging
from services.common.runtime import ServiceRuntime, build_runtime
from services.common.tracing import configure_tracing
from services.common.unit_of_work import UnitOfWork
from services.common.webapp import create_service_app
from services.common.worker import PeriodicTask, Worker, run_worker_forever


@dataclass(frozen=True)
class ServiceDefinition:
    """``errors``: the service's one table from domain exception to (status, problem code);
    an exception's ``details()``, if it has one, adds members to the problem. ``settings``:
    how the service reads its own settings (``Settings.from_env``), once, at start.
    ``unit_of_work``: its unit of work, which opens its repositories. ``commands``: command
    type → use case (``handlers.py``), for the views' ``execute(command)``."""

    name: str
    title: str
    metadata: MetaData
    tables: MessagingTables
    blueprints: tuple[Any, ...]
    handlers: dict[str, Handler] = field(default_factory=dict)
    errors: dict[type[Exception], tuple[int, str]] = field(default_factory=dict)
    periodic: tuple[PeriodicTask, ...] = ()
    settings: Callable[[], Any] | None = None
    unit_of_work: type[UnitOfWork] = UnitOfWork
    commands: dict[type, Callable[[UnitOfWork, Any], Any]] = field(default_factory=dict)

    def runtime(self, settings: ServiceSettings | None = None) -> ServiceRuntime:
        """``settings`` without ``own`` (tests, the embedded system) get the environment's."""
        programme_timezone()  # a bad PROGRAMME_TIMEZONE stops the start, not the first sale
        settings = settings or service_settings(self.name)
        if settings.own is None and self.settings is not None:
            settings = replace(settings, own=self.settings())
        return build_runtime(settings, self.metadata, self.tables, self.unit_of_work)

    def create_app(self, config: dict[str, Any] | None = None) -> Flask:
        """``config`` may carry ``RUNTIME`` (share one with a worker) or ``SETTINGS``."""
        config = dict(config or {})
        runtime = config.pop("RUNTIME", None) or self.runtime(config.pop("SETTINGS", None))
        return create_service_app(
            runtime,
            title=self.title,
            blueprints=self.blueprints,
            errors=self.errors,
            commands=self.commands,
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
