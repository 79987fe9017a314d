"""Site schemas: what a frontend needs to build a page around the articles, and its edits."""

from marshmallow import Schema, fields, validate

from schemas.fields import (
    LANGUAGE_PATTERN,
    PlainText,
    Url,
    UTCDateTime,
    language_validator,
    not_blank,
    plain_text,
)

# The seed page's texts (seeds/site.yaml), byte for byte: the spec's examples
SEED_ABOUT = {
    "heading": "À PROPOS DE NOUS",
    "text": "Le portail francophone consacré à l'intelligence artificielle et à la datascience, "
    "à destination des chercheurs, étudiants, professionnels et passionnés.",
}
SEED_NEWSLETTER = {
    "heading": "Recevez gratuitement l'actualité de l'intelligence artificielle",
    "text": "Suivez la Newsletter de référence sur l'intelligence artificielle (+ de 18 000 "
    "membres), quotidienne et 100% gratuite.",
    "privacy": "Tout comme vous, nous n'apprécions pas le spam. Vos coordonnées ne seront "
    "transmises à aucun tiers.",
}
SEED_SHARE_LABEL = "Partager l'article"
EXAMPLE_API = "https://api.example.org"
NO_MARKUP = "Plain text: markup is refused, even entity-encoded."


class SiteAboutSchema(Schema):
    """The site's "about" box."""

    heading = PlainText(
        300, allow_none=True, metadata={"description": NO_MARKUP, "example": SEED_ABOUT["heading"]}
    )
    text = PlainText(
        2000,
        allow_none=True,
        metadata={
            "description": f"Also the site's `description`. {NO_MARKUP}",
            "example": SEED_ABOUT["text"],
        },
    )


class SiteNewsletterTextsSchema(Schema):
    """The newsletter sign-up blurb."""

    heading = PlainText(
        300,
        allow_none=True,
        metadata={"description": NO_MARKUP, "example": SEED_NEWSLETTER["heading"]},
    )
    text = PlainText(
        2000,
        allow_none=True,
        metadata={"description": NO_MARKUP, "example": SEED_NEWSLETTER["text"]},
    )
    privacy = PlainText(
        1000,
        allow_none=True,
        metadata={
            "description": f"The reassurance under the form. {NO_MARKUP}",
            "example": SEED_NEWSLETTER["privacy"],
        },
    )


class SiteNewsletterSchema(SiteNewsletterTextsSchema):
    """The newsletter sign-up blurb, with how many readers it has."""

    subscriber_count = fields.Integer(
        metadata={
            "description": "Confirmed subscribers, rounded down to the hundred (18,437 → "
            "18,400): a number to show, which moves only every hundred sign-ups.",
            "example": 18400,
        }
    )


class SiteFeedUrlsSchema(Schema):
    rss = fields.Url(metadata={"example": f"{EXAMPLE_API}/v1/feeds/articles.rss"})
    atom = fields.Url(metadata={"example": f"{EXAMPLE_API}/v1/feeds/articles.atom"})
    json = fields.Url(metadata={"example": f"{EXAMPLE_API}/v1/feeds/articles.json"})


class SiteUrlsSchema(Schema):
    """Where the site and the API's services live."""

    site = fields.Url(
        metadata={
            "description": "The public website (`NEWSDESK_SITE_URL`).",
            "example": "https://www.example.org",
        }
    )
    api = fields.Url(
        metadata={"description": "The API's base URL.", "example": f"{EXAMPLE_API}/v1"}
    )
    docs = fields.Url(metadata={"description": "Swagger UI.", "example": f"{EXAMPLE_API}/docs"})
    redoc = fields.Url(metadata={"description": "ReDoc.", "example": f"{EXAMPLE_API}/redoc"})
    openapi = fields.Url(
        metadata={"description": "The OpenAPI document.", "example": f"{EXAMPLE_API}/openapi.json"}
    )
    feeds = fields.Nested(
        SiteFeedUrlsSchema,
        metadata={"description": "The whole site's feeds of the newest articles."},
    )
    sitemap = fields.Url(
        metadata={"description": "The sitemap index.", "example": f"{EXAMPLE_API}/sitemap.xml"}
    )


class SiteSchema(Schema):
    """The site: its identity, its texts around the articles, and its URLs."""

    name = fields.String(metadata={"example": "Newsdesk"})
    description = fields.String(
        allow_none=True,
        metadata={
            "description": "What the site is about: its about text (`about.text`), for feeds "
            "and meta descriptions.",
            "example": SEED_ABOUT["text"],
        },
    )
    language = fields.String(metadata={"description": "BCP 47 tag.", "example": "fr"})
    about = fields.Nested(SiteAboutSchema)
    logo_url = fields.Url(allow_none=True, metadata={"example": "https://www.example.org/logo.png"})
    newsletter = fields.Nested(SiteNewsletterSchema)
    urls = fields.Nested(SiteUrlsSchema)
    share_label = fields.String(
        allow_none=True,
        metadata={
            "description": "The heading of an article's share links (`share`).",
            "example": SEED_SHARE_LABEL,
        },
    )
    updated_at = UTCDateTime(
        allow_none=True,
        metadata={"description": "Last edit; null while the defaults from configuration apply."},
    )


class SiteUpdateSchema(Schema):
    """The site's editable settings (load with `partial=True` for a PATCH: only the fields
    sent change, inside `about` and `newsletter` too)."""

    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), plain_text, not_blank],
        metadata={"description": NO_MARKUP},
    )
    language = fields.String(
        required=True,
        validate=[validate.Length(max=35), language_validator],
        metadata={"description": "BCP 47 tag.", "pattern": LANGUAGE_PATTERN},
    )
    about = fields.Nested(SiteAboutSchema)
    logo_url = Url(allow_none=True)
    newsletter = fields.Nested(SiteNewsletterTextsSchema)
    share_label = PlainText(100, allow_none=True, metadata={"description": NO_MARKUP})


class SiteEnvelopeSchema(Schema):
    data = fields.Nested(SiteSchema)
