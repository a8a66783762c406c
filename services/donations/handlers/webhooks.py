"""Partner webhooks' use cases: endpoints (register, change, remove, rotate the secret, ping,
replay a delivery), the facts the projections record for them, and the delivery loop's
steps (batch the facts into deliveries, claim the due ones, record each attempt).

The delivery machinery keeps real time (``datetime.now(UTC)``), like the outbox, whatever
the use cases' clock says.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.donations.domain.errors import (
    PartnerNotFound,
    UnknownWebhookKinds,
    WebhookDeliveryNotFound,
    WebhookDisabled,
    WebhookNotFound,
)
from services.donations.domain.webhook_catalogue import KINDS, version_of
from services.donations.domain.webhook_commands import (
    ChangeWebhook,
    PingWebhook,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
)
from services.donations.domain.webhooks import (
    RetryPolicy,
    new_secret,
    next_attempt,
    should_disable,
    vet,
)
from services.donations.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from services.donations.repository import DonationsUnitOfWork
from services.donations.webhook_secrets import SecretBox, secret_box
from services.donations.webhook_transport import Outcome, system_resolver

RESOLVER = {"resolve": system_resolver}  # tests put a stub resolver here


def real_now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _box(uow: DonationsUnitOfWork) -> SecretBox:
    settings = uow.settings
    return secret_box(settings.webhooks.secrets_key, settings.card_codes_key_dir)


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its signing secret, answered once (at registration and rotation)."""

    endpoint: WebhookEndpoint
    secret: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.endpoint, name)


# endpoints ------------------------------------------------------------------------------------


def _checked_kinds(kinds: Iterable[str]) -> list[str]:
    kinds = list(dict.fromkeys(kinds))
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        raise UnknownWebhookKinds(unknown)
    return kinds


def _vetted(uow: DonationsUnitOfWork, url: str) -> str:
    vet(url, RESOLVER["resolve"], allow_loopback=uow.settings.webhooks.allow_loopback_http)
    return url


def register_webhook(uow: DonationsUnitOfWork, command: RegisterWebhook) -> WithSecret:
    kinds = _checked_kinds(command.kinds)
    url = _vetted(uow, command.url)
    with uow:
        partner = uow.partners.get(command.partner_id, scope=command.scope)
        if partner is None:
            raise PartnerNotFound(command.partner_id)
        secret, now = new_secret(), real_now()
        endpoint = WebhookEndpoint(
            id=str(uuid.uuid4()),
            partner_id=partner.id,
            url=url,
            description=command.description,
            kinds=kinds,
            state="active",
            created_at=now,
            updated_at=now,
        )
        endpoint.secret_sealed = _box(uow).seal(endpoint.id, secret)
        uow.webhooks.add(endpoint)
        uow.commit()
        return WithSecret(endpoint, secret)


def _endpoint(uow: DonationsUnitOfWork, webhook_id: str, scope: str | None) -> WebhookEndpoint:
    endpoint = uow.webhooks.get(webhook_id, scope=scope, for_update=True)
    if endpoint is None:
        raise WebhookNotFound(webhook_id)
    return endpoint


def change_webhook(uow: DonationsUnitOfWork, command: ChangeWebhook) -> WebhookEndpoint:
    kinds = None if command.kinds is None else _checked_kinds(command.kinds)
    url = None if command.url is None else _vetted(uow, command.url)
    with uow:
        endpoint = _endpoint(uow, command.webhook_id, command.scope)
        if url is not None:
            endpoint.url = url
        if kinds is not None:
            endpoint.kinds = kinds
        if command.description is not None:
            endpoint.description = command.description
        if command.enabled is True and endpoint.state != "active":
            endpoint.state, endpoint.disabled_reason, endpoint.failing_since = "active", None, None
        elif command.enabled is False and endpoint.state == "active":
            endpoint.state, endpoint.disabled_reason = "disabled", "disabled by the partner"
        endpoint.updated_at = real_now()
        uow.commit()
        return endpoint


def remove_webhook(uow: DonationsUnitOfWork, command: RemoveWebhook) -> None:
    with uow:
        uow.webhooks.remove(_endpoint(uow, command.webhook_id, command.scope))
        uow.commit()


def rotate_webhook_secret(uow: DonationsUnitOfWork, command: RotateWebhookSecret) -> WithSecret:
    """A new secret; the previous one stays valid (both signatures sent) for the overlap."""
    with uow:
        endpoint = _endpoint(uow, command.webhook_id, command.scope)
        secret, now, box = new_secret(), real_now(), _box(uow)
        overlap = timedelta(seconds=uow.settings.webhooks.secret_overlap_seconds)
        endpoint.previous_secret_sealed = endpoint.secret_sealed
        endpoint.previous_secret_until = now + overlap
        endpoint.secret_sealed = box.seal(endpoint.id, secret)
        endpoint.updated_at = now
        uow.commit()
        return WithSecret(endpoint, secret)


