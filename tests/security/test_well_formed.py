"""Hostile text in every field of an article, its tag and its author (`]]>`, `&`, `<`, C0
controls, a right-to-left override, emojis) leaves every public read the spec documents
well-formed: each XML document (feeds, sitemaps) parses, each JSON document too, and the
text shows intact but for the characters XML 1.0 cannot carry."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from api.services.xml_text import xml_text
from tests.security.conftest import PUBLIC_READS, Newsroom, filled_paths, params

HOSTILE = "Fin ]]> & <b>gras</b> \x01\x0b\x1f — שלום \u202eélan\u202c 📰🇫🇷 ]]&gt; <![CDATA[x]]>"


@pytest.fixture
def hostile_room(app, make_tag, make_author, make_article, make_key) -> Newsroom:
    tag = make_tag(name=f"Tag {HOSTILE}", description=HOSTILE)
    author = make_author(name=f"Author {HOSTILE}", bio=HOSTILE)
    article = make_article(
        title=f"Title {HOSTILE}",
        subtitle=f"Subtitle {HOSTILE}",
        excerpt=f"Excerpt {HOSTILE}",
        body=f"Body {HOSTILE}\n\n<p>{HOSTILE}</p>\n\n`{HOSTILE}`",
        feature_image={
            "url": "https://img.example.org/a.jpg?x=1&y=<2>",
            "alt": HOSTILE,
            "caption": HOSTILE,
            "credit": HOSTILE,
        },
        seo={"meta_title": HOSTILE, "meta_description": HOSTILE, "canonical_url": None},
        tags=[tag.slug],
        authors=[author.slug],
        published_at=datetime.now(UTC).replace(microsecond=0),  # in the news sitemap too
    )
    return Newsroom(
        marker="",
        tag=tag,
        lonely_tag=tag,
        author=author,
        lonely_author=author,
        visible=article,
        partner=make_key("partner"),
        admin={},
        preview_token="",
    )


def texts(document: bytes) -> str:
    root = ET.fromstring(document)  # raises on anything not well-formed
    return "\n".join(
        [
            *(element.text or "" for element in root.iter()),
            *(v for e in root.iter() for v in e.attrib.values()),
        ]
    )


@pytest.mark.parametrize("op", params(PUBLIC_READS))
def test_hostile_text_keeps_every_public_read_well_formed(client, hostile_room, op):
    for path in filled_paths(hostile_room, op):
        for headers in ({}, hostile_room.partner):
            response = client.get(path, headers=headers)
            assert response.status_code < 500, path
            data = response.get_data()
            if response.mimetype.endswith("xml"):
                shown = texts(data)
                if op.resource in ("feeds", "tags", "authors") or "sitemaps" in path:
                    assert f"Title {xml_text(HOSTILE)}" in shown or "Title" not in shown, path
            elif data:
                json.loads(data)  # strict: no raw control character in a string


def test_feeds_carry_the_hostile_title_intact(client, hostile_room):
    """The check above is not vacuous: the feeds do show the article, emojis and RTL kept."""
    for fmt in ("rss", "atom"):
        shown = texts(client.get(f"/v1/feeds/articles.{fmt}").get_data())
        assert f"Title {xml_text(HOSTILE)}" in shown
        assert "📰🇫🇷" in shown and "\u202e" in shown and "\x01" not in shown
    item = client.get("/v1/feeds/articles.json").get_json(force=True)["items"][0]
    assert item["title"] == f"Title {HOSTILE}"
