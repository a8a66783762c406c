"""``/operations/...``: what an operator of one service watches and acts on, over HTTP.

Every event-driven service answers, through the gateway at ``/api/<service>/operations``:

* ``GET summary``: the outbox backlog (unsent rows, the oldest one's age, rows whose last
  publication failed), the consumer's side (messages waiting in each lane's queue, the last
  event applied, from the inbox, and its lag: see :func:`_lag_seconds`) and the number of
  dead letters;
* ``GET dead-letters``: a bounded page of the dead letters, oldest first, with the reason,
  the event type and the body; they stay in the queue (a peek);
* ``POST dead-letters/replay``: some (``event_ids``) or all (``all``) go back to the queue of
  their lane with a fresh retry budget;
* ``POST dead-letters/discard``: one goes for good, with the operator's reason (logged).

The service's own process reaches the broker (``BROKER_URL``): on RabbitMQ it connects as the
worker does; in the embedded mode the API runs in the process of the in-process broker, which
the command line (``deadletters.py``) cannot reach. Admins act, auditors read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask.views import MethodView
from kombu.exceptions import OperationalError
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select

from services.common.actors import current_actor
from services.common.authorization import READERS, allow
from services.common.blueprint import Blueprint
from services.common.events import deadletters
from services.common.problems import Problem
from services.common.schemas import Strict, UtcDateTime
from services.common.webapp import current_runtime

MAX_LETTERS = 100
EVENT_ID = fields.String(validate=validate.Length(min=1, max=200))


class QueueOut(Schema):
    name = fields.String()
    lane = fields.String(metadata={"description": "saga, bulk or dead"})
    waiting = fields.Integer(metadata={"description": "messages not yet delivered"})


class OutboxOut(Schema):
    unsent = fields.Integer()
    oldest_unsent_at = UtcDateTime(allow_none=True)
    oldest_unsent_age_seconds = fields.Float(allow_none=True)
    failing = fields.Integer(metadata={"description": "unsent rows whose last publication failed"})


class ConsumerOut(Schema):
    last_applied_at = UtcDateTime(
        allow_none=True, metadata={"description": "when the last consumed event was applied"}
    )
    last_applied_type = fields.String(allow_none=True)
    waiting = fields.Integer(
        allow_none=True, metadata={"description": "messages waiting in the lanes' queues"}
    )
    lag_seconds = fields.Float(
        allow_none=True,
        metadata={
            "description": "seconds since the consumer last applied an event, while messages "
            "wait in its lanes' queues; 0 when none waits; null when unknown (the broker "
            "cannot be read, or no event applied is on record)"
        },
    )


class SummaryOut(Schema):
    service = fields.String()
    checked_at = UtcDateTime()
    outbox = fields.Nested(OutboxOut)
    consumer = fields.Nested(ConsumerOut)
    dead_letters = fields.Integer(allow_none=True)
    queues = fields.List(fields.Nested(QueueOut))
    broker_error = fields.String(
        allow_none=True, metadata={"description": "why the queues could not be read"}
    )


class LetterArgs(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LETTERS))


class LetterOut(Schema):
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    time = fields.String(allow_none=True, metadata={"description": "the event's own time"})
    attempts = fields.Integer(allow_none=True)
    body = fields.String(metadata={"description": "the message as received"})


class LetterPage(Schema):
    items = fields.List(fields.Nested(LetterOut))
    total = fields.Integer(metadata={"description": "dead letters waiting, shown or not"})
    limit = fields.Integer()


class ReplayIn(Strict):
    event_ids = fields.List(EVENT_ID, validate=validate.Length(min=1, max=MAX_LETTERS))
    all = fields.Boolean(metadata={"description": "replay every dead letter"})

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if bool(data.get("event_ids")) == bool(data.get("all")):
            raise ValidationError("Give either event_ids or all: true.")


class ReplayOut(Schema):
    replayed = fields.Integer()


class DiscardIn(Strict):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


def operations_blueprint() -> Blueprint:
    """A fresh blueprint (one per app: the embedded mode builds several in one process)."""
    operations = Blueprint(
        "operations",
        __name__,
        url_prefix="/operations",
        description="Dead letters, outbox and consumer of this service, for operators",
    )

    @operations.route("/summary")
    class Summary(MethodView):
        @allow(*READERS)
        @operations.response(200, SummaryOut)
        def get(self):
            """The outbox backlog, the consumer's queues and last applied event, and the
            number of dead letters; the broker's part is left empty when it cannot be read."""
            runtime = current_runtime()
            summary = {
                "service": runtime.name,
                "checked_at": datetime.now(UTC),
                "outbox": _outbox(runtime),
                "consumer": _consumer(runtime),
                "queues": [],
                "dead_letters": None,
                "broker_error": None,
            }
            try:
                depths = deadletters.queue_depths(
                    runtime.settings.messaging.broker_url, runtime.topology, runtime.name
                )
            except Exception as exc:  # noqa: BLE001 - any broker failure is told, not raised
                summary["broker_error"] = f"{type(exc).__name__}: {exc}"[:300]
                return summary
            topology, name = runtime.topology, runtime.name
            lanes = {topology.queue_name(name, lane): lane for lane in topology.lanes(name)}
            lanes[dead := topology.dead_queue_name(name)] = "dead"
            summary["queues"] = [
                {"name": queue, "lane": lanes[queue], "waiting": depths[queue]} for queue in lanes
            ]
            summary["dead_letters"] = depths[dead]
            consumer = summary["consumer"]
            consumer["waiting"] = sum(depths[queue] for queue in lanes if queue != dead)
            consumer["lag_seconds"] = _lag_seconds(
                consumer["waiting"], consumer["last_applied_at"], summary["checked_at"]
            )
            return summary

    @operations.route("/dead-letters")
    class DeadLetters(MethodView):
        @allow(*READERS)
        @operations.arguments(LetterArgs, location="query")
        @operations.response(200, LetterPage)
        def get(self, args):
            """The first dead letters, oldest first; they stay where they are."""
            letters, total = _on_dead_letters(deadletters.peek_dead_letters, args["limit"])
            return {"items": letters, "total": total, "limit": args["limit"]}

    @operations.route("/dead-letters/replay")
    class Replay(MethodView):
        @allow("admin")
        @operations.arguments(ReplayIn)
        @operations.response(200, ReplayOut)
        def post(self, replay):
            """Send dead letters back to their lane's queue with a fresh retry budget: those of
            ``event_ids`` (404 if none of them is there), or ``all``."""
            ids = None if replay.get("all") else set(replay["event_ids"])
            count = _on_dead_letters(deadletters.replay_dead_letters, ids)
            if ids is not None and count == 0:
                raise Problem(404, "dead-letter-not-found", "No such dead letter.")
            return {"replayed": count}

    @operations.route("/dead-letters/discard")
    class Discard(MethodView):
        @allow("admin")
        @operations.arguments(DiscardIn)
        @operations.response(200, LetterOut)
        def post(self, discard):
            """Remove one dead letter for good; the reason is logged with who gave it."""
            letter = _on_dead_letters(
                deadletters.discard_dead_letter,
                discard["event_id"],
                discard["reason"],
                current_actor(),
            )
            if letter is None:
                raise Problem(404, "dead-letter-not-found", "This event is not dead-lettered.")
            return letter

    return operations


