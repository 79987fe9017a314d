"""Article schemas: summaries, full articles, creation input and list arguments."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.common import PageLinksSchema, PageMetaSchema, PaginationArgsSchema, ResourceRefSchema
from schemas.fields import LANGUAGE_PATTERN, Slug, SortField, UTCDateTime, language_validator

ARTICLE_SORT_KEYS = ("published_at", "updated_at", "created_at", "title")


class FeatureImageSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=2048))
    alt = fields.String(allow_none=True, validate=validate.Length(max=500))
    caption = fields.String(allow_none=True, validate=validate.Length(max=500))
    credit = fields.String(allow_none=True, validate=validate.Length(max=300))


class SeoSchema(Schema):
    meta_title = fields.String(allow_none=True, validate=validate.Length(max=300))
    meta_description = fields.String(allow_none=True, validate=validate.Length(max=500))
    canonical_url = fields.Url(
        allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=2048)
    )


class ArticleSummarySchema(Schema):
    """An article without its body: what lists return."""

    id = fields.UUID(metadata={"description": "Stable identifier; partners de-duplicate by it."})
    slug = fields.String(
        metadata={"example": "seoul-accueille-la-seconde-edition-du-ai-safety-summit"}
    )
    title = fields.String(
        metadata={"example": "Séoul accueille la seconde édition du AI Safety Summit"}
    )
    subtitle = fields.String(
        allow_none=True,
        metadata={
            "description": "The kicker (dek) shown under the title.",
            "example": "AI Seoul Safety Summit",
        },
    )
    excerpt = fields.String(allow_none=True)
    language = fields.String(metadata={"description": "BCP 47 tag.", "example": "fr"})
    status = fields.String(
        metadata={"enum": ["draft", "scheduled", "published", "archived"], "example": "published"}
    )
    published_at = UTCDateTime(allow_none=True, metadata={"example": "2024-05-21T08:00:00Z"})
    created_at = UTCDateTime()
    updated_at = UTCDateTime()
    word_count = fields.Integer(metadata={"description": "Words in the body."})
    reading_time = fields.Integer(metadata={"description": "Minutes to read the body."})
    feature_image = fields.Nested(FeatureImageSchema, allow_none=True)
    seo = fields.Nested(SeoSchema)
    authors = fields.List(
        fields.Nested(ResourceRefSchema), metadata={"description": "In byline order."}
    )
    tags = fields.List(
        fields.Nested(ResourceRefSchema), metadata={"description": "Primary tag first."}
    )


class ArticleSchema(ArticleSummarySchema):
    """A whole article, with its body as Markdown source and as sanitized HTML."""

    body = fields.String(metadata={"description": "Markdown source."})
    body_html = fields.String(metadata={"description": "Sanitized HTML rendering of the body."})


class ArticleCreateSchema(Schema):
    """What a client may set on an article; ids, status, timestamps and derived values are not."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    slug = Slug(metadata={"description": "Generated from the title when absent."})
    subtitle = fields.String(allow_none=True, validate=validate.Length(max=300))
    excerpt = fields.String(allow_none=True, validate=validate.Length(max=1000))
    body = fields.String(load_default="", validate=validate.Length(max=500_000))
    language = fields.String(
        load_default="fr",
        validate=[validate.Length(max=35), language_validator],
        metadata={"pattern": LANGUAGE_PATTERN},
    )
    feature_image = fields.Nested(FeatureImageSchema, allow_none=True)
    seo = fields.Nested(SeoSchema, load_default=dict)
    authors = fields.List(
        Slug(),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Author slugs in byline order."},
    )
    tags = fields.List(
        Slug(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Tag slugs, primary tag first."},
    )

    @validates_schema
    def _no_duplicates(self, data, **_kwargs):
        for name in ("authors", "tags"):
            if len(set(data.get(name, []))) != len(data.get(name, [])):
                raise ValidationError("Each slug may appear once.", field_name=name)


class ArticleQueryArgsSchema(PaginationArgsSchema):
    tag = Slug(metadata={"description": "Only articles carrying this tag (slug)."})
    author = Slug(metadata={"description": "Only articles signed by this author (slug)."})
    lang = fields.String(
        validate=[validate.Length(max=35), language_validator],
        metadata={
            "description": "Only articles in this language (BCP 47).",
            "pattern": LANGUAGE_PATTERN,
            "example": "fr",
        },
    )
    published_after = UTCDateTime(
        metadata={"description": "Published at or after this time (RFC 3339)."}
    )
    published_before = UTCDateTime(
        metadata={"description": "Published strictly before this time (RFC 3339)."}
    )
    sort = SortField(
        ARTICLE_SORT_KEYS,
        load_default=[("published_at", True)],
        metadata={
            "description": "Comma-separated keys, `-` for descending. Default `-published_at`."
        },
    )


class ArticleEnvelopeSchema(Schema):
    data = fields.Nested(ArticleSchema)


class ArticleListSchema(Schema):
    data = fields.List(fields.Nested(ArticleSummarySchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)
