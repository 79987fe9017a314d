"""Feed schemas: JSON Feed 1.1 as Newsdesk writes it, and the RSS and Atom documents' examples."""

import html

from marshmallow import Schema, fields

from schemas.fields import UTCDateTime

SEED_ITEM_ID = "urn:uuid:6f1c2a4e-8b3d-4c5e-9a7f-0d2e4b6c8a1f"
SEED_URL = "https://www.example.org/articles/seoul-accueille-la-seconde-edition-du-ai-safety-summit"
SEED_TITLE = "Séoul accueille la seconde édition du AI Safety Summit"
SEED_EXCERPT = (
    "C’est finalement à Séoul, en Corée du Sud, que va se dérouler, ces 21 et 22 mai, la "
    "seconde édition du “AI Safety Summit“, co-organisée par Séoul et le Royaume-Uni.…"
)
SEED_HTML = (
    "<p>C’est finalement à Séoul, en Corée du Sud, que va se dérouler…</p>\n"
    "<h2>Le Sommet de Séoul</h2>"
)
SEED_ESCAPED_HTML = html.escape(SEED_HTML, quote=False)


class JsonFeedAuthorSchema(Schema):
    name = fields.String(metadata={"example": "La rédaction"})
    url = fields.Url(
        metadata={
            "description": "The author's page on the website.",
            "example": "https://www.example.org/authors/la-redaction",
        }
    )


class JsonFeedHubSchema(Schema):
    type = fields.String(metadata={"description": "The hub's protocol.", "example": "WebSub"})
    url = fields.Url(metadata={"example": "https://hub.example.org/"})


class JsonFeedItemSchema(Schema):
    id = fields.String(
        required=True,
        metadata={
            "description": "`urn:uuid:<article id>`: stable forever, whatever the slug or URL "
            "becomes; de-duplicate by it.",
            "example": SEED_ITEM_ID,
        },
    )
    url = fields.Url(metadata={"description": "The article's canonical page.", "example": SEED_URL})
    title = fields.String(metadata={"example": SEED_TITLE})
    content_html = fields.String(
        metadata={
            "description": "The sanitized body: only for requests with an API key (or when the "
            "publisher opens full-text feeds to everyone). Either this or `content_text`.",
            "example": SEED_HTML,
        }
    )
    content_text = fields.String(
        metadata={
            "description": "The excerpt, as plain text: what anonymous readers get instead "
            "of `content_html`.",
            "example": SEED_EXCERPT,
        }
    )
    summary = fields.String(metadata={"description": "The excerpt.", "example": SEED_EXCERPT})
    image = fields.Url(metadata={"description": "The feature image, when there is one."})
    date_published = UTCDateTime(metadata={"example": "2024-05-21T08:00:00Z"})
    date_modified = UTCDateTime(
        metadata={
            "description": "The last change, or the publication when later.",
            "example": "2024-05-21T08:00:00Z",
        }
    )
    authors = fields.List(
        fields.Nested(JsonFeedAuthorSchema), metadata={"description": "In byline order."}
    )
    tags = fields.List(
        fields.String(),
        metadata={
            "description": "Tag names, primary first.",
            "example": ["intelligence artificielle"],
        },
    )
    language = fields.String(metadata={"description": "BCP 47 tag.", "example": "fr"})


class JsonFeedSchema(Schema):
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""

    version = fields.String(required=True, metadata={"example": "https://jsonfeed.org/version/1.1"})
    title = fields.String(
        required=True,
        metadata={
            "description": "The site's name; `<site> — <name>` for a tag's or author's feed.",
            "example": "Newsdesk",
        },
    )
    home_page_url = fields.Url(
        metadata={
            "description": "The website page the feed follows.",
            "example": "https://www.example.org",
        }
    )
    feed_url = fields.Url(
        metadata={
            "description": "This feed's own URL.",
            "example": "https://api.example.org/v1/feeds/articles.json",
        }
    )
    description = fields.String(metadata={"example": "Newsdesk"})
    language = fields.String(metadata={"example": "fr"})
    authors = fields.List(
        fields.Nested(JsonFeedAuthorSchema),
        metadata={"description": "The publisher, for items with no byline."},
    )
    hubs = fields.List(
        fields.Nested(JsonFeedHubSchema),
        metadata={"description": "The WebSub hub, when the publisher runs one."},
    )
    items = fields.List(
        fields.Nested(JsonFeedItemSchema),
        required=True,
        metadata={"description": "The newest published articles, newest first."},
    )