def _on_dead_letters(operation, *args):
    """``operation(broker_url, topology, service, *args)`` for this service; 503 without broker."""
    runtime = current_runtime()
    messaging = runtime.settings.messaging
    try:
        return operation(messaging.broker_url, runtime.topology, runtime.name, *args)
    except (OSError, ConnectionError, OperationalError) as exc:
        raise Problem(
            503, "broker-unavailable", f"The broker cannot be reached: {type(exc).__name__}."
        ) from exc


def _outbox(runtime) -> dict[str, Any]:
    outbox = runtime.tables.outbox
    unsent = outbox.c.sent_at.is_(None)
    with runtime.engine.connect() as connection:
        count, oldest, failing = connection.execute(
            select(
                func.count(),
                func.min(outbox.c.created_at),
                func.count(outbox.c.last_error),
            ).where(unsent)
        ).one()
    oldest = _utc(oldest)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else None
    return {
        "unsent": count,
        "oldest_unsent_at": oldest,
        "oldest_unsent_age_seconds": round(age, 3) if age is not None else None,
        "failing": failing,
    }


def _consumer(runtime) -> dict[str, Any]:
    inbox = runtime.tables.inbox
    with runtime.engine.connect() as connection:
        last = connection.execute(
            select(inbox.c.processed_at, inbox.c.event_type)
            .where(inbox.c.consumer == runtime.name)
            .order_by(inbox.c.processed_at.desc())
            .limit(1)
        ).first()
    return {
        "last_applied_at": _utc(last.processed_at) if last else None,
        "last_applied_type": last.event_type if last else None,
        "waiting": None,
        "lag_seconds": None,
    }


def _lag_seconds(waiting: int, last_applied_at: datetime | None, now: datetime) -> float | None:
    """How far the consumer is behind, as far as this process can tell honestly: for how long
    it has applied nothing while messages wait in its lanes' queues (a dead or stuck consumer
    shows it growing; one working through a backlog, a few seconds at most); 0 when none
    waits. Not the events' own age: the inbox keeps no event time, and reading a message's
    time off the queue would count a delivery against its retry budget (quorum queues). The
    worker's ``connexions_consumer_lag_seconds`` histogram has the events' delay. Messages a
    consumer holds unacknowledged are not waiting: a consumer stuck on fewer messages than it
    prefetches shows 0 here (its worker's log tells it)."""
    if waiting == 0:
        return 0.0
    if last_applied_at is None:  # never, or longer ago than the inbox keeps rows
        return None
    return round(max(0.0, (now - last_applied_at).total_seconds()), 3)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite gives times back without their zone (always UTC here)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
