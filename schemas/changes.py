"""The change feed and the events partners receive (the same shape in webhook bodies)."""

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate

from api.models import EVENT_TYPES
from api.services.pagination import InvalidCursor, read_change_cursor
from schemas.fields import UTCDateTime

SEED_ARTICLE = {
    "id": "0b9f3a43-8f0e-4a3c-9d57-6a1f1c3f5e21",
    "slug": "seoul-accueille-la-seconde-edition-du-ai-safety-summit",
    "title": "Séoul accueille la seconde édition du AI Safety Summit",
    "status": "published",
    "published_at": "2024-05-21T08:00:00Z",
}


class ChangeDataSchema(Schema):
    current = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The resource as the public now sees it (as its read returns it, "
            "article bodies included); null when it was taken down (a tombstone), and in "
            "earlier changes of a resource since taken down (retracted content is erased).",
            "example": SEED_ARTICLE,
        },
    )
    previous = fields.Dict(
        allow_none=True,
        metadata={
            "description": "What the public saw before: null when first published or created; "
            "only `id` and `slug` in a tombstone.",
            "example": None,
        },
    )


class ChangeSchema(Schema):
    """One event: a publication, update, take-down or deletion the public saw."""

    id = fields.UUID(
        metadata={
            "description": "The event's id: also the `webhook-id` of its deliveries, so a "
            "receiver can drop duplicates.",
            "example": "7d1c1f3e-2a8b-4c55-9c1e-3f0b5f8e2d44",
        }
    )
    type = fields.String(
        validate=validate.OneOf(EVENT_TYPES), metadata={"example": "article.published"}
    )
    occurred_at = UTCDateTime(metadata={"example": "2024-05-21T08:00:00Z"})
    resource = fields.String(
        validate=validate.OneOf(("article", "tag", "author")), metadata={"example": "article"}
    )
    resource_id = fields.UUID(metadata={"example": SEED_ARTICLE["id"]})
    data = fields.Nested(ChangeDataSchema)
    surrogate_keys = fields.List(
        fields.String(),
        metadata={
            "description": "CDN cache keys to purge (as responses name them in `Surrogate-Key`).",
            "example": ["articles", f"article:{SEED_ARTICLE['id']}"],
        },
    )
    urls = fields.List(
        fields.String(),
        metadata={
            "description": "Public pages the change affects, on the publisher's site.",
            "example": [
                "https://www.example.org/articles/"
                "seoul-accueille-la-seconde-edition-du-ai-safety-summit"
            ],
        },
    )


class SinceField(fields.String):
    """A change-feed position the API signed; loads as the change id it names."""

    MAX_LENGTH = 500

    def __init__(self, **kwargs):
        metadata = {"minLength": 1, "maxLength": self.MAX_LENGTH, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= len(raw) <= self.MAX_LENGTH:
            raise ValidationError(f"Must be 1 to {self.MAX_LENGTH} characters long.")
        try:
            return read_change_cursor(current_app.config["SECRET_KEY"], raw)
        except InvalidCursor as error:
            raise ValidationError(str(error)) from None


class ChangeQueryArgsSchema(Schema):
    since = SinceField(
        metadata={
            "description": "Where to resume: the `next_cursor` of the previous page. Omit it "
            "to start from the first change ever recorded. Opaque and signed: a forged or "
            "altered cursor is a 400.",
        }
    )
    per_page = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=500),
        metadata={"description": "Changes per page (at most 500)."},
    )


class ChangeMetaSchema(Schema):
    per_page = fields.Integer(metadata={"example": 100})
    next_cursor = fields.String(
        metadata={
            "description": "Always present: send it as `since` to get what happened after "
            "this page (poll with it once `has_more` is false).",
        }
    )
    has_more = fields.Boolean(
        metadata={"description": "More changes are already waiting after this page."}
    )


class ChangeLinksSchema(Schema):
    self = fields.String(metadata={"description": "This page."})
    next = fields.String(metadata={"description": "The page after this one (also when empty)."})


class ChangeListSchema(Schema):
    data = fields.List(fields.Nested(ChangeSchema))
    meta = fields.Nested(ChangeMetaSchema)
    links = fields.Nested(ChangeLinksSchema)