# RSS and Atom are XML: documented as text, with an example of each
XML_DOCUMENT = {"type": "string"}

RSS_EXAMPLE = f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" version="2.0">
  <channel>
    <title>Newsdesk</title>
    <link>https://www.example.org</link>
    <description>Newsdesk</description>
    <atom:link href="https://api.example.org/v1/feeds/articles.rss" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <generator>Newsdesk</generator>
    <language>fr</language>
    <lastBuildDate>Tue, 21 May 2024 08:00:00 +0000</lastBuildDate>
    <atom:link href="https://hub.example.org/" rel="hub"/>
    <item>
      <title>{SEED_TITLE}</title>
      <link>{SEED_URL}</link>
      <description>{SEED_EXCERPT}</description>
      <content:encoded>{SEED_ESCAPED_HTML}</content:encoded>
      <guid isPermaLink="false">{SEED_ITEM_ID}</guid>
      <category>intelligence artificielle</category>
      <pubDate>Tue, 21 May 2024 08:00:00 +0000</pubDate>
      <dc:creator>La rédaction</dc:creator>
      <dcterms:modified>2024-05-21T08:00:00Z</dcterms:modified>
    </item>
  </channel>
</rss>
"""  # noqa: E501 - a document, verbatim

ATOM_EXAMPLE = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
  <id>https://api.example.org/v1/feeds/articles.atom</id>
  <title>Newsdesk</title>
  <updated>2024-05-21T08:00:00+00:00</updated>
  <author>
    <name>Newsdesk</name>
    <uri>https://www.example.org</uri>
  </author>
  <link href="https://api.example.org/v1/feeds/articles.atom" rel="self" type="application/atom+xml"/>
  <link href="https://hub.example.org/" rel="hub"/>
  <link href="https://www.example.org" rel="alternate"/>
  <generator>Newsdesk</generator>
  <subtitle>Newsdesk</subtitle>
  <entry>
    <id>{SEED_ITEM_ID}</id>
    <title>{SEED_TITLE}</title>
    <updated>2024-05-21T08:00:00+00:00</updated>
    <author>
      <name>La rédaction</name>
      <uri>https://www.example.org/authors/la-redaction</uri>
    </author>
    <content type="html">{SEED_ESCAPED_HTML}</content>
    <link href="{SEED_URL}" rel="alternate"/>
    <summary>{SEED_EXCERPT}</summary>
    <category term="intelligence-artificielle" label="intelligence artificielle"/>
    <published>2024-05-21T08:00:00+00:00</published>
  </entry>
</feed>
"""  # noqa: E501 - a document, verbatim

JSON_FEED_EXAMPLE = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Newsdesk",
    "home_page_url": "https://www.example.org",
    "feed_url": "https://api.example.org/v1/feeds/articles.json",
    "description": "Newsdesk",
    "language": "fr",
    "authors": [{"name": "Newsdesk", "url": "https://www.example.org"}],
    "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
    "items": [
        {
            "id": SEED_ITEM_ID,
            "url": SEED_URL,
            "title": SEED_TITLE,
            "content_html": SEED_HTML,
            "summary": SEED_EXCERPT,
            "date_published": "2024-05-21T08:00:00Z",
            "date_modified": "2024-05-21T08:00:00Z",
            "authors": [
                {"name": "La rédaction", "url": "https://www.example.org/authors/la-redaction"}
            ],
            "tags": ["intelligence artificielle"],
            "language": "fr",
        }
    ],
}
