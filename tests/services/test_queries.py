"""`queries.public_listing`: one statement per distinct set of filters, never another's."""

import uuid
from datetime import UTC, datetime

from api.models import Article
from api.services import queries
from api.services.pagination import Cursor, keyset_seek


def _seek(descending: bool):
    cursor = Cursor((datetime(2024, 5, 21, tzinfo=UTC), uuid.UUID(int=1)))
    return keyset_seek(Article.published_at, cursor, descending=descending)


def test_the_same_filters_get_the_same_statement_and_other_filters_another():
    base = {"dialect": "sqlite", "bylines": False}
    same = queries.public_listing(**base, tag="climat", sort=[("title", False)])
    assert queries.public_listing(**base, sort=[("title", False)], tag="climat") is same
    # A tag's slug is bound when the statement runs (`queries.listing_params`)
    assert queries.public_listing(**base, tag="economie", sort=[("title", False)]) is same
    others = [
        queries.public_listing(**base, author="ada", sort=[("title", False)]),
        queries.public_listing(**base, tag="climat", sort=[("title", True)]),
        queries.public_listing(**base, tag="climat"),
        queries.public_listing(
            dialect="sqlite", bylines=True, tag="climat", sort=[("title", False)]
        ),
        queries.public_listing(**base, tag="climat", sort=[("title", False)], seek=_seek(True)),
        queries.public_listing(**base, tag="climat", sort=[("title", False)], seek=_seek(False)),
    ]
    assert len({id(stmt) for stmt in [same, *others]}) == 7
    # A seek is one of keyset_seek's, built once: the same one finds the same statement
    assert queries.public_listing(**base, seek=_seek(True)) is queries.public_listing(
        **base, seek=_seek(True)
    )


def test_a_statement_built_once_holds_its_filters():
    sql = str(queries.public_listing(dialect="sqlite", bylines=False, lang="fr").compile())
    assert "lower(articles.language)" in sql
    assert "lower(articles.language)" not in str(
        queries.public_listing(dialect="sqlite", bylines=False).compile()
    )


def test_a_tag_or_an_author_is_bound_when_its_listing_runs(
    client, make_article, make_tag, make_author
):
    """One statement for every tag (author), built once: each slug finds its own articles and
    count, in every way a page of them is read — newest first from its links, in another
    order keys first, with a cursor, both filters at once, and a slug that names nothing."""
    tags, authors = [make_tag(), make_tag()], [make_author(), make_author()]
    mine = {
        (tag.slug, author.slug): make_article(tags=[tag.slug], authors=[author.slug])
        for tag in tags
        for author in authors
    }
    make_article()  # neither
    for tag in [*tags, None]:
        for author in [*authors, None]:
            expected = sorted(
                str(article.id)
                for (t, a), article in mine.items()
                if (tag is None or t == tag.slug) and (author is None or a == author.slug)
            )
            filters = {"tag": tag and tag.slug, "author": author and author.slug}
            filters = {name: slug for name, slug in filters.items() if slug is not None}
            for extra in ({}, {"sort": "title"}, {"cursor": "start"}):
                response = client.get("/v1/articles", query_string={**filters, **extra})
                body = response.get_json()
                assert response.status_code == 200, body
                if not filters:
                    continue
                assert sorted(item["id"] for item in body["data"]) == expected, (filters, extra)
                if "cursor" not in extra:
                    assert body["meta"]["total"] == len(expected), (filters, extra)
    for name in ("tag", "author"):
        body = client.get("/v1/articles", query_string={name: "nul-ne-porte-ce-nom"}).get_json()
        assert (body["data"], body["meta"]["total"]) == ([], 0)


def test_a_key_holders_listing_binds_what_its_statements_built_once_need(
    client, editor, make_article, make_tag, make_author
):
    """A key holder's listing is built per request, holding its own values, but its tag's total
    and its search's ranked keys are the statements built once: the values they bind are given
    to them too — by tag, by author, by search, by cursor — never a 500."""
    tag, author = make_tag(), make_author()
    mine = make_article(title="Le sommet de Séoul", tags=[tag.slug], authors=[author.slug])
    make_article(title="Autre chose")
    for query in (
        {"tag": tag.slug},
        {"author": author.slug},
        {"q": "sommet"},
        {"q": "sommet", "tag": tag.slug},
        {"tag": tag.slug, "cursor": "start"},
        {"q": "sommet", "cursor": "start"},
    ):
        response = client.get("/v1/articles", query_string=query, headers=editor)
        body = response.get_json()
        assert response.status_code == 200, (query, body)
        assert [item["id"] for item in body["data"]] == [str(mine.id)], query
        if "cursor" not in query:
            assert body["meta"]["total"] == 1, query
