"""Each article's canonical `url` and ready-made `share` links, built from configuration."""

from __future__ import annotations

import re

import pytest

from api import create_app
from api.config import load_config
from api.db import db
from tests.conftest import SEED_SLUG

SEED_URL = f"https://www.example.org/articles/{SEED_SLUG}"
ENCODED_SEED_URL = f"https%3A%2F%2Fwww.example.org%2Farticles%2F{SEED_SLUG}"
ENCODED_SEED_TITLE = (
    "S%C3%A9oul%20accueille%20la%20seconde%20%C3%A9dition%20du%20AI%20Safety%20Summit"
)
SEED_SHARE_LINKS = {
    "email": f"mailto:?subject={ENCODED_SEED_TITLE}&body={ENCODED_SEED_URL}",
    "x": f"https://x.com/intent/post?text={ENCODED_SEED_TITLE}&url={ENCODED_SEED_URL}",
    "linkedin": f"https://www.linkedin.com/sharing/share-offsite/?url={ENCODED_SEED_URL}",
    "facebook": f"https://www.facebook.com/sharer/sharer.php?u={ENCODED_SEED_URL}",
    "bluesky": f"https://bsky.app/intent/compose?text={ENCODED_SEED_TITLE}%20{ENCODED_SEED_URL}",
}


def _data(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_the_seed_article_has_its_canonical_url_and_share_links(client, seeded):
    data = _data(client.get(f"/v1/articles/slug/{SEED_SLUG}"))
    assert data["url"] == SEED_URL
    assert data["share"] == SEED_SHARE_LINKS


def test_summaries_carry_the_url_but_not_the_share_links(client, seeded):
    (item,) = _data(client.get("/v1/articles"))
    assert item["url"] == SEED_URL
    assert "share" not in item


@pytest.mark.parametrize(
    "path",
    ["/v1/articles/{id}", "/v1/articles/slug/{slug}", "/v1/articles"],
)
def test_fields_chooses_url_and_share(client, seeded, path):
    data = _data(client.get(path.format(id=seeded.id, slug=SEED_SLUG) + "?fields=url,share"))
    for item in data if isinstance(data, list) else [data]:
        assert item == {"id": str(seeded.id), "url": SEED_URL, "share": SEED_SHARE_LINKS}


def test_share_links_do_not_load_the_body_or_add_statements(client, seeded, count_statements):
    client.get(f"/v1/articles/{seeded.id}?fields=title")  # warm up
    before = count_statements.count
    client.get(f"/v1/articles/{seeded.id}?fields=title")
    plain = count_statements.count - before
    before = count_statements.count
    _data(client.get(f"/v1/articles/{seeded.id}?fields=url,share"))
    assert count_statements.count - before == plain
    article_selects = [s for s in count_statements.statements[before:] if "FROM articles" in s]
    assert not any(re.search(r"articles\.body(_html|_text)?\b", s) for s in article_selects)


def test_french_typography_is_percent_encoded_as_utf8(client, make_article):
    article = make_article(title="L’IA « de confiance » à Séoul & ailleurs ?")
    share = _data(client.get(f"/v1/articles/{article.id}?fields=share"))["share"]
    title = (
        "L%E2%80%99IA%20%C2%AB%20de%20confiance%20%C2%BB%20%C3%A0%20S%C3%A9oul%20%26%20ailleurs"
        "%20%3F"
    )
    url = f"https%3A%2F%2Fwww.example.org%2Farticles%2F{article.slug}"
    assert share["x"] == f"https://x.com/intent/post?text={title}&url={url}"
    assert share["email"] == f"mailto:?subject={title}&body={url}"
    assert share["bluesky"] == f"https://bsky.app/intent/compose?text={title}%20{url}"


def test_an_articles_own_canonical_url_wins(client, make_article):
    canonical = "https://partenaire.example.com/2024/05/seoul?ref=newsdesk"
    article = make_article(seo={"canonical_url": canonical})
    data = _data(client.get(f"/v1/articles/{article.id}"))
    assert data["url"] == canonical
    encoded = "https%3A%2F%2Fpartenaire.example.com%2F2024%2F05%2Fseoul%3Fref%3Dnewsdesk"
    assert data["share"]["linkedin"].endswith(f"?url={encoded}")


@pytest.fixture
def configured_client(app):
    """A client of an app with its own site URL, article path and share links, on the suite's
    database inside the test's transaction."""
    configured = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "TESTING": True,
            "SITE_URL": "https://actu.example.fr/",
            "ARTICLE_PATH": "/{slug}.html",
            "SHARE_LINKS": {
                "mastodon": "https://mastodon.social/share?text={title}%20{url}",
                "email": "mailto:redaction@example.fr?subject={title}",
            },
        }
    )
    db.bind(configured, db.session.connection(), join_transaction_mode="create_savepoint")
    yield configured.test_client()
    db.engine(configured).dispose()


def test_the_links_follow_the_configuration(configured_client, seeded):
    data = _data(configured_client.get(f"/v1/articles/{seeded.id}?fields=url,share"))
    assert data["url"] == f"https://actu.example.fr/{SEED_SLUG}.html"
    assert data["share"] == {
        "mastodon": f"https://mastodon.social/share?text={ENCODED_SEED_TITLE}%20"
        f"https%3A%2F%2Factu.example.fr%2F{SEED_SLUG}.html",
        "email": f"mailto:redaction@example.fr?subject={ENCODED_SEED_TITLE}",
    }
    site = _data(configured_client.get("/v1/site"))
    assert site["urls"]["site"] == "https://actu.example.fr"


def test_share_links_are_configured_by_a_json_environment_variable():
    environ = {"NEWSDESK_SHARE_LINKS": '{"x": "https://x.com/intent/post?url={url}"}'}
    config = load_config(environ=environ)
    assert config["SHARE_LINKS"] == {"x": "https://x.com/intent/post?url={url}"}


@pytest.mark.parametrize(
    "templates", [["https://x.com/?url={url}"], {"x": "javascript:alert({url})"}, {"x": 3}]
)
def test_unusable_share_links_stop_the_app_from_starting(templates):
    with pytest.raises(ValueError, match="SHARE_LINKS"):
        create_app({"DATABASE_URL": "sqlite://", "SHARE_LINKS": templates})
