"""Partner webhooks: endpoints, their delivery log, a test ping, replays, the catalogue.

A partner key registers, sees and changes its own partner's endpoints only (a foreign one
answers like an unknown id, 404); an admin does it for any partner; an auditor reads. No
``Idempotency-Key`` on the registration: its answer carries the signing secret, which must
not be kept anywhere in clear, so the header is refused (422 ``idempotency-key-not-accepted``)
rather than ignored (a repeated registration makes a second endpoint; delete it).
"""

from __future__ import annotations

from copy import deepcopy
from functools import wraps

from flask import request
from flask.views import MethodView

from services.common.authorization import READERS, allow, partner_scope
from services.common.blueprint import Blueprint
from services.common.idempotency import HEADER as IDEMPOTENCY_KEY
from services.common.pagination import page_of
from services.common.problems import Problem
from services.common.webapp import current_runtime, execute
from services.donations.api.webhook_schemas import (
    CatalogueOut,
    DeliveryFilter,
    DeliveryOut,
    WebhookFilter,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookWithSecretOut,
)
from services.donations.domain.errors import (
    NotYourPartner,
    PartnerRequired,
    WebhookNotFound,
)
from services.donations.domain.webhook_catalogue import CATALOGUE_VERSION, KINDS
from services.donations.domain.webhook_commands import (
    ChangeWebhook,
    PingWebhook,
    RegisterWebhook,
    RemoveWebhook,
    ReplayDelivery,
    RotateWebhookSecret,
)

SIGNATURE = (
    "Standard Webhooks: headers webhook-id, webhook-timestamp (Unix seconds) and"
    " webhook-signature = 'v1,' + base64(HMAC-SHA256(key, '{webhook-id}.{webhook-timestamp}."
    "{body}')), key = base64-decoded part of the secret after 'whsec_'; during a rotation"
    " two signatures, separated by a space."
)
LOG_ATTEMPTS = 10  # attempts shown per delivery, the latest
NO_IDEMPOTENCY_KEY = (
    "Not accepted here (422 idempotency-key-not-accepted): the answer carries the endpoint's"
    " signing secret, which a replay would have to keep in clear. A repeated registration"
    " makes a second endpoint: list the partner's endpoints and delete the one too many."
)


