"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the site, a tag and an author."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import feedparser
import pytest
from lxml import etree

from api.services.content import save_article
from api.services.links import article_url, author_url
from tests.conftest import assert_problem

FORMATS = ("rss", "atom", "json")
XML_FORMATS = ("rss", "atom")
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHED = datetime(2024, 5, 21, 8, tzinfo=UTC)


@pytest.fixture
def topic(make_tag):
    return make_tag(name="intelligence artificielle", description="L’actualité de l’IA.")


@pytest.fixture
def writer(make_author):
    return make_author(name="Élise Durand")


def at(moment: datetime, article, session):
    """Give an article a known change time (the factory's is the time of the test)."""
    article.updated_at = moment
    session.commit()
    return article


def feed_urls(fmt: str, topic, writer) -> list[str]:
    return [
        f"/v1/feeds/articles.{fmt}",
        f"/v1/tags/{topic.slug}/feed.{fmt}",
        f"/v1/authors/{writer.slug}/feed.{fmt}",
    ]


def parse(response):
    """feedparser's reading of an RSS or Atom response, which must be well-formed."""
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    etree.fromstring(response.get_data())  # well-formed to a strict parser too
    return parsed


def item_ids(response, fmt: str) -> list[str]:
    if fmt == "json":
        return [item["id"] for item in response.get_json(force=True)["items"]]
    return [entry.id for entry in parse(response).entries]


@pytest.fixture
def story(make_article, topic, writer, session):
    """A published article, tagged and signed, with a body richer than its excerpt."""
    article = make_article(
        title="Séoul accueille la seconde édition du AI Safety Summit",
        body="C’est finalement à **Séoul** que va se dérouler le sommet.\n\n## Le Sommet",
        excerpt="Le sommet de Séoul, en bref.",
        tags=[topic.slug],
        authors=[writer.slug],
        published_at=PUBLISHED,
    )
    return at(PUBLISHED + timedelta(hours=2), article, session)


# --- Every feed parses, in every format


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_every_xml_feed_parses_without_error(client, story, topic, writer, fmt):
    for url in feed_urls(fmt, topic, writer):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = parse(response)
        assert [entry.id for entry in parsed.entries] == [f"urn:uuid:{story.id}"], url


@pytest.mark.parametrize("fmt", FORMATS)
def test_feeds_answer_their_media_type_in_utf8(client, story, topic, writer, fmt):
    for url in feed_urls(fmt, topic, writer):
        response = client.get(url)
        assert response.headers["Content-Type"] == f"{MEDIA_TYPES[fmt]}; charset=utf-8"
        assert "Séoul".encode() in response.get_data()  # accents survive, as UTF-8


def test_json_feed_has_every_field_json_feed_1_1_requires(client, story, topic, writer):
    for url in feed_urls("json", topic, writer):
        feed = client.get(url).get_json(force=True)
        assert feed["version"] == JSON_FEED_VERSION
        assert isinstance(feed["title"], str) and feed["title"]
        assert feed["feed_url"] == f"http://localhost{url}"
        assert feed["items"], url
        for item in feed["items"]:
            assert isinstance(item["id"], str) and item["id"]
            assert isinstance(item.get("content_html", item.get("content_text")), str)


# --- Items


def test_an_item_carries_id_title_link_summary_dates_authors_and_tags(client, story, writer):
    entry = parse(client.get("/v1/feeds/articles.atom")).entries[0]
    assert entry.id == f"urn:uuid:{story.id}"
    assert entry.title == story.title
    assert entry.link == article_url(story)
    assert entry.summary == "Le sommet de Séoul, en bref."
    assert entry.published == PUBLISHED.isoformat()
    assert entry.updated == (PUBLISHED + timedelta(hours=2)).isoformat()
    assert [(a.name, a.href) for a in entry.authors] == [("Élise Durand", author_url(writer))]
    assert [(t.term, t.label) for t in entry.tags] == [
        ("intelligence-artificielle", "intelligence artificielle")
    ]


