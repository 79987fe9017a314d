"""Every character of the seed page's article comes back byte-identical through the API."""

import pytest

from tests.conftest import SEED_SLUG, SEED_TEXT

NEWSLETTER_BOX = "Recevez gratuitement l'actualité de l'intelligence artificielle"


def _seed_lines() -> list[str]:
    lines = SEED_TEXT.read_text(encoding="utf-8").split("\n")
    return [line for line in lines[: lines.index(NEWSLETTER_BOX)] if line.strip()]


@pytest.fixture
def raw_article(client, seeded) -> str:
    """The article's JSON exactly as sent, decoded as UTF-8 (no \\u escapes allowed)."""
    response = client.get(f"/v1/articles/slug/{SEED_SLUG}")
    assert response.content_type == "application/json"
    return response.get_data().decode("utf-8")


def test_title_and_kicker_come_back_identical(client, seeded):
    data = client.get(f"/v1/articles/slug/{SEED_SLUG}").get_json()["data"]
    title, kicker = _seed_lines()[:2]
    assert data["title"] == title
    assert data["subtitle"] == kicker


def test_every_paragraph_comes_back_identical_in_markdown_and_html(client, seeded):
    data = client.get(f"/v1/articles/slug/{SEED_SLUG}").get_json()["data"]
    paragraphs = _seed_lines()[2:]
    assert len(paragraphs) == 10
    for line in paragraphs:
        if line == "Le Sommet de Séoul":
            assert "\n## Le Sommet de Séoul\n" in data["body"]
            assert "<h2>Le Sommet de Séoul</h2>" in data["body_html"]
        else:
            assert f"\n{line}\n" in f"\n{data['body']}"
            assert f"<p>{line}</p>" in data["body_html"]


def test_raw_bytes_carry_utf8_text_unescaped(raw_article):
    for line in _seed_lines():
        assert line in raw_article
    for character in "’“”éàÀ":
        assert character in raw_article
    assert "\\u" not in raw_article


def test_tag_comes_back_identical(client, seeded):
    data = client.get(f"/v1/articles/slug/{SEED_SLUG}").get_json()["data"]
    seed_tag = SEED_TEXT.read_text(encoding="utf-8").split("\n")[-3]
    assert seed_tag == "intelligence artificielle"
    assert [tag["name"] for tag in data["tags"]] == [seed_tag]