def refuses_idempotency_key(view):
    """Refuse an ``Idempotency-Key`` rather than ignore it (a client sending one expects a
    retry to replay, not to register a second endpoint); documented on the operation."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get(IDEMPOTENCY_KEY) is not None:
            raise Problem(422, "idempotency-key-not-accepted", NO_IDEMPOTENCY_KEY)
        return view(*args, **kwargs)

    wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))  # flask-smorest's doc
    parameters = wrapper._apidoc.setdefault("arguments", {}).setdefault("parameters", [])
    parameters.append(
        {
            "in": "header",
            "name": IDEMPOTENCY_KEY,
            "required": False,
            "schema": {"type": "string"},
            "description": NO_IDEMPOTENCY_KEY,
        }
    )
    return wrapper


webhooks = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/webhooks",
    description=(
        "Partner webhooks: a partner's own facts (the catalogue: GET /webhooks/catalogue),"
        " batched per kind, sent at least once (deduplicate on webhook-id), retried with"
        " back-off for 24 h, to https URLs on public addresses only. Signature: " + SIGNATURE
    ),
)


@webhooks.route("/catalogue")
class Catalogue(MethodView):
    @allow(*READERS, "partner")
    @webhooks.response(200, CatalogueOut)
    def get(self):
        """The event kinds an endpoint may subscribe to, versioned, and the signature."""
        return {"version": CATALOGUE_VERSION, "signature": SIGNATURE, "kinds": KINDS.values()}


@webhooks.route("")
class WebhookCollection(MethodView):
    @allow(*READERS, "partner")
    @webhooks.arguments(WebhookFilter, location="query")
    @webhooks.response(200, page_of(WebhookOut))
    def get(self, args):
        partner_id = args.get("partner_id")
        with current_runtime().unit_of_work() as uow:
            return uow.webhooks.page(
                args, scope=partner_scope(), partner_id=partner_id and str(partner_id)
            )

    @allow("admin", "partner")
    @refuses_idempotency_key
    @webhooks.arguments(WebhookIn)
    @webhooks.response(201, WebhookWithSecretOut)
    def post(self, new):
        """Register an endpoint; the answer shows its signing secret, once.

        No ``Idempotency-Key``: refused with 422 ``idempotency-key-not-accepted``, since a
        replay would keep the secret in clear."""
        scope = partner_scope()
        partner_id = str(new["partner_id"]) if new.get("partner_id") else scope
        if partner_id is None:
            raise PartnerRequired("Name the partner the endpoint is for (partner_id).")
        if scope is not None and partner_id != scope:
            raise NotYourPartner("A partner key registers its own partner's endpoints only.")
        return execute(
            RegisterWebhook(
                partner_id, scope, new["url"], tuple(new["kinds"]), new.get("description", "")
            )
        )


@webhooks.route("/<uuid:webhook_id>")
class WebhookItem(MethodView):
    @allow(*READERS, "partner")
    @webhooks.response(200, WebhookOut)
    def get(self, webhook_id):
        with current_runtime().unit_of_work() as uow:
            endpoint = uow.webhooks.get(str(webhook_id), scope=partner_scope())
            if endpoint is None:
                raise WebhookNotFound(webhook_id)
            return endpoint

    @allow("admin", "partner")
    @webhooks.arguments(WebhookPatch)
    @webhooks.response(200, WebhookOut)
    def patch(self, changes, webhook_id):
        """Change the URL, kinds or description; ``enabled`` disables or re-enables it."""
        kinds = changes.get("kinds")
        return execute(
            ChangeWebhook(
                str(webhook_id),
                partner_scope(),
                url=changes.get("url"),
                kinds=None if kinds is None else tuple(kinds),
                description=changes.get("description"),
                enabled=changes.get("enabled"),
            )
        )

    @allow("admin", "partner")
    @webhooks.response(204)
    def delete(self, webhook_id):
        """Remove the endpoint with its delivery log."""
        execute(RemoveWebhook(str(webhook_id), partner_scope()))


@webhooks.route("/<uuid:webhook_id>/secret-rotation")
class SecretRotation(MethodView):
    @allow("admin", "partner")
    @webhooks.response(200, WebhookWithSecretOut)
    def post(self, webhook_id):
        """A new signing secret, shown once; the previous one keeps signing too for the
        overlap period (``previous_secret_until``)."""
        return execute(RotateWebhookSecret(str(webhook_id), partner_scope()))


@webhooks.route("/<uuid:webhook_id>/ping")
class Ping(MethodView):
    @allow("admin", "partner")
    @webhooks.response(202, DeliveryOut)
    def post(self, webhook_id):
        """Send a ``webhook.test`` delivery to this endpoint now; follow it in the log."""
        delivery = execute(PingWebhook(str(webhook_id), partner_scope()))
        delivery.attempt_log = []
        return delivery


@webhooks.route("/<uuid:webhook_id>/deliveries")
class Deliveries(MethodView):
    @allow(*READERS, "partner")
    @webhooks.arguments(DeliveryFilter, location="query")
    @webhooks.response(200, page_of(DeliveryOut))
    def get(self, args, webhook_id):
        """The endpoint's deliveries, latest first, each with its latest attempts."""
        with current_runtime().unit_of_work() as uow:
            endpoint = uow.webhooks.get(str(webhook_id), scope=partner_scope())
            if endpoint is None:
                raise WebhookNotFound(webhook_id)
            page = uow.webhooks.deliveries_page(endpoint.id, args, args.get("state"))
            attempts = uow.webhooks.attempts_of([d.id for d in page["items"]])
            for delivery in page["items"]:
                delivery.attempt_log = attempts[delivery.id][-LOG_ATTEMPTS:]
            return page


@webhooks.route("/<uuid:webhook_id>/deliveries/<string:delivery_id>/replay")
class Replay(MethodView):
    @allow("admin", "partner")
    @webhooks.response(202, DeliveryOut)
    def post(self, webhook_id, delivery_id):
        """Send this delivery again (same ``webhook-id``), now and then as retries go."""
        delivery = execute(ReplayDelivery(str(webhook_id), delivery_id[:40], partner_scope()))
        delivery.attempt_log = []
        return delivery
