"""Webhooks: admins register the URLs that receive signed events, and read their delivery log."""

import uuid

from flask import current_app, url_for
from flask.views import MethodView

from api.db import db
from api.extensions import (
    IF_MATCH_HEADER,
    Blueprint,
    check_if_match,
    found_or_404,
    one,
    page_response,
    path_parameter,
    representation_etag,
)
from api.models import WebhookDelivery, WebhookEndpoint
from api.services import queries, webhooks
from api.services.pagination import paginate
from schemas.webhooks import (
    EXAMPLE_URL,
    NewWebhookEnvelopeSchema,
    WebhookCreateSchema,
    WebhookDeliveryEnvelopeSchema,
    WebhookDeliveryListSchema,
    WebhookDeliveryQueryArgsSchema,
    WebhookEnvelopeSchema,
    WebhookListSchema,
    WebhookQueryArgsSchema,
    WebhookSchema,
    WebhookUpdateSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Endpoints that receive events as they happen (`article.published`, "
    "`article.updated`, `article.unpublished`, `article.deleted`, `tag.*`, `author.*`): each "
    "a POST of the event (the change feed's shape) signed per Standard Webhooks "
    "(`webhook-id`, `webhook-timestamp`, `webhook-signature`). Per endpoint, events arrive in "
    "the order they happened, at least once (drop repeats by `webhook-id`); failures are "
    "retried with exponential backoff. Admins only.",
)
NOT_FOUND = "No webhook has this id."
DELIVERY_NOT_FOUND = "This webhook has no delivery with this id."
WEBHOOK_ID = path_parameter("webhook_id", "The webhook's id (a UUID).")
DELIVERY_ID = path_parameter("delivery_id", "The delivery's number.")
LOCATION = {"Location": {"schema": {"type": "string"}}}


def _settings() -> webhooks.DeliverySettings:
    return webhooks.DeliverySettings.from_config(current_app.config)


def _endpoint(webhook_id: uuid.UUID) -> WebhookEndpoint:
    return found_or_404(db.session.get(WebhookEndpoint, webhook_id), NOT_FOUND)


def _etag(endpoint: WebhookEndpoint) -> str:
    return representation_etag(WebhookSchema(), endpoint)


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    return {name: getattr(endpoint, name) for name in WebhookSchema().fields} | {"secret": secret}


def _delivery(webhook_id: uuid.UUID, delivery_id: int) -> WebhookDelivery:
    stmt = queries.deliveries_of(webhook_id).where(WebhookDelivery.id == delivery_id)
    return found_or_404(db.session.scalar(stmt), DELIVERY_NOT_FOUND)


@blp.route("")
class Webhooks(MethodView):
    @blp.auth("admin")
    @blp.query(WebhookQueryArgsSchema)
    @blp.response(200, WebhookListSchema)
    @blp.errors(400)
    def get(self, args):
        """List webhooks

        Oldest first. Secrets are never shown again.
        """
        stmt = queries.list_webhook_endpoints()
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))

    @blp.auth("admin")
    @blp.arguments(
        WebhookCreateSchema,
        example={
            "url": EXAMPLE_URL,
            "events": ["article.*"],
            "description": "Partenaire syndication : republication",
        },
    )
    @blp.response(201, NewWebhookEnvelopeSchema, headers=LOCATION)
    def post(self, data):
        """Register a webhook

        Events of the chosen types are POSTed to the URL from now on. The answer holds the
        signing secret, shown this once. A URL whose host does not resolve, or resolves to a
        private, loopback, link-local or otherwise non-public address, is a 422.
        """
        endpoint, secret = webhooks.create_endpoint(db.session, data, _settings())
        db.session.commit()
        location = url_for("webhooks.WebhookById", webhook_id=endpoint.id)
        return one(_with_secret(endpoint, secret)), 201, {"Location": location}