def test_an_rss_item_carries_guid_bylines_and_change_time(client, story):
    entry = parse(client.get("/v1/feeds/articles.rss")).entries[0]
    assert entry.id == f"urn:uuid:{story.id}"
    assert entry.guidislink is False  # isPermaLink="false": an id, not a URL
    assert entry.link == article_url(story)
    assert entry.summary == "Le sommet de Séoul, en bref."
    assert parsedate_to_datetime(entry.published) == PUBLISHED
    assert entry.updated == "2024-05-21T10:00:00Z"  # dcterms:modified
    assert entry.author == "Élise Durand"  # dc:creator: RSS's <author> wants an email
    assert [tag.term for tag in entry.tags] == ["intelligence artificielle"]


def test_a_json_feed_item_carries_the_same(client, story, writer):
    item = client.get("/v1/feeds/articles.json").get_json(force=True)["items"][0]
    assert item["id"] == f"urn:uuid:{story.id}"
    assert item["url"] == article_url(story)
    assert item["title"] == story.title
    assert item["summary"] == "Le sommet de Séoul, en bref."
    assert item["date_published"] == "2024-05-21T08:00:00Z"
    assert item["date_modified"] == "2024-05-21T10:00:00Z"
    assert item["authors"] == [{"name": "Élise Durand", "url": author_url(writer)}]
    assert item["tags"] == ["intelligence artificielle"]
    assert item["language"] == "fr"
    assert "image" not in item


def test_a_json_feed_item_names_its_feature_image(client, make_article):
    make_article(feature_image={"url": "https://cdn.example.org/seoul.jpg", "alt": "Séoul"})
    item = client.get("/v1/feeds/articles.json").get_json(force=True)["items"][0]
    assert item["image"] == "https://cdn.example.org/seoul.jpg"


@pytest.mark.parametrize("fmt", FORMATS)
def test_item_ids_are_stable_across_requests_and_slug_changes(client, session, story, fmt):
    before = item_ids(client.get(f"/v1/feeds/articles.{fmt}"), fmt)
    assert item_ids(client.get(f"/v1/feeds/articles.{fmt}"), fmt) == before
    save_article(session, story, {"slug": "seoul-nouveau-slug"})
    session.commit()
    assert item_ids(client.get(f"/v1/feeds/articles.{fmt}"), fmt) == before
    assert before == [f"urn:uuid:{story.id}"]


def test_items_are_the_newest_public_articles_up_to_feed_items(
    client, app, make_article, monkeypatch
):
    monkeypatch.setitem(app.config, "FEED_ITEMS", 2)
    oldest, middle, newest = (
        make_article(published_at=PUBLISHED + timedelta(days=day)) for day in range(3)
    )
    make_article(status="draft")
    make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(days=1))
    for fmt in FORMATS:
        ids = item_ids(client.get(f"/v1/feeds/articles.{fmt}"), fmt)
        assert ids == [f"urn:uuid:{newest.id}", f"urn:uuid:{middle.id}"], fmt


def test_tag_and_author_feeds_hold_only_their_articles(
    client, story, make_article, make_tag, make_author
):
    other_tag, other_author = make_tag(), make_author()
    make_article(tags=[other_tag.slug], authors=[other_author.slug])
    tag = client.get(f"/v1/tags/{story.tags[0].slug}/feed.json").get_json(force=True)
    author = client.get(f"/v1/authors/{story.authors[0].slug}/feed.json").get_json(force=True)
    assert [item["id"] for item in tag["items"]] == [f"urn:uuid:{story.id}"]
    assert [item["id"] for item in author["items"]] == [f"urn:uuid:{story.id}"]


# --- Channels


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_a_channel_names_the_site_its_language_and_page(client, story, fmt):
    feed = parse(client.get(f"/v1/feeds/articles.{fmt}")).feed
    assert feed.title == "Newsdesk"
    assert feed.language == "fr"
    assert feed.link == "https://www.example.org"


