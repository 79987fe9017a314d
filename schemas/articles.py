"""Article schemas: summaries, full articles, creation input and list arguments."""

from marshmallow import (
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    validate,
    validates_schema,
)
from webargs.fields import DelimitedList

from api.config import DEFAULTS
from api.services import links, sharing
from api.services.queries import SEARCH_WINDOW
from schemas.common import (
    PageLinksSchema,
    PageMetaSchema,
    PaginationArgsSchema,
    Representation,
    ResourceRefSchema,
)
from schemas.fields import (
    LANGUAGE_PATTERN,
    CursorField,
    NameList,
    PlainText,
    Slug,
    SortField,
    Url,
    UTCDateTime,
    language_validator,
    no_control_characters,
    not_blank,
    plain_text,
    safe_markdown,
)

ARTICLE_SORT_KEYS = ("published_at", "updated_at", "created_at", "title")
BODY_FORMATS = ("markdown", "html")
ARTICLE_STATUSES = ("draft", "scheduled", "published", "archived")
SEARCH_MAX_LENGTH = 200

# The spec's examples show the seed article as the default configuration links it
SEED_SLUG = "seoul-accueille-la-seconde-edition-du-ai-safety-summit"
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
SEED_URL = DEFAULTS["SITE_URL"] + DEFAULTS["ARTICLE_PATH"].format(slug=SEED_SLUG)
SEED_SHARE_LINKS = sharing.fill_share_links(DEFAULTS["SHARE_LINKS"], url=SEED_URL, title=SEED_TITLE)


