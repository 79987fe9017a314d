"""Revision and preview schemas: an article's history, and tokens to preview unpublished work."""

from marshmallow import Schema, fields

from schemas.common import PageLinksSchema, PageMetaSchema, PaginationArgsSchema
from schemas.fields import UTCDateTime


class RevisionSchema(Schema):
    number = fields.Integer(metadata={"description": "1 for the creation, then one per change."})
    action = fields.String(
        metadata={
            "example": "update",
            "description": "create, update, publish, schedule, "
            "unpublish, archive, delete, restore or revert.",
        }
    )
    key_id = fields.UUID(allow_none=True, metadata={"description": "The API key that acted."})
    created_at = UTCDateTime()
    changed_fields = fields.List(fields.String(), metadata={"example": ["title", "body"]})
    snapshot = fields.Dict(metadata={"description": "The article's editable fields after it."})


class RevisionEnvelopeSchema(Schema):
    data = fields.Nested(RevisionSchema)


class RevisionListSchema(Schema):
    data = fields.List(fields.Nested(RevisionSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)


class RevisionQueryArgsSchema(PaginationArgsSchema):
    pass


class PreviewTokenSchema(Schema):
    token = fields.String(metadata={"description": "Signed; valid until `expires_at`."})
    url = fields.String(metadata={"description": "Where the preview is served."})
    expires_at = UTCDateTime()


class PreviewTokenEnvelopeSchema(Schema):
    data = fields.Nested(PreviewTokenSchema)