@pytest.mark.parametrize("fmt", FORMATS)
def test_tag_and_author_channels_are_titled_site_dash_name(client, story, topic, writer, fmt):
    for url, name in [
        (f"/v1/tags/{topic.slug}/feed.{fmt}", "intelligence artificielle"),
        (f"/v1/authors/{writer.slug}/feed.{fmt}", "Élise Durand"),
    ]:
        response = client.get(url)
        title = (
            response.get_json(force=True)["title"] if fmt == "json" else parse(response).feed.title
        )
        assert title == f"Newsdesk — {name}"


def test_the_rss_channel_link_is_the_website_not_the_feed(client, story, topic):
    root = etree.fromstring(client.get(f"/v1/tags/{topic.slug}/feed.rss").get_data())
    assert root.findtext("channel/link") == f"https://www.example.org/tags/{topic.slug}"
    self_links = root.findall(f"channel/{ATOM}link[@rel='self']")
    assert [link.get("href") for link in self_links] == [
        f"http://localhost/v1/tags/{topic.slug}/feed.rss"
    ]


@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_every_feed_links_to_itself(client, story, topic, writer, fmt):
    for url in feed_urls(fmt, topic, writer):
        links = parse(client.get(url)).feed.links
        assert {"rel": "self", "href": f"http://localhost{url}"}.items() <= next(
            link for link in links if link.rel == "self"
        ).items()


# --- Full content for keys, the excerpt for anonymous readers


def full_and_short(response, fmt: str) -> tuple[str | None, str | None]:
    """(the item's full content, its excerpt) as a reader sees them."""
    if fmt == "json":
        item = response.get_json(force=True)["items"][0]
        return item.get("content_html"), item.get("content_text")
    entry = parse(response).entries[0]
    content = entry.get("content")
    return (content[0].value if content else None), entry.summary


@pytest.mark.parametrize("fmt", FORMATS)
def test_anonymous_readers_get_the_excerpt_only(client, story, fmt):
    response = client.get(f"/v1/feeds/articles.{fmt}")
    full, short = full_and_short(response, fmt)
    assert full is None
    assert short == "Le sommet de Séoul, en bref."
    assert b"<strong>" not in response.get_data() and b"&lt;strong&gt;" not in response.get_data()


