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
    others = [
        queries.public_listing(**base, tag="economie", sort=[("title", False)]),
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
