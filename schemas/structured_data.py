"""Structured data schemas: an article as schema.org NewsArticle JSON-LD."""

from marshmallow import Schema, fields

from schemas.feeds import SEED_EXCERPT, SEED_TITLE, SEED_URL
from schemas.fields import UTCDateTime


class ThingSchema(Schema):
    type = fields.String(data_key="@type", metadata={"description": "The schema.org type."})


class PersonSchema(ThingSchema):
    name = fields.String(metadata={"example": "La rédaction"})
    url = fields.Url(
        metadata={
            "description": "The author's page on the website.",
            "example": "https://www.example.org/authors/la-redaction",
        }
    )


class ImageObjectSchema(ThingSchema):
    url = fields.Url(metadata={"example": "https://www.example.org/logo.png"})


class OrganizationSchema(ThingSchema):
    name = fields.String(metadata={"description": "The site's name.", "example": "Newsdesk"})
    url = fields.Url(metadata={"example": "https://www.example.org"})
    logo = fields.Nested(
        ImageObjectSchema, metadata={"description": "The site's logo, when one is configured."}
    )


class WebPageSchema(ThingSchema):
    id = fields.Url(data_key="@id", metadata={"example": SEED_URL})


class NewsArticleSchema(Schema):
    """A schema.org NewsArticle, to embed in the article's page as
    `<script type="application/ld+json">`. Absent values are left out, never null."""

    context = fields.String(
        data_key="@context", required=True, metadata={"example": "https://schema.org"}
    )
    type = fields.String(data_key="@type", required=True, metadata={"example": "NewsArticle"})
    headline = fields.String(required=True, metadata={"example": SEED_TITLE})
    description = fields.String(
        metadata={"description": "The SEO description, else the excerpt.", "example": SEED_EXCERPT}
    )
    date_published = UTCDateTime(
        data_key="datePublished",
        metadata={"description": "Absent while unpublished.", "example": "2024-05-21T08:00:00Z"},
    )
    date_modified = UTCDateTime(
        data_key="dateModified",
        metadata={
            "description": "The last change, or the publication when later.",
            "example": "2024-05-21T08:00:00Z",
        },
    )
    author = fields.List(fields.Nested(PersonSchema), metadata={"description": "In byline order."})
    image = fields.Url(
        metadata={"description": "The feature image's URL; absent when there is none."}
    )
    publisher = fields.Nested(OrganizationSchema)
    in_language = fields.String(
        data_key="inLanguage", metadata={"description": "BCP 47 tag.", "example": "fr"}
    )
    keywords = fields.List(
        fields.String(),
        metadata={
            "description": "Tag names, primary first.",
            "example": ["intelligence artificielle"],
        },
    )
    main_entity_of_page = fields.Nested(WebPageSchema, data_key="mainEntityOfPage")
    url = fields.Url(metadata={"description": "The article's canonical page.", "example": SEED_URL})


NEWS_ARTICLE_EXAMPLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": SEED_TITLE,
    "description": SEED_EXCERPT,
    "datePublished": "2024-05-21T08:00:00Z",
    "dateModified": "2024-05-21T08:00:00Z",
    "author": [
        {
            "@type": "Person",
            "name": "La rédaction",
            "url": "https://www.example.org/authors/la-redaction",
        }
    ],
    "publisher": {
        "@type": "Organization",
        "name": "Newsdesk",
        "url": "https://www.example.org",
        "logo": {"@type": "ImageObject", "url": "https://www.example.org/logo.png"},
    },
    "inLanguage": "fr",
    "keywords": ["intelligence artificielle"],
    "mainEntityOfPage": {"@type": "WebPage", "@id": SEED_URL},
    "url": SEED_URL,
}
