"""API key schemas: a key as listed (never its secret), and a key as created (secret shown once)."""

from marshmallow import Schema, fields, validate

from schemas.common import PageLinksSchema, PageMetaSchema, PaginationArgsSchema
from schemas.fields import Slug, UTCDateTime, not_blank, plain_text

ROLES = ("partner", "author", "editor", "admin")


class KeySchema(Schema):
    id = fields.UUID()
    name = fields.String(metadata={"example": "Partenaire syndication"})
    role = fields.String(metadata={"enum": list(ROLES), "example": "partner"})
    prefix = fields.String(metadata={"description": "The key's first characters, to recognise it."})
    author_id = fields.UUID(allow_none=True)
    created_at = UTCDateTime()
    last_used_at = UTCDateTime(allow_none=True)
    revoked_at = UTCDateTime(allow_none=True)


class NewKeySchema(KeySchema):
    key = fields.String(
        metadata={
            "description": "The secret, shown this once: store it now.",
            "example": "nd_3q2n…",
        }
    )


class KeyCreateSchema(Schema):
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=120), plain_text, not_blank]
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    author = Slug(
        metadata={"description": "For `author` keys: the author profile (slug) it writes as."}
    )


class KeyEnvelopeSchema(Schema):
    data = fields.Nested(KeySchema)


class NewKeyEnvelopeSchema(Schema):
    data = fields.Nested(NewKeySchema)


class KeyListSchema(Schema):
    data = fields.List(fields.Nested(KeySchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)


class KeyQueryArgsSchema(PaginationArgsSchema):
    pass