def ping_webhook(uow: DonationsUnitOfWork, command: PingWebhook) -> WebhookDelivery:
    """A ``webhook.test`` delivery to this endpoint alone, due at once."""
    with uow:
        endpoint = _endpoint(uow, command.webhook_id, command.scope)
        if endpoint.state != "active":
            raise WebhookDisabled("This endpoint is disabled: enable it again to ping it.")
        now = real_now()
        item = {"message": "Test ping from Connexions solidaires.", "at": now.isoformat()}
        delivery = _new_delivery(endpoint, "webhook.test", [item], now, now)
        uow.webhooks.add_delivery(delivery)
        uow.commit()
        return delivery


def replay_delivery(uow: DonationsUnitOfWork, command: ReplayDelivery) -> WebhookDelivery:
    """Send a delivery again, same ``webhook-id`` (the receiver may have it already), with a
    fresh retry window."""
    with uow:
        endpoint = _endpoint(uow, command.webhook_id, command.scope)
        delivery = uow.webhooks.delivery(
            command.delivery_id, endpoint_id=endpoint.id, for_update=True
        )
        if delivery is None:
            raise WebhookDeliveryNotFound(command.delivery_id)
        now = real_now()
        delivery.state, delivery.next_attempt_at, delivery.leased_until = "pending", now, None
        delivery.created_at = now
        uow.commit()
        return delivery


def _new_delivery(
    endpoint: WebhookEndpoint,
    kind: str,
    items: list[dict[str, Any]],
    first_fact_at: datetime,
    now: datetime,
) -> WebhookDelivery:
    body = {
        "type": kind,
        "version": version_of(kind),
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "partner_id": endpoint.partner_id,
        "data": {"items": items},
    }
    return WebhookDelivery(
        id="msg_" + uuid.uuid4().hex,
        endpoint_id=endpoint.id,
        partner_id=endpoint.partner_id,
        kind=kind,
        item_count=len(items),
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        state="pending",
        attempts=0,
        next_attempt_at=now,
        first_fact_at=first_fact_at,
        created_at=now,
    )


# facts, recorded by the projections in their own transaction ---------------------------------


def record_fact(uow: DonationsUnitOfWork, partner_id: str | None, kind: str, item: dict) -> None:
    """Into the delivery outbox, if an active endpoint of the partner wants ``kind``."""
    if partner_id and uow.webhooks.wants(partner_id, kind):
        uow.webhooks.record_fact(partner_id, kind, item, real_now())


# the delivery loop's steps ----------------------------------------------------------------------

MONTH_SETTLE = timedelta(hours=1)  # late events of a month's last hour settle first


def announce_closed_month(uow: DonationsUnitOfWork, now: datetime | None = None) -> int:
    """``impact.monthly_ready`` once per closed month (the programme's calendar) to every
    active endpoint that wants it, an hour after the month ends; an endpoint registered
    since is told of the last closed month. How many deliveries were made."""
    now = now or real_now()
    local = now.astimezone(uow.settings.programme_timezone)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ready_at = (month_start + MONTH_SETTLE).astimezone(UTC)
    if now < ready_at:
        return 0
    month = (month_start - timedelta(days=1)).strftime("%Y-%m")
    with uow:
        made = 0
        for endpoint in uow.webhooks.wanting("impact.monthly_ready"):
            if uow.webhooks.kind_delivered_since(endpoint, "impact.monthly_ready", ready_at):
                continue
            item = {
                "month": month,
                "impact": f"/api/donations/partners/{endpoint.partner_id}/impact",
            }
            uow.webhooks.add_delivery(
                _new_delivery(endpoint, "impact.monthly_ready", [item], ready_at, now)
            )
            made += 1
        uow.commit()
        return made


def batch_facts(uow: DonationsUnitOfWork, window_seconds: float, max_items: int) -> int:
    """Turn the facts waiting for ``window_seconds`` (or ``max_items`` of them) into
    deliveries, one per subscribed endpoint, partner and kind, and forget them, in one
    transaction; how many facts."""
    with uow:
        now = real_now()
        taken = 0
        for partner_id, kind in uow.webhooks.ready_groups(
            now - timedelta(seconds=window_seconds), max_items
        ):
            facts = uow.webhooks.take_facts(partner_id, kind, max_items)
            if not facts:
                continue
            first = min(_aware(fact.recorded_at) for fact in facts)
            items = [fact.item for fact in facts]
            for endpoint in uow.webhooks.subscribed(partner_id, kind):
                uow.webhooks.add_delivery(_new_delivery(endpoint, kind, items, first, now))
            uow.webhooks.forget_facts([fact.id for fact in facts])
            taken += len(facts)
        uow.commit()
        return taken