@blp.route("/<uuid:webhook_id>", parameters=[WEBHOOK_ID])
class WebhookById(MethodView):
    @blp.auth("admin")
    @blp.response(200, WebhookEnvelopeSchema)
    @blp.errors(404)
    def get(self, webhook_id: uuid.UUID):
        """Get a webhook

        Its URL, events and state; never its secret.
        """
        return one(_endpoint(webhook_id))

    @blp.auth("admin")
    @blp.arguments(WebhookUpdateSchema(partial=True), example={"events": ["article.*", "tag.*"]})
    @blp.response(200, WebhookEnvelopeSchema)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 412)
    def patch(self, data, webhook_id: uuid.UUID):
        """Change a webhook

        Only the fields sent change. New events apply to changes from now on; `active: false`
        pauses the endpoint (nothing new is queued; what is pending waits until it resumes).
        A new URL is checked as at registration.
        """
        endpoint = _endpoint(webhook_id)
        check_if_match(_etag(endpoint), required=False)
        webhooks.update_endpoint(db.session, endpoint, data, _settings())
        db.session.commit()
        return one(endpoint), 200, {"ETag": _etag(endpoint)}

    @blp.auth("admin")
    @blp.response(204)
    @blp.doc(parameters=[IF_MATCH_HEADER])
    @blp.errors(404, 412)
    def delete(self, webhook_id: uuid.UUID):
        """Delete a webhook

        Nothing more is sent to it, pending deliveries included; its delivery log goes with it.
        """
        endpoint = _endpoint(webhook_id)
        check_if_match(_etag(endpoint), required=False)
        webhooks.delete_endpoint(db.session, endpoint)
        db.session.commit()
        return None


@blp.route("/<uuid:webhook_id>/rotate-secret", parameters=[WEBHOOK_ID])
class WebhookSecret(MethodView):
    @blp.auth("admin")
    @blp.response(200, NewWebhookEnvelopeSchema)
    @blp.errors(404)
    def post(self, webhook_id: uuid.UUID):
        """Rotate a webhook's secret

        A new signing secret, shown this once, replaces the old one at once: every request
        from now on, retries included, is signed with it.
        """
        endpoint = _endpoint(webhook_id)
        secret = webhooks.rotate_secret(db.session, endpoint)
        db.session.commit()
        return one(_with_secret(endpoint, secret))


@blp.route("/<uuid:webhook_id>/deliveries", parameters=[WEBHOOK_ID])
class Deliveries(MethodView):
    @blp.auth("admin")
    @blp.query(WebhookDeliveryQueryArgsSchema)
    @blp.response(200, WebhookDeliveryListSchema)
    @blp.errors(400, 404)
    def get(self, args, webhook_id: uuid.UUID):
        """List a webhook's deliveries

        Its delivery log, newest first: each event sent or to send, with its status, attempts,
        next and last attempt times, the status the endpoint answered and the last error.
        """
        _endpoint(webhook_id)
        stmt = queries.deliveries_of(webhook_id)
        if args.get("status"):
            stmt = stmt.where(WebhookDelivery.status == args["status"])
        return page_response(paginate(db.session, stmt, args["page"], args["per_page"]))


@blp.route(
    "/<uuid:webhook_id>/deliveries/<int(max=9223372036854775807):delivery_id>",
    parameters=[WEBHOOK_ID, DELIVERY_ID],
)
class DeliveryById(MethodView):
    @blp.auth("admin")
    @blp.response(200, WebhookDeliveryEnvelopeSchema)
    @blp.errors(404)
    def get(self, webhook_id: uuid.UUID, delivery_id: int):
        """Get a delivery

        One entry of the webhook's delivery log.
        """
        return one(_delivery(webhook_id, delivery_id))


@blp.route(
    "/<uuid:webhook_id>/deliveries/<int(max=9223372036854775807):delivery_id>/replay",
    parameters=[WEBHOOK_ID, DELIVERY_ID],
)
class DeliveryReplay(MethodView):
    @blp.auth("admin")
    @blp.response(201, WebhookDeliveryEnvelopeSchema, headers=LOCATION)
    @blp.errors(404)
    def post(self, webhook_id: uuid.UUID, delivery_id: int):
        """Replay a delivery

        Queues its event again for this webhook, after whatever is pending there: a new
        delivery, with the event's own `webhook-id` (a receiver that kept it drops it).
        Whatever the delivery's status: a failed one, or one a receiver lost.
        """
        replay = webhooks.replay_delivery(db.session, _delivery(webhook_id, delivery_id))
        db.session.commit()
        replay = _delivery(webhook_id, replay.id)
        location = url_for("webhooks.DeliveryById", webhook_id=webhook_id, delivery_id=replay.id)
        return one(replay), 201, {"Location": location}
