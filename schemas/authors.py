"""Author schemas: what an author looks like, how one is created, and how authors are listed."""

from marshmallow import Schema, fields, validate

from schemas.common import (
    PageLinksSchema,
    PageMetaSchema,
    PaginationArgsSchema,
    Representation,
)
from schemas.fields import (
    NameList,
    PlainText,
    Slug,
    SortField,
    Url,
    UTCDateTime,
    not_blank,
    plain_text,
)

AUTHOR_SORT_KEYS = ("name", "slug", "article_count", "created_at")
SOCIAL_NETWORKS = (
    "x",
    "bluesky",
    "mastodon",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "youtube",
    "github",
)


def _url(**kwargs):
    return Url(allow_none=True, **kwargs)


class SocialLinksSchema(Schema):
    """Profile URLs by network."""

    x = _url()
    bluesky = _url()
    mastodon = _url()
    linkedin = _url()
    facebook = _url()
    instagram = _url()
    threads = _url()
    youtube = _url()
    github = _url()


class AuthorSchema(Schema):
    id = fields.UUID(metadata={"description": "Stable identifier."})
    slug = fields.String(metadata={"example": "la-redaction"})
    name = fields.String(metadata={"example": "La rédaction"})
    bio = fields.String(allow_none=True)
    avatar_url = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    social_links = fields.Nested(SocialLinksSchema)
    article_count = fields.Integer(
        metadata={"description": "Published articles this author signs.", "example": 1}
    )
    created_at = UTCDateTime()
    updated_at = UTCDateTime()


class AuthorCreateSchema(Schema):
    name = fields.String(
        required=True, validate=[validate.Length(min=1, max=200), plain_text, not_blank]
    )
    slug = Slug(120, metadata={"description": "Generated from the name when absent; editable."})
    bio = PlainText(5000, allow_none=True)
    avatar_url = _url()
    website = _url()
    social_links = fields.Nested(SocialLinksSchema, load_default=dict)


class AuthorUpdateSchema(AuthorCreateSchema):
    """The fields to change; absent fields keep their value (load it with `partial=True`)."""


class AuthorReadArgsSchema(Schema):
    fields = NameList(
        tuple(AuthorSchema().fields),
        always=("id",),
        metadata={
            "description": "Sparse fieldset: the fields to return, comma-separated (`id` is "
            "always returned). An unknown field is a 400.",
        },
    )


class AuthorQueryArgsSchema(PaginationArgsSchema, AuthorReadArgsSchema):
    sort = SortField(
        AUTHOR_SORT_KEYS,
        load_default=[("name", False)],
        metadata={"description": "Comma-separated keys, `-` for descending. Default `name`."},
    )


class AuthorEnvelopeSchema(Schema):
    data = Representation(AuthorSchema)


class AuthorListSchema(Schema):
    data = fields.List(Representation(AuthorSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)
