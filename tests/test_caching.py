"""HTTP caching of reads: ETag and Last-Modified, 304s, Cache-Control, Vary and Surrogate-Key."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from werkzeug.http import http_date

from api.extensions import etag_of
from tests.test_openapi import SNAPSHOT

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
SPEC = yaml.safe_load(SNAPSHOT.read_text(encoding="utf-8"))


@pytest.fixture
def content(make_article, make_author, make_tag):
    """One article with a tag and an author: every public read has something to show."""
    author, tag = make_author(), make_tag()
    article = make_article(authors=[author.slug], tags=[tag.slug])
    return {"article": article, "author": author, "tag": tag}


def _public_reads(content) -> list[str]:
    article, author, tag = content["article"], content["author"], content["tag"]
    return [
        "/v1/articles",
        "/v1/articles?q=paragraphe",
        f"/v1/articles/{article.id}",
        f"/v1/articles/slug/{article.slug}",
        f"/v1/articles/{article.id}/related",
        "/v1/tags",
        f"/v1/tags/{tag.id}",
        f"/v1/tags/slug/{tag.slug}",
        "/v1/authors",
        f"/v1/authors/{author.id}",
        f"/v1/authors/slug/{author.slug}",
    ]


def _editorial_reads(client, headers) -> list[str]:
    created = client.post("/v1/articles", json={"title": "Un brouillon"}, headers=headers)
    article_id = created.get_json()["data"]["id"]
    return [
        "/v1/articles?status=draft",
        f"/v1/articles/{article_id}/revisions",
        f"/v1/articles/{article_id}/revisions/1",
        "/v1/keys",
    ]


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code in (200, 304), response.get_data(as_text=True)
    return response


def test_every_public_read_carries_validators_and_public_caching(client, content):
    for url in _public_reads(content):
        response = _get(client, url)
        assert response.headers["ETag"] == etag_of(response.get_json()), url
        assert response.headers["ETag"].startswith('"'), url  # strong
        assert response.last_modified is not None, url
        assert response.headers["Cache-Control"] == PUBLIC, url
        assert "Authorization" in response.vary, url
        assert response.headers["Surrogate-Key"], url


def test_an_etag_hashes_the_body_s_json_with_sorted_keys_as_the_standard_library_writes_it(
    client, make_article
):
    """The ETag's definition, computed here independently of the app's JSON writer: a write's
    `If-Match`, a client or a cache in front may recompute it. French text, accents and
    typographic quotes included."""
    make_article(title="L’été « brûlant » de Séoul", body="Un “paragraphe” accentué, déjà.")
    for url in ("/v1/articles", "/v1/articles?q=accentue"):
        response = _get(client, url)
        text = json.dumps(
            response.get_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        assert "«" in text and "’" in text, url
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        assert response.headers["ETag"] == f'"{digest}"', url


def test_every_editorial_read_carries_validators_and_is_private(client, content, admin):
    for url in _editorial_reads(client, admin) + _public_reads(content):
        response = _get(client, url, **admin)
        assert response.headers["ETag"] == etag_of(response.get_json()), url
        assert response.last_modified is not None, url
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert "Authorization" in response.vary, url
        assert "Surrogate-Key" not in response.headers, url


def test_every_get_of_the_spec_documents_validators_and_304():
    for path, item in SPEC["paths"].items():
        if "get" not in item or path in ("/health", "/ready"):
            continue
        operation = item["get"]
        assert {"ETag", "Last-Modified", "Cache-Control", "Surrogate-Key"} <= set(
            operation["responses"]["200"]["headers"]
        ), path
        assert "304" in operation["responses"], path
        names = {p.get("name") for p in operation["parameters"]}
        assert {"If-None-Match", "If-Modified-Since"} <= names, path


def _assert_not_modified(response, etag: str) -> None:
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == PUBLIC
    assert "Authorization" in response.vary
    assert "Content-Type" not in response.headers


def test_if_none_match_answers_304_with_the_etag_and_no_body(client, content):
    for url in _public_reads(content):
        etag = _get(client, url).headers["ETag"]
        _assert_not_modified(client.get(url, headers={"If-None-Match": etag}), etag)


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"other", {etag}'])
def test_if_none_match_compares_weakly_and_takes_lists_and_star(client, content, header):
    url = f"/v1/articles/{content['article'].id}"
    etag = _get(client, url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": header.format(etag=etag)})
    _assert_not_modified(response, etag)


def test_an_other_etag_answers_the_body(client, content):
    response = client.get("/v1/articles", headers={"If-None-Match": '"other"'})
    assert response.status_code == 200
    assert response.get_json()["data"]


def test_if_modified_since_answers_304_when_nothing_changed(client, content):
    for url in _public_reads(content):
        first = _get(client, url)
        response = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        _assert_not_modified(response, first.headers["ETag"])


def test_if_modified_since_before_the_last_change_answers_the_body(client, content):
    url = f"/v1/articles/{content['article'].id}"
    modified = _get(client, url).last_modified
    response = client.get(url, headers={"If-Modified-Since": http_date(modified - timedelta(1))})
    assert response.status_code == 200


def test_if_none_match_takes_precedence_over_if_modified_since(client, content):
    url = f"/v1/articles/{content['article'].id}"
    first = _get(client, url)
    headers = {"If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(url, headers=headers).status_code == 200


def test_last_modified_is_the_newest_change_shown(client, content):
    article = content["article"]
    response = _get(client, f"/v1/articles/{article.id}")
    assert response.last_modified == article.updated_at.replace(microsecond=0)
    listed = _get(client, "/v1/articles").get_json()["data"]
    newest = max(datetime.fromisoformat(a["updated_at"]) for a in listed)
    assert _get(client, "/v1/articles").last_modified == newest.replace(microsecond=0)


def test_an_empty_list_has_a_stable_last_modified(client):
    first = _get(client, "/v1/articles?tag=nothing-here")
    assert first.get_json()["data"] == []
    assert first.last_modified == datetime(1970, 1, 1, tzinfo=UTC)
    again = _get(client, "/v1/articles?tag=nothing-here")
    # every header but the caller's remaining quota (`RateLimit-*`)
    assert _stable_headers(again) == _stable_headers(first)


def _stable_headers(response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers if not name.startswith("RateLimit-")]


def test_changing_an_article_changes_the_etag_of_its_detail_and_of_the_list(
    client, content, editor
):
    article = content["article"]
    detail = _get(client, f"/v1/articles/{article.id}")
    listing = _get(client, "/v1/articles")
    response = client.patch(
        f"/v1/articles/{article.id}",
        json={"title": "Un nouveau titre"},
        headers={**editor, "If-Match": detail.headers["ETag"]},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    for url, before in ((f"/v1/articles/{article.id}", detail), ("/v1/articles", listing)):
        again = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
        assert again.status_code == 200
        assert again.headers["ETag"] != before.headers["ETag"]


def test_the_etag_read_is_the_one_if_match_accepts(client, content, editor):
    """The ETag a client reads is the one its change must send, for each kind of object."""
    article, tag, author = content["article"], content["tag"], content["author"]
    for url, change in (
        (f"/v1/articles/{article.id}", {"subtitle": "Le retour"}),
        (f"/v1/tags/{tag.id}", {"description": "Un sujet."}),
        (f"/v1/authors/{author.id}", {"bio": "Une plume."}),
    ):
        etag = _get(client, url).headers["ETag"]
        response = client.patch(url, json=change, headers={**editor, "If-Match": etag})
        assert response.status_code == 200, response.get_data(as_text=True)
        # The write answers the ETag the next read answers
        assert _get(client, url).headers["ETag"] == response.headers["ETag"]
        stale = client.patch(url, json=change, headers={**editor, "If-Match": etag})
        assert stale.status_code == 412


def test_a_lifecycle_action_accepts_the_etag_read(client, content, editor):
    article = content["article"]
    etag = _get(client, f"/v1/articles/{article.id}", **editor).headers["ETag"]
    response = client.post(
        f"/v1/articles/{article.id}/unpublish", headers={**editor, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def _keys(response) -> set[str]:
    return set(response.headers["Surrogate-Key"].split())


def test_surrogate_keys_name_the_article_its_tags_and_authors(client, content):
    article, tag, author = content["article"], content["tag"], content["author"]
    expected = {f"article:{article.id}", f"tag:{tag.id}", f"author:{author.id}"}
    assert _keys(_get(client, f"/v1/articles/{article.id}")) == expected
    assert _keys(_get(client, f"/v1/articles/slug/{article.slug}")) == expected
    assert _keys(_get(client, "/v1/articles")) == expected | {"articles"}


def test_surrogate_keys_of_a_list_name_every_item(client, make_article, make_tag):
    tags = [make_tag(), make_tag()]
    articles = [make_article(tags=[tag.slug]) for tag in tags]
    keys = _keys(_get(client, "/v1/articles"))
    assert {f"article:{a.id}" for a in articles} | {f"tag:{t.id}" for t in tags} <= keys


def test_a_related_list_names_its_source_article(client, make_article, make_tag):
    tag = make_tag()
    source, related = make_article(tags=[tag.slug]), make_article(tags=[tag.slug])
    keys = _keys(_get(client, f"/v1/articles/{source.id}/related"))
    assert {"articles", f"article:{source.id}", f"article:{related.id}", f"tag:{tag.id}"} == keys


def test_tag_and_author_reads_name_themselves(client, content):
    tag, author = content["tag"], content["author"]
    assert _keys(_get(client, f"/v1/tags/{tag.id}")) == {f"tag:{tag.id}"}
    assert _keys(_get(client, f"/v1/authors/{author.id}")) == {f"author:{author.id}"}
    assert {"tags", f"tag:{tag.id}"} <= _keys(_get(client, "/v1/tags"))
    assert {"authors", f"author:{author.id}"} <= _keys(_get(client, "/v1/authors"))


@pytest.mark.parametrize("url", ["/v1/articles/00000000-0000-0000-0000-000000000000", "/v1/nope"])
def test_errors_are_not_stored(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_a_former_slug_redirect_is_not_stored(client, content, editor):
    article = content["article"]
    etag = _get(client, f"/v1/articles/{article.id}").headers["ETag"]
    old = article.slug
    client.patch(
        f"/v1/articles/{article.id}",
        json={"slug": "un-nouveau-slug"},
        headers={**editor, "If-Match": etag},
    )
    response = client.get(f"/v1/articles/slug/{old}")
    assert response.status_code == 301
    assert response.headers["Cache-Control"] == "no-store"


def test_previews_stay_private_with_validators(client, make_article, editor):
    draft = make_article(status="draft")
    url = client.post(f"/v1/articles/{draft.id}/preview", headers=editor).get_json()["data"]["url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"]
    assert "Surrogate-Key" not in response.headers


def test_probes_are_left_alone(client):
    response = client.get("/health")
    assert "ETag" not in response.headers
    assert response.headers.get("Cache-Control") != PUBLIC


def test_a_future_publication_time_never_makes_last_modified_future(client, make_article, editor):
    make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(days=3))
    response = _get(client, "/v1/articles?status=scheduled", **editor)
    assert response.last_modified <= datetime.now(UTC)


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_are_never_stored(client, path):
    response = client.get(path)
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
