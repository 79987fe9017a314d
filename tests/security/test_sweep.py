"""The sweeper: every public read the spec documents, run before and after hidden content
(drafts, scheduled, archived, unpublished, deleted articles, subscribers, webhooks, staff keys)
joins the public content, answers exactly the same: same status, headers and bytes. So no
hidden id, slug or title shows anywhere (JSON, feeds, sitemaps, structured data, the change
feed, search), no count or total includes them, and a tag or author on hidden articles only
counts none; and no field of what it answers is named like a secret. A hidden article's id or
slug answers like one that never existed.
"""

from __future__ import annotations

import uuid

import pytest

from tests.editorial.test_leaks import _response_text as response_text
from tests.security.conftest import (
    ONCE_PUBLIC,
    PUBLIC_READS,
    READS,
    fill,
    filled_paths,
    params,
    problem_shape,
    readers,
    snapshot,
)
from tests.security.test_secret_names import secret_names


def _query_variants(op, room) -> list[dict]:
    """The query strings a read is swept with: none, and each documented parameter the sweep
    knows a telling value for (the largest page, a search for the hidden articles' word…)."""
    samples = {
        "per_page": {"per_page": "100"},
        "page": {"page": "2", "per_page": "1"},
        "q": {"q": room.marker},
        "cursor": {"cursor": "start", "per_page": "1"},
        "updated_since": {"updated_since": "2000-01-01T00:00:00Z"},
        "published_before": {"published_before": "2100-01-01T00:00:00Z"},
        "tag": {"tag": room.lonely_tag.slug},
        "author": {"author": room.lonely_author.slug},
        "sort": {"sort": "-updated_at"},
        "status": {"status": "draft"},
        "deleted": {"deleted": "true"},
        "since": {"since": "0"},
    }
    names = op.names("query")
    return [{}] + [samples[name] for name in names if name in samples]


def sweep(client, room, op) -> dict[tuple, object]:
    """Every request the sweep makes of `op`, by (reader, URL): its response."""
    responses = {}
    for path in filled_paths(room, op):
        for query in _query_variants(op, room):
            for reader, headers in readers(room).items():
                response = client.get(path, query_string=query, headers=headers)
                responses[(reader, response.request.url)] = response
    return responses


def test_the_sweep_covers_the_public_reads():
    """The spec is read, not a hand list: the reads every issue added are all there."""
    swept = {op.id for op in PUBLIC_READS}
    assert len(swept) >= 20, swept
    for expected in (
        "GET /v1/articles",
        "GET /v1/feeds/articles.rss",
        "GET /v1/changes",
        "GET /sitemaps/news.xml",
        "GET /v1/articles/{article_id}/structured-data",
        "GET /v1/newsletter/digests/{day}",
    ):
        assert expected in swept


@pytest.mark.parametrize("op", params(PUBLIC_READS))
def test_hidden_content_changes_no_public_read(client, newsroom, hide, op):
    before = {key: snapshot(response) for key, response in sweep(client, newsroom, op).items()}
    assert any(status == 200 for status, _h, _b in before.values()), "nothing public swept"
    after = sweep(client, hide(newsroom), op)
    for (reader, url), response in after.items():
        assert response.status_code < 500, (url, response.get_data(as_text=True))
        text = response_text(response)  # less the request's own path and query
        for trace in newsroom.traces:
            assert trace not in text, f"{reader} {url} shows the hidden {trace!r}"
        assert snapshot(response) == before[(reader, url)], (
            f"{reader} {url} answers otherwise once hidden content exists (a count, a total, "
            "an order or a validator moved)"
        )
        if response.get_data():  # and no field is named like a secret (test_secret_names.py)
            assert secret_names(response) == [], f"{reader} {url}"


def _article_reads() -> list:
    """Reads (keyed ones too) whose path names an article by id or slug."""
    return params(
        [
            op
            for op in READS
            if "article_id" in op.names("path")
            or (op.resource == "articles" and "slug" in op.names("path"))
        ]
    )


@pytest.mark.parametrize("op", _article_reads())
def test_a_hidden_article_answers_like_one_that_never_existed(client, newsroom, hide, op):
    room = hide(newsroom)
    extra = {"number": "1"}
    for reader, headers in readers(room).items():
        for kind, article in room.hidden.items():
            asked = {"article_id": (article.id, str(uuid.uuid4()))}
            asked["slug"] = (article.slug, f"never-{uuid.uuid4().hex[:12]}")
            name = "slug" if "slug" in op.names("path") else "article_id"
            hidden_value, unknown_value = asked[name]
            hidden = client.get(fill(op.path, {**extra, name: hidden_value}), headers=headers)
            unknown = client.get(fill(op.path, {**extra, name: unknown_value}), headers=headers)
            if kind == ONCE_PUBLIC and op.anonymous:
                assert hidden.status_code == 410, (reader, kind, hidden.status_code)
                continue
            assert problem_shape(hidden, hidden_value) == problem_shape(unknown, unknown_value), (
                f"{op.id}: the {kind} article answers {reader} otherwise than an unknown one"
            )
            if name == "slug":  # its former slug redirects nowhere
                former = client.get(fill(op.path, {name: article.former_slug}), headers=headers)
                assert problem_shape(former, article.former_slug) == problem_shape(
                    unknown, unknown_value
                ), f"{op.id}: the {kind} article's former slug answers {reader} otherwise"