class _Computed:
    """A value a service computes from the whole object, rather than an attribute of it."""

    _CHECK_ATTRIBUTE = False

    def __init__(self, compute, *args, **kwargs):
        self.compute = compute
        super().__init__(*args, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return self.compute(obj)


class ComputedUrl(_Computed, fields.Url):
    """A URL a service builds (documented as `format: uri`)."""


class ComputedObject(_Computed, fields.Nested):
    """An object a service builds, returned as built and documented by its schema."""


class FeatureImageSchema(Schema):
    url = Url(required=True)
    alt = PlainText(500, allow_none=True)
    caption = PlainText(500, allow_none=True)
    credit = PlainText(300, allow_none=True)


class SeoSchema(Schema):
    meta_title = PlainText(300, allow_none=True)
    meta_description = PlainText(500, allow_none=True)
    canonical_url = Url(allow_none=True)


class ShareLinksSchema(Schema):
    """Ready-made links sharing an article's canonical URL, one per configured network
    (`NEWSDESK_SHARE_LINKS`; these five by default), its title and URL percent-encoded."""

    class Meta:
        unknown = INCLUDE  # a network the publisher adds

    email = fields.String(
        metadata={
            "description": "A `mailto:` link: the title as subject, the URL as body.",
            "example": SEED_SHARE_LINKS["email"],
        }
    )
    x = fields.String(
        metadata={"description": "Post on X (Twitter).", "example": SEED_SHARE_LINKS["x"]}
    )
    linkedin = fields.String(
        metadata={"description": "Share on LinkedIn.", "example": SEED_SHARE_LINKS["linkedin"]}
    )
    facebook = fields.String(
        metadata={"description": "Share on Facebook.", "example": SEED_SHARE_LINKS["facebook"]}
    )
    bluesky = fields.String(
        metadata={"description": "Post on Bluesky.", "example": SEED_SHARE_LINKS["bluesky"]}
    )


class WholeNested(fields.Nested):
    """A sub-object that replaces the stored one, so it is validated whole even in a PATCH
    (a partial load would let `{"feature_image": {"alt": …}}` through without its URL)."""

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        return super()._deserialize(value, attr, data, partial=None, **kwargs)


class ArticleSummarySchema(Schema):
    """An article without its body: what lists return."""

    id = fields.UUID(metadata={"description": "Stable identifier; partners de-duplicate by it."})
    slug = fields.String(metadata={"example": SEED_SLUG})
    url = ComputedUrl(
        links.article_url,
        metadata={
            "description": "The canonical URL of the article's page on the website: its "
            "`seo.canonical_url` when set, else the site's URL and article path "
            "(`NEWSDESK_SITE_URL`, `NEWSDESK_ARTICLE_PATH`).",
            "example": SEED_URL,
        },
    )
    title = fields.String(metadata={"example": SEED_TITLE})
    subtitle = fields.String(
        allow_none=True,
        metadata={
            "description": "The kicker (dek) shown under the title.",
            "example": "AI Seoul Safety Summit",
        },
    )
    excerpt = fields.String(allow_none=True)
    language = fields.String(metadata={"description": "BCP 47 tag.", "example": "fr"})
    status = fields.String(metadata={"enum": list(ARTICLE_STATUSES), "example": "published"})
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
    snippet = fields.String(
        metadata={
            "description": "Only in search results (`q`): a passage of the body with the "
            "words found in `<mark>` elements. HTML-safe: the text is escaped and `<mark>` "
            "is the only element.",
            "example": "C’est finalement à <mark>Séoul</mark>, en Corée du Sud, que va se "
            "dérouler…",
        }
    )

    @post_dump
    def _snippet_only_in_searches(self, data, **_kwargs):
        if data.get("snippet") is None:
            data.pop("snippet", None)
        return data


class ArticleSchema(ArticleSummarySchema):
    """A whole article, with its body as Markdown source and as sanitized HTML."""

    share = ComputedObject(
        sharing.share_links,
        ShareLinksSchema,
        metadata={"description": "Share links of the canonical `url`, from configuration."},
    )
    body = fields.String(metadata={"description": "The source, as `body_format` says."})
    body_format = fields.String(metadata={"enum": list(BODY_FORMATS), "example": "markdown"})
    body_html = fields.String(metadata={"description": "Sanitized HTML rendering of the body."})


class ArticleRepresentationSchema(ArticleSchema):
    """An article as a read returns it: every field `fields` may choose, `body_text` included.

    Lists return summaries (no body) and a single article its `share` links, body and
    `body_html`, unless `fields` or `formats` say otherwise; `id` is always there."""

    body_text = fields.String(
        metadata={
            "description": "The body as plain text (`formats=plaintext`): only when asked for."
        }
    )


SUMMARY_FIELDS = tuple(ArticleSummarySchema().fields)
REPRESENTATION_FIELDS = tuple(ArticleRepresentationSchema().fields)
BODY_FORMAT_NAMES = ("html", "plaintext", "markdown")


class ArticleReadArgsSchema(Schema):
    """How an article read is shaped: its fields and its body's representations.

    No `example`s: Swagger UI would fill them into every "Try it out"."""

    fields = NameList(
        REPRESENTATION_FIELDS,
        always=("id",),
        metadata={
            "description": "Sparse fieldset: the fields to return, comma-separated (`id` is "
            "always returned), e.g. `title,slug,excerpt`. An unknown field is a 400. Asking "
            "for `excerpt`, `word_count` or `reading_time` never loads the body.",
        },
    )
    formats = NameList(
        BODY_FORMAT_NAMES,
        metadata={
            "description": "The body representations to return, comma-separated: `html` "
            "(`body_html`, sanitized), `plaintext` (`body_text`), `markdown` (`body`, the source "
            "as `body_format` says). Lists return no body unless asked; a single article "
            "returns `body` and `body_html` unless asked.",
        },
    )


class ArticleCreateSchema(Schema):
    """What a client may set on an article; ids, status, timestamps and derived values are not."""

    title = fields.String(
        required=True, validate=[validate.Length(min=1, max=300), plain_text, not_blank]
    )
    slug = Slug(metadata={"description": "Generated from the title when absent; editable."})
    subtitle = PlainText(300, allow_none=True, metadata={"description": "The kicker (dek)."})
    excerpt = PlainText(
        1000, allow_none=True, metadata={"description": "Derived from the body when absent."}
    )
    body = fields.String(
        load_default="",
        validate=[validate.Length(max=500_000), no_control_characters],
        metadata={"description": "Markdown (default) or HTML, as `body_format` says."},
    )
    body_format = fields.String(
        load_default="markdown",
        validate=validate.OneOf(BODY_FORMATS),
        metadata={"description": "`markdown` (CommonMark) or `html`; HTML is stored sanitized."},
    )
    language = fields.String(
        load_default="fr",
        validate=[validate.Length(max=35), language_validator],
        metadata={"pattern": LANGUAGE_PATTERN},
    )
    feature_image = WholeNested(
        FeatureImageSchema,
        allow_none=True,
        metadata={
            "description": "Replaced whole: send its `url` with any change; null removes it."
        },
    )
    seo = fields.Nested(SeoSchema, load_default=dict)
    authors = fields.List(
        Slug(),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Author slugs in byline order.", "uniqueItems": True},
    )
    tags = fields.List(
        Slug(),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Tag slugs, primary tag first.", "uniqueItems": True},
    )

    @validates_schema
    def _no_duplicates(self, data, **_kwargs):
        for name in ("authors", "tags"):
            if len(set(data.get(name, []))) != len(data.get(name, [])):
                raise ValidationError("Each slug may appear once.", field_name=name)

    @validates_schema
    def _markdown_is_safe(self, data, **_kwargs):
        if "body" in data and data.get("body_format", "markdown") == "markdown":
            try:
                safe_markdown(data["body"])
            except ValidationError as error:
                raise ValidationError(error.messages, field_name="body") from None


class ArticleUpdateSchema(ArticleCreateSchema):
    """The fields to change; absent fields keep their value (load it with `partial=True`)."""


class PublishSchema(Schema):
    published_at = UTCDateTime(
        metadata={"description": "Publication time; now when absent. A future time schedules."}
    )


class ScheduleSchema(Schema):
    published_at = UTCDateTime(
        required=True, metadata={"description": "When the article becomes public (future)."}
    )


class ArticleQueryArgsSchema(PaginationArgsSchema, ArticleReadArgsSchema):
    page = fields.Integer(
        validate=validate.Range(min=1, max=100_000),
        metadata={
            "description": "Page number, from 1 (offset mode). Not with `cursor`.",
            "default": 1,
        },
    )
    cursor = CursorField(
        metadata={
            "description": "Cursor mode, for feeds, sync and infinite scroll: `start` for the "
            "first page, then each page's `meta.next_cursor` (also in `links.next` and the "
            "`Link` header) until it is null. Opaque and signed: a forged or altered cursor is "
            "a 400. Keyset on (`published_at`, `id`), so a deep page costs what the first one "
            "costs. Not with `page`, `status` or `deleted`; `sort` may only be `-published_at` "
            "(the default, also with `q`) or `published_at`. The other filters apply.",
        },
    )
    updated_since = UTCDateTime(
        metadata={
            "description": "Changed at or after this time (RFC 3339; `updated_at`): what a "
            "client syncing the catalogue fetches since its last sync."
        }
    )
    status = DelimitedList(
        fields.String(validate=validate.OneOf(ARTICLE_STATUSES)),
        validate=validate.Length(min=1, max=len(ARTICLE_STATUSES)),
        metadata={
            "description": "Editorial listing (an `author` key or higher): the statuses to list, "
            "comma-separated, e.g. `draft,scheduled`. Authors see their own articles only.",
            "example": "draft",
        },
    )
    deleted = fields.Boolean(
        metadata={
            "description": "Editorial listing (an `editor` key or higher): `true` lists the "
            "deleted articles, which can be restored."
        }
    )
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
    # No `example`: Swagger UI would fill it into every "Try it out" of the list
    q = fields.String(
        validate=[validate.Length(min=1, max=SEARCH_MAX_LENGTH), no_control_characters],
        metadata={
            "description": "Full-text search of the title, subtitle, excerpt and body: "
            "articles holding every word, accents and case ignored (`seoul` finds `Séoul`), "
            "a title match ranking above a subtitle or excerpt match, above a body match. "
            "Each result carries a `snippet`. On PostgreSQL words are stemmed (`sommets` "
            'finds `sommet`) and the web search syntax applies (`"exact phrase"`, `or`, '
            "`-excluded`); on SQLite each word of three letters or more also matches as a "
            "prefix (`séo` finds `Séoul`), a shorter one whole words only. Other filters "
            "apply too. By relevance, a search ranks and lists its "
            f"{SEARCH_WINDOW:,} newest matches (`meta.total` counts them): find older ones "
            "with `published_before`, or walk every match newest first with a `cursor`. "
            "Example: `sommet seoul`.",
        },
    )
    sort = SortField(
        ARTICLE_SORT_KEYS,
        metadata={
            "description": "Comma-separated keys, `-` for descending. Default `-published_at`; "
            f"with `q`, the most relevant of its {SEARCH_WINDOW:,} newest matches first, then "
            "`-published_at`."
        },
    )

    @validates_schema
    def _cursor_mode(self, data, **_kwargs):
        if "cursor" not in data:
            return
        if "page" in data:
            raise ValidationError("`page` and `cursor` exclude each other: send one.", "cursor")
        if data.get("status") or data.get("deleted"):
            raise ValidationError(
                "`cursor` walks published articles: not with `status` or `deleted`.", "cursor"
            )
        sort = data.get("sort")
        if sort and [key for key, _descending in sort] != ["published_at"]:
            raise ValidationError(
                "With `cursor`, `sort` may only be `-published_at` or `published_at`.", "cursor"
            )


class RelatedArticlesQueryArgsSchema(PaginationArgsSchema, ArticleReadArgsSchema):
    """A page of related articles, shaped like any article list."""


class ArticleEnvelopeSchema(Schema):
    data = fields.Nested(ArticleSchema)


class ArticleReadEnvelopeSchema(Schema):
    data = Representation(ArticleRepresentationSchema)


class ArticleListSchema(Schema):
    data = fields.List(Representation(ArticleRepresentationSchema))
    meta = fields.Nested(PageMetaSchema)
    links = fields.Nested(PageLinksSchema)