@dataclass(frozen=True)
class Claim:
    """A delivery a sender holds until ``leased_until``: what it needs to send it."""

    delivery_id: str
    endpoint_id: str
    url: str
    secrets: tuple[str, ...]
    body: bytes


def claim_due(
    uow: DonationsUnitOfWork, free: dict[str, int], room: int, per_endpoint: int, lease: float
) -> list[Claim]:
    """Up to ``room`` due deliveries, at most ``free.get(endpoint, per_endpoint)`` for each
    endpoint, leased for ``lease`` seconds (a sender that dies lets them go at its end)."""
    if room <= 0:
        return []
    with uow:
        now, box, claims = real_now(), _box(uow), []
        left = dict(free)
        for delivery, endpoint in uow.webhooks.due(now, room * 4):
            if len(claims) >= room or left.setdefault(endpoint.id, per_endpoint) <= 0:
                continue
            left[endpoint.id] -= 1
            delivery.leased_until = now + timedelta(seconds=lease)
            claims.append(
                Claim(
                    delivery.id,
                    endpoint.id,
                    endpoint.url,
                    _valid_secrets(box, endpoint, now),
                    delivery.body.encode(),
                )
            )
        uow.commit()
        return claims


def _valid_secrets(box: SecretBox, endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    secrets = [box.open(endpoint.id, endpoint.secret_sealed)]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret_sealed and until is not None and _aware(until) > now:
        secrets.append(box.open(endpoint.id, endpoint.previous_secret_sealed))
    return tuple(secrets)


@dataclass(frozen=True)
class Recorded:
    """What became of an attempt: for the metrics."""

    kind: str
    delivered: bool
    lag_seconds: float | None
    endpoint_disabled: bool


def record_attempt(
    uow: DonationsUnitOfWork, claim: Claim, outcome: Outcome, policy: RetryPolicy
) -> Recorded | None:
    """The attempt in the log; the delivery delivered, due again later, or failed for good;
    the endpoint disabled on a 410 or after failing for too long. ``None``: the endpoint
    was removed meanwhile."""
    with uow:
        delivery = uow.webhooks.delivery(claim.delivery_id, for_update=True)
        endpoint = uow.webhooks.get(claim.endpoint_id, scope=None, for_update=True)
        if delivery is None or endpoint is None:
            return None
        now = real_now()
        uow.webhooks.add_attempt(
            WebhookAttempt(
                delivery_id=delivery.id,
                attempted_at=now,
                status=outcome.status,
                failure=outcome.failure,
                error=outcome.error,
                latency_ms=outcome.latency_ms,
            )
        )
        delivery.attempts += 1
        delivery.leased_until = None
        delivery.last_status, delivery.last_failure = outcome.status, outcome.failure
        delivery.last_error, delivery.last_latency_ms = outcome.error, outcome.latency_ms
        lag, disabled = None, False
        if outcome.failure is None:
            delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
            endpoint.failing_since = None
            lag = (now - _aware(delivery.first_fact_at)).total_seconds()
        else:
            retry = None
            if outcome.failure != "gone":
                retry = next_attempt(policy, delivery.attempts, _aware(delivery.created_at), now)
            delivery.next_attempt_at = retry
            if retry is None:
                delivery.state = "failed"
            endpoint.failing_since = endpoint.failing_since or now
            disabled = _disable_if_due(endpoint, outcome, policy, now)
        uow.commit()
        return Recorded(delivery.kind, outcome.failure is None, lag, disabled)


def _disable_if_due(
    endpoint: WebhookEndpoint, outcome: Outcome, policy: RetryPolicy, now: datetime
) -> bool:
    if endpoint.state != "active":
        return False
    if outcome.failure == "gone":
        reason = "The endpoint answered 410 Gone: it asked us to stop."
    elif should_disable(policy, _aware(endpoint.failing_since), now):
        since = _aware(endpoint.failing_since).isoformat()
        reason = f"Every delivery failed since {since} (last: {outcome.error})."
    else:
        return False
    endpoint.state, endpoint.disabled_reason, endpoint.updated_at = "disabled", reason[:500], now
    return True


WEBHOOK_COMMAND_HANDLERS = {
    RegisterWebhook: register_webhook,
    ChangeWebhook: change_webhook,
    RemoveWebhook: remove_webhook,
    RotateWebhookSecret: rotate_webhook_secret,
    PingWebhook: ping_webhook,
    ReplayDelivery: replay_delivery,
}
