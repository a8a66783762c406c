"""Partner webhooks' SQL (``uow.webhooks``): endpoints, the delivery outbox (facts), the
deliveries and their attempts. Claims take rows with ``SKIP LOCKED`` on PostgreSQL, so
several workers share the work without sending one delivery twice at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from services.common.pagination import paginate
from services.donations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookFact,
)


class Webhooks:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._kinds_of: dict[str, set[str]] = {}  # partner → kinds its active endpoints want

    # endpoints -----------------------------------------------------------------------------

    def add(self, endpoint: WebhookEndpoint) -> WebhookEndpoint:
        self.session.add(endpoint)
        self.session.flush()
        return endpoint

    def get(
        self, webhook_id: str, *, scope: str | None, for_update: bool = False
    ) -> WebhookEndpoint | None:
        """The endpoint, if the caller's ``scope`` (a partner key's partner) lets it see it."""
        endpoint = self.session.get(WebhookEndpoint, webhook_id, with_for_update=for_update)
        if endpoint is None or (scope is not None and endpoint.partner_id != scope):
            return None
        return endpoint

    def page(self, args: dict, *, scope: str | None, partner_id: str | None) -> dict:
        query = select(WebhookEndpoint)
        if scope is not None:
            query = query.where(WebhookEndpoint.partner_id == scope)
        if partner_id:
            query = query.where(WebhookEndpoint.partner_id == partner_id)
        return paginate(
            self.session, query.order_by(WebhookEndpoint.created_at, WebhookEndpoint.id), args
        )

    def count_of(self, partner_id: str) -> int:
        return self.session.scalar(
            select(func.count()).where(WebhookEndpoint.partner_id == partner_id)
        )

    def remove(self, endpoint: WebhookEndpoint) -> None:
        """The endpoint, its deliveries and their attempts."""
        deliveries = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        self.session.execute(
            delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries))
        )
        self.session.execute(
            delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
        )
        self.session.delete(endpoint)

    def subscribed(self, partner_id: str, kind: str) -> list[WebhookEndpoint]:
        """The partner's active endpoints that want ``kind``."""
        endpoints = self.session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.state == "active"
            )
        ).all()
        return [endpoint for endpoint in endpoints if kind in endpoint.kinds]

    def wanting(self, kind: str) -> list[WebhookEndpoint]:
        """Every partner's active endpoints that want ``kind``, locked (one worker at a time
        decides what they are told)."""
        endpoints = self.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.state == "active")
            .order_by(WebhookEndpoint.id)
            .with_for_update(skip_locked=True)
        ).all()
        return [endpoint for endpoint in endpoints if kind in endpoint.kinds]

    def kind_delivered_since(self, endpoint: WebhookEndpoint, kind: str, since: datetime) -> bool:
        """Whether a delivery of ``kind`` was made for ``endpoint`` since ``since``."""
        return (
            self.session.scalar(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.kind == kind,
                    WebhookDelivery.created_at >= since,
                )
                .limit(1)
            )
            is not None
        )

    # the delivery outbox -------------------------------------------------------------------

    def wants(self, partner_id: str, kind: str) -> bool:
        """Whether an active endpoint of the partner wants ``kind`` (read once per unit of
        work: a consumer batch asks for every event)."""
        if partner_id not in self._kinds_of:
            rows = self.session.scalars(
                select(WebhookEndpoint.kinds).where(
                    WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.state == "active"
                )
            ).all()
            self._kinds_of[partner_id] = {kind for kinds in rows for kind in kinds}
        return kind in self._kinds_of[partner_id]

    def record_fact(self, partner_id: str, kind: str, item: dict[str, Any], at: datetime) -> None:
        self.session.add(WebhookFact(partner_id=partner_id, kind=kind, item=item, recorded_at=at))

    def ready_groups(self, cutoff: datetime, max_items: int) -> list[tuple[str, str]]:
        """(partner, kind) of the facts waiting since ``cutoff`` or numerous enough."""
        return list(
            self.session.execute(
                select(WebhookFact.partner_id, WebhookFact.kind)
                .group_by(WebhookFact.partner_id, WebhookFact.kind)
                .having(or_(func.min(WebhookFact.recorded_at) <= cutoff, func.count() >= max_items))
                .limit(100)
            ).all()
        )

    def take_facts(self, partner_id: str, kind: str, limit: int) -> Sequence[WebhookFact]:
        return self.session.scalars(
            select(WebhookFact)
            .where(WebhookFact.partner_id == partner_id, WebhookFact.kind == kind)
            .order_by(WebhookFact.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    def forget_facts(self, ids: list[int]) -> None:
        self.session.execute(delete(WebhookFact).where(WebhookFact.id.in_(ids)))

    # deliveries ----------------------------------------------------------------------------

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        self.session.add(delivery)
        return delivery

    def delivery(
        self, delivery_id: str, *, endpoint_id: str | None = None, for_update: bool = False
    ) -> WebhookDelivery | None:
        delivery = self.session.get(WebhookDelivery, delivery_id, with_for_update=for_update)
        if delivery is None or (endpoint_id is not None and delivery.endpoint_id != endpoint_id):
            return None
        return delivery

    def due(self, now: datetime, limit: int) -> Sequence[tuple[WebhookDelivery, WebhookEndpoint]]:
        """Pending deliveries of active endpoints whose time has come and which no sender
        holds (or whose sender's lease ran out: it died), oldest first, locked."""
        return self.session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
                WebhookEndpoint.state == "active",
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()

    def deliveries_page(self, endpoint_id: str, args: dict, state: str | None) -> dict:
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        if state:
            query = query.where(WebhookDelivery.state == state)
        order = (WebhookDelivery.created_at.desc(), WebhookDelivery.id)
        return paginate(self.session, query.order_by(*order), args)

    def attempts_of(self, delivery_ids: list[str]) -> dict[str, list[WebhookAttempt]]:
        attempts: dict[str, list[WebhookAttempt]] = {d: [] for d in delivery_ids}
        for attempt in self.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
        return attempts

    def add_attempt(self, attempt: WebhookAttempt) -> None:
        self.session.add(attempt)
