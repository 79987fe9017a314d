"""Sparse fieldsets (`fields=`) and body formats (`formats=`) on article, tag and author reads."""

import re

import pytest

from tests.conftest import assert_problem

BODY_COLUMNS = ("body", "body_html", "body_text")


def _data(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def _article_selects(statements: list[str]) -> list[str]:
    """The statements reading articles (a list page's carries its count; counts alone don't)."""
    return [s for s in statements if re.match(r"\s*SELECT articles\.", s)]


def _loads_a_body_column(statement: str) -> bool:
    return any(re.search(rf"articles\.{column}\b", statement) for column in BODY_COLUMNS)


@pytest.fixture
def article(make_article):
    return make_article(body="Un *paragraphe* en **gras**.")


def test_fields_chooses_the_fields_of_an_article_and_always_keeps_id(client, article):
    data = _data(client.get(f"/v1/articles/{article.id}?fields=title,excerpt"))
    assert set(data) == {"id", "title", "excerpt"}
    assert data["id"] == str(article.id)


def test_fields_applies_to_every_item_of_a_list(client, article):
    items = _data(client.get("/v1/articles?fields=slug,word_count"))
    assert items and all(set(item) == {"id", "slug", "word_count"} for item in items)


def test_fields_on_a_read_by_slug(client, article):
    data = _data(client.get(f"/v1/articles/slug/{article.slug}?fields=reading_time"))
    assert set(data) == {"id", "reading_time"}


def test_fields_on_related_articles(client, make_article, make_tag):
    tag = make_tag().slug
    source, other = make_article(tags=[tag]), make_article(tags=[tag])
    items = _data(client.get(f"/v1/articles/{source.id}/related?fields=title"))
    assert items == [{"id": str(other.id), "title": other.title}]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/articles?fields=title,nope",
        "/v1/articles/{id}?fields=nope",
        "/v1/articles/slug/{slug}?fields=nope",
        "/v1/articles/{id}/related?fields=nope",
        "/v1/tags?fields=nope",
        "/v1/authors?fields=nope",
        "/v1/articles?fields=",
        "/v1/articles?fields=title,",
    ],
)
def test_an_unknown_field_is_a_400_naming_fields(client, article, url):
    response = client.get(url.format(id=article.id, slug=article.slug))
    body = assert_problem(response, 400, "fields")
    if "nope" in url:
        assert "`nope`" in body["errors"]["fields"][0]


@pytest.mark.parametrize("url", ["/v1/articles?formats=pdf", "/v1/articles/{id}?formats=pdf"])
def test_an_unknown_format_is_a_400_naming_formats(client, article, url):
    assert_problem(client.get(url.format(id=article.id)), 400, "formats")


def test_lists_return_summaries_without_a_body(client, article):
    (item,) = [i for i in _data(client.get("/v1/articles")) if i["id"] == str(article.id)]
    assert not set(item) & {"body", "body_html", "body_text", "body_format"}
    assert {"title", "excerpt", "authors", "tags", "word_count"} <= set(item)


def test_the_detail_returns_its_source_and_html_by_default(client, article):
    data = _data(client.get(f"/v1/articles/{article.id}"))
    assert {"body", "body_format", "body_html"} <= set(data)
    assert "body_text" not in data


@pytest.mark.parametrize(
    ("formats", "expected"),
    [
        ("html", {"body_html"}),
        ("plaintext", {"body_text"}),
        ("markdown", {"body"}),
        ("html,plaintext,markdown", {"body_html", "body_text", "body"}),
    ],
)
def test_formats_choose_the_body_representations(client, article, formats, expected):
    data = _data(client.get(f"/v1/articles/{article.id}?formats={formats}"))
    assert {key for key in data if key.startswith("body") and key != "body_format"} == expected
    items = _data(client.get(f"/v1/articles?formats={formats}&fields=title"))
    assert all(set(item) == {"id", "title"} | expected for item in items)


def test_the_body_representations_hold_the_right_text(client, article):
    data = _data(client.get(f"/v1/articles/{article.id}?formats=html,plaintext,markdown"))
    assert data["body"] == "Un *paragraphe* en **gras**."
    assert "<em>paragraphe</em>" in data["body_html"]
    assert "paragraphe" in data["body_text"] and "<" not in data["body_text"]


@pytest.mark.parametrize("fields", ["excerpt", "reading_time", "word_count", "excerpt,title"])
def test_derived_values_never_load_the_body(client, article, count_statements, fields):
    count_statements.statements.clear()
    _data(client.get(f"/v1/articles?fields={fields}"))
    _data(client.get(f"/v1/articles/{article.id}?fields={fields}"))
    _data(client.get(f"/v1/articles/slug/{article.slug}?fields={fields}"))
    selects = _article_selects(count_statements.statements)
    assert len(selects) >= 3
    assert not any(_loads_a_body_column(s) for s in selects), selects


def test_a_list_loads_only_the_body_formats_asks_for(client, article, count_statements):
    count_statements.statements.clear()
    _data(client.get("/v1/articles?formats=html"))
    (select,) = _article_selects(count_statements.statements)
    assert re.search(r"articles\.body_html\b", select)
    assert not re.search(r"articles\.body\b", select)
    assert not re.search(r"articles\.body_text\b", select)


def test_a_sparse_read_has_its_own_etag(client, article):
    full = client.get(f"/v1/articles/{article.id}")
    sparse = client.get(f"/v1/articles/{article.id}?fields=title")
    assert full.headers["ETag"] and sparse.headers["ETag"]
    assert full.headers["ETag"] != sparse.headers["ETag"]
    other = client.get(f"/v1/articles/{article.id}?formats=html")
    assert other.headers["ETag"] not in (full.headers["ETag"], sparse.headers["ETag"])


def test_the_full_etag_still_guards_writes(client, article, editor):
    etag = client.get(f"/v1/articles/{article.id}").headers["ETag"]
    sparse_etag = client.get(f"/v1/articles/{article.id}?fields=title").headers["ETag"]
    stale = client.patch(
        f"/v1/articles/{article.id}",
        json={"title": "Un autre titre"},
        headers={**editor, "If-Match": sparse_etag},
    )
    assert stale.status_code == 412
    ok = client.patch(
        f"/v1/articles/{article.id}",
        json={"title": "Un autre titre"},
        headers={**editor, "If-Match": etag},
    )
    assert ok.status_code == 200, ok.get_data(as_text=True)


@pytest.mark.parametrize("resource", ["tags", "authors"])
def test_fields_on_tags_and_authors(client, make_tag, make_author, resource):
    record = make_tag() if resource == "tags" else make_author()
    assert set(_data(client.get(f"/v1/{resource}/{record.id}?fields=name"))) == {"id", "name"}
    by_slug = _data(client.get(f"/v1/{resource}/slug/{record.slug}?fields=article_count"))
    assert set(by_slug) == {"id", "article_count"}
    items = _data(client.get(f"/v1/{resource}?fields=slug&per_page=100"))
    assert all(set(item) == {"id", "slug"} for item in items)
    full = client.get(f"/v1/{resource}/{record.id}")
    sparse = client.get(f"/v1/{resource}/{record.id}?fields=name")
    assert full.headers["ETag"] != sparse.headers["ETag"]
