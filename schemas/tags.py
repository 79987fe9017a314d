"""Tag schemas: what a tag looks like, how one is created, and how tags are listed."""

from marshmallow import Schema, fields, validate

from schemas.common import (
    PageLinksSchema,
    PageMetaSchema,
    PaginationArgsSchema,
    Representation,
)
from schemas.fields import NameList, PlainText, Slug, SortField, UTCDateTime, not_blank, plain_text

TAG_SORT_KEYS = ("name", "slug", "article_count", "created_at")


class TagSchema(Schema):
    id = fields.UUID(metadata={"description": "Stable identifier."})
    slug = fields.String(metadata={"example": "intelligence-artificielle"})
    name = fields.String(metadata={"example": "intelligence artificielle"})
    description = fields.String(allow_none=True)
    article_count = fields.Integer(
        metadata={"description": "Published articles carrying this tag.", "example": 1}
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class TagCreateSchema(Schema):
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=120), plain_text, not_blank]
    )
    slug = Slug(120, metadata={"description": "Generated from the name when absent; editable."})
    description = PlainText(5000, allow_none=True)


class TagUpdateSchema(TagCreateSchema):
    """The fields to change; absent fields keep their value (load it with `partial=True`)."""


class TagReadArgsSchema(Schema):
    fields = NameList(
        tuple(TagSchema().fields),
        always=("id",),
        metadata={
            "description": "Sparse fieldset: the fields to return, comma-separated (`id` is "
            "always returned). An unknown field is a 400.",
        },
    )


class TagQueryArgsSchema(PaginationArgsSchema, TagReadArgsSchema):
    sort = SortField(
        TAG_SORT_KEYS,
        load_default=[("name", False)],
        metadata={"description": "Comma-separated keys, `-` for descending. Default `name`."},
    )


class TagEnvelopeSchema(Schema):
    data = Representation(TagSchema)


class TagListSchema(Schema):
    data = fields.List(Representation(TagSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)
