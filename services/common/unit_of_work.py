"""The unit of work: one transaction holding a state change and the events it raises.

``with uow:`` opens a session; ``uow.emit(...)`` checks an event against its contract and
queues it; ``uow.commit()`` writes the queued events to the outbox (one insert) and commits
them with the state change, at once. Leaving the block without a commit
rolls everything back, events included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Protocol

from sqlalchemy.orm import Session, sessionmaker

from services.common.events.contracts import schema_for
from services.common.events.envelope import CloudEvent
from services.common.events.store import Outbox


class Fact(Protocol):
    """What a domain event offers to become an outbox event (domains import nothing of ours)."""

    type: ClassVar[str]

    @property
    def subject(self) -> str: ...

    @property
    def sequence(self) -> int: ...

    def payload(self) -> dict[str, Any]: ...


CommitStep = Callable[[Session], None]
_extra_commit_steps: ContextVar[tuple[CommitStep, ...]] = ContextVar("commit_steps", default=())


@contextmanager
def extra_commit_step(step: CommitStep) -> Iterator[None]:
    """Run ``step(session)`` inside every unit of work committed in this context, just
    before its commit (the idempotency record of a request is written this way)."""
    token = _extra_commit_steps.set((*_extra_commit_steps.get(), step))
    try:
        yield
    finally:
        _extra_commit_steps.reset(token)


_OWNED_ELSEWHERE = sessionmaker()  # a joined unit of work never opens a session of its own


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker, outbox: Outbox, settings: Any = None) -> None:
        """``settings``: the service's own (``ServiceSettings.own``), for its handlers."""
        self._session_factory = session_factory
        self.outbox = outbox
        self.settings = settings
        self.session: Session | None = None
        self._pending: list[dict[str, Any] | None] = []  # outbox rows not yet written
        self._latest: dict[tuple[str, str], int] = {}  # snapshot event → its pending index
        self._emitted = False
        self._joined = False

    @classmethod
    def joining(cls, session: Session, outbox: Outbox, settings: Any = None) -> UnitOfWork:
        """A unit of work inside a transaction owned by someone else (a consumer batch)."""
        uow = cls(_OWNED_ELSEWHERE, outbox, settings)
        uow.session = session
        uow._joined = True
        uow.bind(session)
        return uow

    def bind(self, session: Session) -> None:
        """A service's unit of work opens its repositories on ``session`` here
        (``services/<name>/repository.py``); the generic one has none."""

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._pending, self._latest, self._emitted = [], {}, False
        self.bind(self.session)
        return self

    def __exit__(self, *exc_info: object) -> None:
        # close() rolls back what was not committed but, unlike rollback(), keeps the loaded
        # objects readable: views serialise them after the block.
        assert self.session is not None
        self.session.close()
        self.session = None

    def emit(
        self, event_type: str, *, subject: str, data: dict[str, Any], sequence: int
    ) -> CloudEvent:
        assert self.session is not None, "emit() outside 'with uow:'"
        event, row = self.outbox.build(event_type, subject=subject, data=data, sequence=sequence)
        if schema_for(event_type).latest_only:  # an earlier snapshot of the subject is stale
            if (earlier := self._latest.get((event_type, subject))) is not None:
                self._pending[earlier] = None
            self._latest[(event_type, subject)] = len(self._pending)
        self._pending.append(row)
        self._emitted = True
        return event

    def record(self, fact: Fact) -> CloudEvent:
        """Queue a domain fact (``services/<name>/domain/events.py``) as its contract event."""
        return self.emit(
            fact.type, subject=fact.subject, sequence=fact.sequence, data=fact.payload()
        )

    def write_events(self) -> None:
        """Write the events emitted so far into the outbox (one insert for all of them);
        ``commit`` does it, and a consumer does it once for its batch."""
        assert self.session is not None
        pending, self._pending, self._latest = self._pending, [], {}
        self.outbox.write(self.session, [row for row in pending if row is not None])

    def commit(self) -> None:
        assert self.session is not None
        if self._joined:
            raise RuntimeError("a joined unit of work is committed by the transaction's owner")
        self.write_events()
        for step in _extra_commit_steps.get():
            step(self.session)
        if self._emitted:
            self.outbox.announce(self.session)
        self.session.commit()
        if self._emitted:
            self.outbox.written.set()
            self._emitted = False

    def rollback(self) -> None:
        assert self.session is not None
        self.session.rollback()
        self._pending, self._latest, self._emitted = [], {}, False
