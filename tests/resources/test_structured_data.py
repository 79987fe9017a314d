"""Structured data: an article as schema.org NewsArticle JSON-LD."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from api.services.links import article_url, author_url
from tests.conftest import assert_problem

PUBLISHED = datetime(2024, 5, 21, 8, tzinfo=UTC)
EDITED = datetime(2024, 5, 22, 9, 30, tzinfo=UTC)


@pytest.fixture
def story(make_article, make_tag, make_author, session):
    tags = [make_tag(name="intelligence artificielle"), make_tag(name="Corée du Sud")]
    authors = [make_author(name="Élise Durand"), make_author(name="La rédaction")]
    article = make_article(
        title="Séoul accueille la seconde édition du AI Safety Summit",
        body="C’est finalement à Séoul que va se dérouler le sommet.",
        excerpt="Le sommet de Séoul, en bref.",
        tags=[tag.slug for tag in tags],
        authors=[author.slug for author in authors],
        published_at=PUBLISHED,
    )
    article.updated_at = EDITED
    session.commit()
    return article


def structured(client, article, **kwargs):
    return client.get(f"/v1/articles/{article.id}/structured-data", **kwargs)


def test_an_article_is_a_schema_org_news_article(client, story):
    response = structured(client, story)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/ld+json"
    url = article_url(story)
    assert json.loads(response.get_data()) == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Séoul accueille la seconde édition du AI Safety Summit",
        "description": "Le sommet de Séoul, en bref.",
        "datePublished": "2024-05-21T08:00:00Z",
        "dateModified": "2024-05-22T09:30:00Z",
        "author": [
            {"@type": "Person", "name": person.name, "url": author_url(person)}
            for person in story.authors
        ],
        "publisher": {
            "@type": "Organization",
            "name": "Newsdesk",
            "url": "https://www.example.org",
        },
        "inLanguage": "fr",
        "keywords": ["intelligence artificielle", "Corée du Sud"],
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
    }


def test_french_text_is_utf8_byte_for_byte(client, story):
    body = structured(client, story).get_data()
    assert "Séoul accueille la seconde édition".encode() in body
    assert b"\\u00e9" not in body  # not ASCII-escaped


def test_the_feature_image_and_the_site_logo_appear_when_set(
    client, app, make_article, monkeypatch
):
    monkeypatch.setitem(app.config, "SITE_LOGO_URL", "https://www.example.org/logo.png")
    article = make_article(feature_image={"url": "https://cdn.example.org/seoul.jpg"})
    data = structured(client, article).get_json(force=True)
    assert data["image"] == "https://cdn.example.org/seoul.jpg"
    assert data["publisher"]["logo"] == {
        "@type": "ImageObject",
        "url": "https://www.example.org/logo.png",
    }


def test_no_image_and_no_logo_are_left_out(client, story):
    data = structured(client, story).get_json(force=True)
    assert "image" not in data
    assert "logo" not in data["publisher"]


def test_the_seo_description_and_canonical_url_win(client, make_article):
    article = make_article(
        excerpt="Un extrait.",
        seo={
            "meta_description": "La description pour les moteurs.",
            "canonical_url": "https://www.example.org/dossiers/seoul",
        },
    )
    data = structured(client, article).get_json(force=True)
    assert data["description"] == "La description pour les moteurs."
    assert (
        data["url"] == data["mainEntityOfPage"]["@id"] == "https://www.example.org/dossiers/seoul"
    )


def test_a_scheduled_article_that_came_out_is_modified_when_published(
    client, session, make_article
):
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    article = make_article(published_at=published)
    article.updated_at = published - timedelta(days=2)
    session.commit()
    response = structured(client, article)
    assert response.get_json(force=True)["dateModified"] == published.isoformat().replace(
        "+00:00", "Z"
    )
    assert response.headers["Last-Modified"] == format_datetime(published, usegmt=True)


# --- The same visibility as the article read


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_an_unpublished_article_is_a_404_like_an_unknown_id(client, make_article, status):
    hidden = make_article(status=status)
    unknown = assert_problem(client.get(f"/v1/articles/{uuid.uuid4()}/structured-data"), 404)
    found = assert_problem(structured(client, hidden), 404)
    assert found["detail"] == unknown["detail"]


def test_a_scheduled_article_is_a_404_until_its_time(client, make_article):
    article = make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(days=1))
    assert_problem(structured(client, article), 404)


def test_a_deleted_article_is_gone(client, session, story):
    story.deleted_at = datetime.now(UTC)
    session.commit()
    assert_problem(structured(client, story), 410)


def test_a_partner_key_sees_no_more_than_the_public(client, make_key, make_article):
    assert_problem(
        structured(client, make_article(status="draft"), headers=make_key("partner")), 404
    )


def test_an_editor_previews_a_draft_privately(client, editor, make_article):
    draft = make_article(status="draft")
    response = structured(client, draft, headers=editor)
    assert response.status_code == 200
    assert "datePublished" not in response.get_json(force=True)
    assert response.headers["Cache-Control"] == "private, no-store"


# --- Caching


def test_structured_data_is_cached_and_revalidated(client, story):
    response = structured(client, story)
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert response.headers["Last-Modified"] == format_datetime(EDITED, usegmt=True)
    keys = response.headers["Surrogate-Key"].split()
    assert keys[0] == f"article:{story.id}"
    assert {f"author:{a.id}" for a in story.authors} | {f"tag:{t.id}" for t in story.tags} <= set(
        keys
    )
    assert "Authorization" in response.headers["Vary"]
    for headers in (
        {"If-None-Match": response.headers["ETag"]},
        {"If-Modified-Since": response.headers["Last-Modified"]},
    ):
        assert structured(client, story, headers=headers).status_code == 304


def test_an_unknown_query_parameter_is_a_400(client, story):
    response = client.get(f"/v1/articles/{story.id}/structured-data?format=microdata")
    assert_problem(response, 400, "format")