@pytest.mark.parametrize("role", ["partner", "author", "editor", "admin"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_any_api_key_gets_the_full_content(client, make_key, story, fmt, role):
    response = client.get(f"/v1/feeds/articles.{fmt}", headers=make_key(role))
    full, _short = full_and_short(response, fmt)
    assert full.strip() == story.body_html.strip()  # feedparser trims the final line break
    assert "<strong>Séoul</strong>" in full


def test_rss_carries_the_body_in_content_encoded(client, story, make_key):
    root = etree.fromstring(client.get("/v1/feeds/articles.rss", headers=make_key("partner")).data)
    encoded = root.findtext("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
    assert encoded == story.body_html
    assert root.findtext("channel/item/description") == "Le sommet de Séoul, en bref."


def test_atom_carries_the_body_as_html_content(client, story, make_key):
    root = etree.fromstring(client.get("/v1/feeds/articles.atom", headers=make_key("partner")).data)
    content = root.find(f"{ATOM}entry/{ATOM}content")
    assert content.get("type") == "html"
    assert content.text == story.body_html


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_publisher_may_open_full_content_to_everyone(client, app, story, monkeypatch, fmt):
    monkeypatch.setitem(app.config, "FEED_FULL_CONTENT_PUBLIC", True)
    full, _short = full_and_short(client.get(f"/v1/feeds/articles.{fmt}"), fmt)
    assert full.strip() == story.body_html.strip()


@pytest.mark.parametrize("fmt", FORMATS)
def test_keyed_feeds_are_private_and_vary_on_authorization(client, make_key, story, fmt):
    keyed = client.get(f"/v1/feeds/articles.{fmt}", headers=make_key("partner"))
    assert keyed.headers["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in keyed.headers
    anonymous = client.get(f"/v1/feeds/articles.{fmt}")
    assert anonymous.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    for response in (keyed, anonymous):
        assert "Authorization" in response.headers["Vary"]
    assert keyed.headers["ETag"] != anonymous.headers["ETag"]


def test_an_unknown_key_is_refused(client):
    headers = {"Authorization": "Bearer nd_not-a-key"}
    assert_problem(client.get("/v1/feeds/articles.rss", headers=headers), 401)


# --- The channel's time is its newest item's: validators stay put


def channel_time(response, fmt: str) -> datetime:
    if fmt == "rss":
        return parsedate_to_datetime(parse(response).feed.updated)
    if fmt == "atom":
        return datetime.fromisoformat(parse(response).feed.updated)
    return max(
        datetime.fromisoformat(item["date_modified"])
        for item in response.get_json(force=True)["items"]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_channel_time_is_the_newest_items_never_now(client, session, make_article, fmt):
    edited = at(datetime(2024, 6, 1, 12, 30, tzinfo=UTC), make_article(), session)
    at(datetime(2024, 5, 30, tzinfo=UTC), make_article(), session)
    response = client.get(f"/v1/feeds/articles.{fmt}")
    assert channel_time(response, fmt) == edited.updated_at
    assert response.headers["Last-Modified"] == format_datetime(edited.updated_at, usegmt=True)


def test_a_scheduled_article_that_came_out_dates_the_channel_by_its_publication(
    client, session, make_article
):
    """Its last edit predates its publication: the feed changed when it appeared."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    at(published - timedelta(days=3), make_article(published_at=published), session)
    response = client.get("/v1/feeds/articles.atom")
    assert datetime.fromisoformat(parse(response).feed.updated) == published
    assert response.headers["Last-Modified"] == format_datetime(published, usegmt=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_feed_is_dated_at_the_epoch(client, make_tag, fmt):
    response = client.get(f"/v1/tags/{make_tag().slug}/feed.{fmt}")
    assert response.status_code == 200
    assert response.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    if fmt == "json":
        assert response.get_json(force=True)["items"] == []
    else:
        assert channel_time(response, fmt) == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_feed_has_the_same_etag(client, story, fmt):
    first = client.get(f"/v1/feeds/articles.{fmt}")
    second = client.get(f"/v1/feeds/articles.{fmt}")
    assert first.get_data() == second.get_data()
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"].startswith('"')


@pytest.mark.parametrize("fmt", FORMATS)
def test_conditional_requests_answer_304(client, story, topic, writer, fmt):
    for url in feed_urls(fmt, topic, writer):
        response = client.get(url)
        by_etag = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        since = client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]})
        for conditional in (by_etag, since):
            assert conditional.status_code == 304, url
            assert conditional.get_data() == b""
        assert by_etag.headers["ETag"] == response.headers["ETag"]


def test_a_change_of_an_item_changes_the_etag(client, session, story):
    before = client.get("/v1/feeds/articles.rss").headers["ETag"]
    story.title = "Séoul, second sommet"
    session.commit()
    assert client.get("/v1/feeds/articles.rss").headers["ETag"] != before


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_feeds_name_their_purge_keys(client, story, topic, writer, fmt):
    keys = client.get(f"/v1/tags/{topic.slug}/feed.{fmt}").headers["Surrogate-Key"].split()
    assert {"articles", f"article:{story.id}", f"tag:{topic.id}", f"author:{writer.id}"} <= set(
        keys
    )


# --- WebSub


def hub_links(response, fmt: str) -> list[str]:
    if fmt == "json":
        return [hub["url"] for hub in response.get_json(force=True).get("hubs", [])]
    root = etree.fromstring(response.get_data())
    return [link.get("href") for link in root.iter(f"{ATOM}link") if link.get("rel") == "hub"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_configured_websub_hub_is_advertised(client, app, story, monkeypatch, fmt):
    monkeypatch.setitem(app.config, "WEBSUB_HUB_URL", "https://hub.example.org/")
    response = client.get(f"/v1/feeds/articles.{fmt}")
    assert hub_links(response, fmt) == ["https://hub.example.org/"]
    if fmt == "json":
        assert response.get_json(force=True)["hubs"][0]["type"] == "WebSub"
    else:
        assert "https://hub.example.org/" in [link.href for link in parse(response).feed.links]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_hub_is_advertised_unless_configured(client, story, fmt):
    assert hub_links(client.get(f"/v1/feeds/articles.{fmt}"), fmt) == []


# --- Lookups


@pytest.mark.parametrize("resource", ["tags", "authors"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_tag_or_author_is_a_404_problem(client, resource, fmt):
    assert_problem(client.get(f"/v1/{resource}/nobody-knows/feed.{fmt}"), 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_former_tag_slug_redirects_to_the_current_feed(client, editor, topic, fmt):
    former = topic.slug
    client.patch(f"/v1/tags/{topic.id}", json={"slug": "ia"}, headers=editor)
    response = client.get(f"/v1/tags/{former}/feed.{fmt}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/v1/tags/ia/feed.{fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_former_author_slug_redirects_to_the_current_feed(client, editor, writer, fmt):
    former = writer.slug
    client.patch(f"/v1/authors/{writer.id}", json={"slug": "elise"}, headers=editor)
    response = client.get(f"/v1/authors/{former}/feed.{fmt}")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/v1/authors/elise/feed.{fmt}")


def test_an_unknown_query_parameter_is_a_400(client):
    assert_problem(client.get("/v1/feeds/articles.rss?colour=red"), 400, "colour")


# --- Hostile text keeps every feed well-formed

HOSTILE_TITLE = "Fin ]]> & <b>gras</b> \x01\x0b\x1f \ufffe — שלום \u202eélan\u202c"
CLEAN_TITLE = "Fin ]]> & <b>gras</b>   — שלום \u202eélan\u202c"


@pytest.fixture
def hostile(make_article, make_author, make_tag):
    author = make_author(name="Zoé \x07Ω ]]>")
    tag = make_tag(name="énergie & <climat> \x08")
    return make_article(
        title=HOSTILE_TITLE,
        body="Texte ]]> avec `<code>` & \x02 contrôles, عربي et ‏RTL‏.\n\n<p>]]&gt;</p>",
        excerpt="Résumé ]]> & <i>x</i> \x03 עברית",
        authors=[author.slug],
        tags=[tag.slug],
    )


@pytest.mark.parametrize("keyed", [False, True])
@pytest.mark.parametrize("fmt", XML_FORMATS)
def test_hostile_text_keeps_xml_feeds_well_formed(client, make_key, hostile, fmt, keyed):
    response = client.get(f"/v1/feeds/articles.{fmt}", headers=make_key("partner") if keyed else {})
    assert response.status_code == 200
    entry = parse(response).entries[0]
    assert entry.title == CLEAN_TITLE  # XML's forbidden characters dropped, the rest intact
    assert entry.summary == "Résumé ]]> & <i>x</i>  עברית"
    if keyed:
        assert "عربي" in entry.content[0].value and "\x02" not in entry.content[0].value
    assert "Zoé Ω ]]>" in [author.name for author in entry.authors]


def test_hostile_text_comes_back_as_stored_in_json_feed(client, hostile):
    response = client.get("/v1/feeds/articles.json")
    item = response.get_json(force=True)["items"][0]
    assert item["title"] == HOSTILE_TITLE  # JSON escapes what it must: text as stored
    assert item["authors"][0]["name"] == "Zoé \x07Ω ]]>"
