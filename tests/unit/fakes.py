"""A fake unit of work, in the cosmicpython manner: use cases run against in-memory
repositories in microseconds, with no database and no broker.

A service's fake subclasses :class:`FakeUnitOfWork` and opens its fake repositories in
``bind()`` (as the real one opens SQL ones); what the use case recorded is in ``facts``,
and ``committed`` says whether it committed.
"""

from __future__ import annotations

from typing import Any

from services.common.events.contracts import schema_for


class FakeUnitOfWork:
    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.facts: list[Any] = []  # recorded and committed
        self.committed = False
        self._recorded: list[Any] = []
        self.bind()

    def bind(self) -> None:
        """Open the fake repositories (a service's fake overrides this)."""

    def __enter__(self) -> FakeUnitOfWork:
        self._recorded = []
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._recorded = []  # what was not committed is lost, as a rollback would

    def record(self, fact: Any) -> None:
        """Kept as the fact, once its payload is checked against its event's contract (the
        real unit of work refuses it otherwise)."""
        schema_for(fact.type).load(fact.payload())
        assert fact.subject and isinstance(fact.sequence, int), fact
        self._recorded.append(fact)

    def emit(self, event_type: str, *, subject: str, data: dict, sequence: int) -> None:
        raise AssertionError(f"a use case records facts, it does not emit {event_type}")

    def write_events(self) -> None:
        """The real one writes the facts recorded so far into the outbox before the commit;
        here they wait for it all the same (a rollback loses them)."""

    def commit(self) -> None:
        self.facts += self._recorded
        self._recorded = []
        self.committed = True

    def rollback(self) -> None:
        self._recorded = []


class FakeWebhooks:
    """Donations' delivery outbox in memory: every partner wants every kind unless
    ``wanted`` names (partner, kind) pairs; the facts recorded are in ``facts``."""

    def __init__(self, wanted: set[tuple[str, str]] | None = None) -> None:
        self.wanted = wanted
        self.facts: list[tuple[str, str, dict[str, Any]]] = []

    def wants(self, partner_id: str, kind: str) -> bool:
        return self.wanted is None or (partner_id, kind) in self.wanted

    def record_fact(self, partner_id: str, kind: str, item: dict[str, Any], at: Any) -> None:
        self.facts.append((partner_id, kind, item))
