"""Webhook schemas: an endpoint (its secret shown only at creation and rotation), how one is
registered or changed, and its delivery log."""

from marshmallow import Schema, fields, validate

from api.models import EVENT_TYPES
from api.models.events import DELIVERY_STATUSES
from schemas.common import PageLinksSchema, PageMetaSchema, PaginationArgsSchema
from schemas.fields import PlainText, Url, UTCDateTime

# What an endpoint may subscribe to: event types, a resource's every event, or everything
EVENT_PATTERNS = (*EVENT_TYPES, "article.*", "tag.*", "author.*", "*")
EVENTS_DESCRIPTION = (
    "The events to receive: types (`article.published`, `article.updated`, "
    "`article.unpublished`, `article.deleted`, `tag.created`, …), `article.*`, `tag.*`, "
    "`author.*` for all of a resource's, or `*` for every event."
)
URL_DESCRIPTION = (
    "Where events are POSTed: http(s), no credentials. Its host must resolve to public "
    "addresses only (private, loopback, link-local, CGNAT, multicast and reserved ones are "
    "refused unless the server allows their network); checked here and before each delivery. "
    "Redirects are not followed."
)
EXAMPLE_URL = "https://partner.example.com/hooks/newsdesk"


class WebhookSchema(Schema):
    id = fields.UUID(metadata={"description": "Stable identifier."})
    url = fields.String(metadata={"description": URL_DESCRIPTION, "example": EXAMPLE_URL})
    description = fields.String(
        allow_none=True, metadata={"example": "Partenaire syndication : republication"}
    )
    events = fields.List(
        fields.String(metadata={"enum": list(EVENT_PATTERNS)}),
        metadata={"description": EVENTS_DESCRIPTION, "example": ["article.*"]},
    )
    active = fields.Boolean(
        metadata={
            "description": "A paused endpoint (false) is queued nothing new; what was pending "
            "waits until it is active again."
        }
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class NewWebhookSchema(WebhookSchema):
    secret = fields.String(
        metadata={
            "description": "The signing secret, shown this once (at creation or rotation): "
            "verify each request's `webhook-signature` with it, per Standard Webhooks.",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )


class WebhookCreateSchema(Schema):
    url = Url(required=True, metadata={"description": URL_DESCRIPTION})
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_PATTERNS)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": EVENTS_DESCRIPTION},
    )
    description = PlainText(500, allow_none=True)
    active = fields.Boolean(metadata={"description": "False pauses the endpoint (default true)."})


class WebhookUpdateSchema(WebhookCreateSchema):
    """The fields to change; absent fields keep their value (load it with `partial=True`)."""


class WebhookEnvelopeSchema(Schema):
    data = fields.Nested(WebhookSchema)


class NewWebhookEnvelopeSchema(Schema):
    data = fields.Nested(NewWebhookSchema)


class WebhookListSchema(Schema):
    data = fields.List(fields.Nested(WebhookSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)


class WebhookQueryArgsSchema(PaginationArgsSchema):
    pass


class WebhookDeliverySchema(Schema):
    """One event on its way to one endpoint."""

    id = fields.Integer(metadata={"description": "The delivery's number.", "example": 42})
    webhook_id = fields.UUID(attribute="endpoint_id")
    event_id = fields.UUID(
        attribute="change.event_id",
        metadata={"description": "The event's id: the `webhook-id` header of every attempt."},
    )
    event_type = fields.String(
        attribute="change.type",
        metadata={"enum": list(EVENT_TYPES), "example": "article.published"},
    )
    status = fields.String(
        metadata={
            "enum": list(DELIVERY_STATUSES),
            "description": "`pending` (not yet delivered: waiting for its turn or a retry), "
            "`delivered` (the endpoint answered 2xx) or `failed` (every attempt failed; "
            "replay it to try again).",
        }
    )
    attempts = fields.Integer(metadata={"description": "Attempts made so far.", "example": 1})
    next_attempt_at = UTCDateTime(
        metadata={
            "description": "Pending: when the next attempt is due (the endpoint's older "
            "pending deliveries go first). Delivered or failed: when it ended."
        }
    )
    last_attempt_at = UTCDateTime(allow_none=True)
    delivered_at = UTCDateTime(allow_none=True)
    response_status = fields.Integer(
        allow_none=True,
        metadata={"description": "The status the endpoint answered last, if it answered."},
    )
    error = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the last attempt failed (a status, a timeout, a refused "
            "address…); null once delivered.",
            "example": None,
        },
    )
    created_at = UTCDateTime()


class WebhookDeliveryEnvelopeSchema(Schema):
    data = fields.Nested(WebhookDeliverySchema)


class WebhookDeliveryListSchema(Schema):
    data = fields.List(fields.Nested(WebhookDeliverySchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)


class WebhookDeliveryQueryArgsSchema(PaginationArgsSchema):
    status = fields.String(
        validate=validate.OneOf(DELIVERY_STATUSES),
        metadata={"description": "Only deliveries with this status."},
    )
