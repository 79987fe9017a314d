"""The public list's `meta.total`: counted from the article tally the database keeps (migration
0009) when the list is unfiltered, from the tag tally (migration 0010) when it is a tag's, from
its links' place in the public order (migration 0012) when it is an author's, row by row
otherwise; right after every change of an article or of its tags and authors, whatever makes
it."""

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import and_, func, select, text

from api import create_app
from api.cli import alembic_config
from api.db import db
from api.models import (
    Article,
    ArticleAuthor,
    ArticleTag,
    ArticleTally,
    Author,
    Tag,
    TagTally,
)
from api.services import queries, summaries, visibility
from api.services.visibility import PUBLIC_STATUSES, article_is_public
from schemas.articles import ArticleQueryArgsSchema

# The listed set: what the tallies count and what links hold a place in the public order for
LISTED = (
    Article.status.in_(PUBLIC_STATUSES),
    Article.published_at.is_not(None),
    Article.deleted_at.is_(None),
)


def _listed(session) -> int:
    """The listed set counted row by row, as the tally should hold it."""
    return session.scalar(select(func.count()).select_from(Article).where(*LISTED))


def _public(session) -> int:
    return session.scalar(select(func.count()).select_from(Article).where(article_is_public()))


def _total(client, query: str = "", headers=None) -> int:
    response = client.get(f"/v1/articles?per_page=1{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["meta"]["total"]


def _check(client, session) -> int:
    """The tally, the cheap count and the list's total all agree with counting the rows; so
    do every tag's (`_check_tags`)."""
    session.expire_all()
    assert session.scalar(select(ArticleTally.listed)) == _listed(session)
    assert session.scalar(queries.PUBLIC_ARTICLE_TOTAL) == _public(session)
    total = _total(client)
    assert total == _public(session)
    _check_tags(client, session)
    return total


def _tag_counts(session, *rule) -> dict[str, int]:
    """Each tag's articles under `rule`, counted row by row (0 for a tag of none)."""
    counted = dict(
        session.execute(
            select(Tag.slug, func.count(Article.id))
            .outerjoin(ArticleTag, ArticleTag.tag_id == Tag.id)
            .outerjoin(Article, (Article.id == ArticleTag.article_id) & and_(*rule))
            .group_by(Tag.slug)
        ).all()
    )
    return counted


def _check_tags(client, session) -> dict[str, int]:
    """Every tag has one tally row, holding its listed articles; its public count, its
    list's total and its `article_count` are its public articles, and its list shows them
    newest first. Every link holds its article's place in the public order
    (`_check_links`)."""
    session.expire_all()
    _check_links(session)
    tallies = dict(session.execute(select(Tag.slug, TagTally.listed).join(TagTally)).all())
    assert tallies == _tag_counts(session, *LISTED)
    assert session.scalar(select(func.count()).select_from(TagTally)) == len(tallies)
    public = _tag_counts(session, article_is_public())
    for slug, count in public.items():
        total = queries.TAG_ARTICLE_TOTAL
        assert session.scalar(total, queries.listing_params("sqlite", tag=slug)) == count, slug
        body = client.get(f"/v1/articles?per_page=100&fields=id&tag={slug}").get_json()
        assert body["meta"]["total"] == count, slug
        assert [item["id"] for item in body["data"]] == _newest_first(session, slug), slug
        tag = client.get(f"/v1/tags/slug/{slug}?fields=article_count").get_json()["data"]
        assert tag["article_count"] == count, slug
    return public


def _check_authors(client, session) -> dict[str, int]:
    """Every author's public count, list's total and `article_count` are its public
    articles, counted row by row (0 for an author of none)."""
    session.expire_all()
    public = dict(
        session.execute(
            select(Author.slug, func.count(Article.id))
            .outerjoin(ArticleAuthor, ArticleAuthor.author_id == Author.id)
            .outerjoin(Article, (Article.id == ArticleAuthor.article_id) & article_is_public())
            .group_by(Author.slug)
        ).all()
    )
    for slug, count in public.items():
        total = queries.AUTHOR_ARTICLE_TOTAL
        assert session.scalar(total, queries.listing_params("sqlite", author=slug)) == count, slug
        body = client.get(f"/v1/articles?per_page=100&fields=id&author={slug}").get_json()
        assert body["meta"]["total"] == len(body["data"]) == count, slug
        author = client.get(f"/v1/authors/slug/{slug}?fields=article_count").get_json()["data"]
        assert author["article_count"] == count, slug
    return public


def _newest_first(session, tag_slug: str) -> list[str]:
    """The tag's public articles, newest first, as the rule and the articles' columns say."""
    return [
        str(article_id)
        for article_id in session.scalars(
            select(Article.id)
            .join(ArticleTag, ArticleTag.article_id == Article.id)
            .join(Tag, Tag.id == ArticleTag.tag_id)
            .where(Tag.slug == tag_slug, article_is_public())
            .order_by(Article.published_at.desc(), Article.id.desc())
        )
    ]


def _check_links(session) -> None:
    """Each tag and author link holds its article's publication time while the article is
    listed, NULL otherwise (migration 0012)."""
    for link in (ArticleTag, ArticleAuthor):
        rows = session.execute(
            select(link.listed_at, Article.published_at, and_(*LISTED)).join(
                Article, Article.id == link.article_id
            )
        ).all()
        for listed_at, published_at, listed in rows:
            assert listed_at == (published_at if listed else None), (link, listed, published_at)


def _etag(client, editor, article_id) -> str:
    return client.get(f"/v1/articles/{article_id}", headers=editor).headers["ETag"]


def test_every_step_of_an_articles_life_moves_the_total(client, session, editor, admin):
    start = _check(client, session)
    draft = client.post("/v1/articles", json={"title": "Un brouillon"}, headers=editor)
    article_id = draft.get_json()["data"]["id"]
    assert _check(client, session) == start  # a draft is not listed

    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    path = f"/v1/articles/{article_id}"
    assert (
        client.post(f"{path}/schedule", json={"published_at": soon}, headers=editor).status_code
        == 200
    )
    assert _check(client, session) == start  # listed, not yet due

    assert client.post(f"{path}/publish", headers=editor).status_code == 200
    assert _check(client, session) == start + 1
    assert client.post(f"{path}/unpublish", headers=editor).status_code == 200
    assert _check(client, session) == start
    assert client.post(f"{path}/publish", headers=editor).status_code == 200
    assert _check(client, session) == start + 1
    assert client.post(f"{path}/archive", headers=editor).status_code == 200
    assert _check(client, session) == start
    assert client.post(f"{path}/publish", headers=editor).status_code == 200
    assert _check(client, session) == start + 1

    headers = {**editor, "If-Match": _etag(client, editor, article_id)}
    assert client.delete(path, headers=headers).status_code == 204
    assert _check(client, session) == start
    assert client.post(f"{path}/restore", headers=editor).status_code == 200
    assert _check(client, session) == start + 1
    headers = {**editor, "If-Match": _etag(client, editor, article_id)}
    assert client.delete(path, headers=headers).status_code == 204
    assert client.post(f"{path}/purge", headers=admin).status_code == 204
    assert _check(client, session) == start


def test_a_scheduled_article_counts_once_its_time_has_come(client, session, make_article):
    start = _check(client, session)
    later = make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(hours=1))
    assert _check(client, session) == start
    later.published_at = datetime.now(UTC) - timedelta(seconds=1)  # the clock passed it
    session.commit()
    assert _check(client, session) == start + 1


def test_rows_changed_by_hand_keep_the_tally(client, session, make_article):
    """Triggers keep it, not the API: SQL typed by an operator counts too."""
    articles = [make_article() for _ in range(3)]
    start = _check(client, session)
    sqlite = session.get_bind().dialect.name == "sqlite"
    ids = [article.id.hex if sqlite else article.id for article in articles]
    session.execute(
        text("UPDATE articles SET status = 'draft' WHERE id IN (:a, :b)"),
        {"a": ids[0], "b": ids[1]},
    )
    session.commit()
    assert _check(client, session) == start - 2
    session.execute(
        text("UPDATE articles SET deleted_at = published_at WHERE id = :a"), {"a": ids[2]}
    )
    session.commit()
    assert _check(client, session) == start - 3
    session.execute(
        text("UPDATE articles SET deleted_at = NULL, title = 'x' WHERE id = :a"), {"a": ids[2]}
    )
    session.commit()
    assert _check(client, session) == start - 2
    session.execute(text("DELETE FROM articles WHERE id = :a"), {"a": ids[2]})
    session.commit()
    assert _check(client, session) == start - 3


def test_an_import_moves_the_total(client, session, runner, tmp_path):
    start = _check(client, session)
    records = [
        {
            "type": "article",
            "slug": f"importe-{n}",
            "title": f"Importé {n}",
            "body": "Texte.",
            "status": "published" if n else "draft",
            "published_at": "2024-05-21T08:00:00Z",
        }
        for n in range(5)
    ]
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    result = runner.invoke(args=["import", str(source), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert _check(client, session) == start + 4


@pytest.mark.postgresql
def test_truncate_zeroes_the_tally(client, session, make_article):
    make_article()
    session.execute(text("TRUNCATE articles CASCADE"))
    session.commit()
    assert session.scalar(select(ArticleTally.listed)) == 0
    assert _check(client, session) == 0


@pytest.mark.parametrize("links", ["tags", "authors"])
def test_a_links_total_follows_its_links_and_its_articles(
    links, client, session, editor, admin, make_article, make_tag, make_author
):
    """Tagging (or giving bylines), untagging, relinking, reordering, and every step of a
    linked article's life (scheduled, and its time coming, included) move the counts of
    exactly its tags (or authors)."""
    make, check = {"tags": (make_tag, _check_tags), "authors": (make_author, _check_authors)}[links]
    first, second, third = make().slug, make().slug, make().slug
    make_article(**{links: [third]})
    make_article(  # listed, not yet due
        **{links: [third]}, status="scheduled", published_at=datetime.now(UTC) + timedelta(days=1)
    )
    assert check(client, session)[first] == 0
    created = client.post(
        "/v1/articles",
        json={"title": "Étiqueté", "body": "Texte.", links: [first, second]},
        headers=editor,
    )
    article_id = created.get_json()["data"]["id"]
    path = f"/v1/articles/{article_id}"
    assert check(client, session)[first] == 0  # a draft

    assert client.post(f"{path}/publish", headers=editor).status_code == 200
    counts = check(client, session)
    assert (counts[first], counts[second], counts[third]) == (1, 1, 1)

    def relink(*slugs):
        headers = {**editor, "If-Match": _etag(client, editor, article_id)}
        response = client.patch(path, json={links: list(slugs)}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return check(client, session)

    counts = relink(second, third)
    assert (counts[first], counts[second], counts[third]) == (0, 1, 2)
    counts = relink(third, second)  # reordered: the same set
    assert (counts[first], counts[second], counts[third]) == (0, 1, 2)
    for step, expected in (("unpublish", 1), ("publish", 2), ("archive", 1), ("publish", 2)):
        assert client.post(f"{path}/{step}", headers=editor).status_code == 200
        assert check(client, session)[third] == expected, step
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    response = client.post(f"{path}/schedule", json={"published_at": soon}, headers=editor)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert check(client, session)[third] == 1
    assert client.post(f"{path}/publish", headers=editor).status_code == 200

    headers = {**editor, "If-Match": _etag(client, editor, article_id)}
    assert client.delete(path, headers=headers).status_code == 204
    assert check(client, session)[third] == 1
    assert client.post(f"{path}/restore", headers=editor).status_code == 200
    assert check(client, session)[third] == 2
    headers = {**editor, "If-Match": _etag(client, editor, article_id)}
    assert client.delete(path, headers=headers).status_code == 204
    assert client.post(f"{path}/purge", headers=admin).status_code == 204
    counts = check(client, session)
    assert (counts[first], counts[second], counts[third]) == (0, 0, 1)
    response = client.get(f"/v1/articles?{links[:-1]}=nobody")
    assert response.get_json()["meta"]["total"] == 0


def test_a_tags_total_leaves_out_its_articles_not_yet_due(client, session, make_article, make_tag):
    tag = make_tag()
    make_article(tags=[tag.slug])
    later = make_article(
        tags=[tag.slug], status="scheduled", published_at=datetime.now(UTC) + timedelta(hours=1)
    )
    make_article(status="scheduled", published_at=datetime.now(UTC) + timedelta(hours=1))
    assert _check_tags(client, session)[tag.slug] == 1
    later.published_at = datetime.now(UTC) - timedelta(seconds=1)  # the clock passed it
    session.commit()
    assert _check_tags(client, session)[tag.slug] == 2


@pytest.mark.parametrize("fields", ["", "fields=id&"], ids=["stored summaries", "fields"])
@pytest.mark.parametrize("name", ["tag", "author", None])
def test_a_page_shows_a_scheduled_article_once_the_clock_passes_it(
    client, monkeypatch, make_article, make_tag, make_author, name, fields
):
    """An anonymous list page's statement is built once per set of filters (a tag's or an
    author's clauses once per slug), its page statement once: the time they compare with is
    still the time each statement runs."""
    links, path = {}, f"/v1/articles?{fields}"
    if name is not None:
        slug = (make_tag() if name == "tag" else make_author()).slug
        links = {"tags": [slug]} if name == "tag" else {"authors": [slug]}
        path += f"{name}={slug}"
    make_article(**links)
    due = datetime.now(UTC) + timedelta(hours=1)
    later = make_article(**links, status="scheduled", published_at=due)
    first = client.get(path).get_json()
    assert str(later.id) not in [item["id"] for item in first["data"]]
    monkeypatch.setattr(visibility, "utcnow", lambda: due + timedelta(seconds=1))
    listed = client.get(path).get_json()
    assert [item["id"] for item in listed["data"]][0] == str(later.id)
    assert listed["meta"]["total"] == first["meta"]["total"] + 1


def test_a_tag_created_or_deleted_has_its_tally_row(client, session, editor, make_tag):
    created = client.post("/v1/tags", json={"name": "Éphémère"}, headers=editor)
    assert created.status_code == 201, created.get_data(as_text=True)
    tag = created.get_json()["data"]
    assert _check_tags(client, session)[tag["slug"]] == 0
    assert client.get("/v1/articles?tag=inconnue").get_json()["meta"]["total"] == 0
    assert client.delete(f"/v1/tags/{tag['id']}", headers=editor).status_code == 204
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(TagTally)) == session.scalar(
        select(func.count()).select_from(Tag)
    )


def test_links_changed_by_hand_keep_the_tag_tally(
    client, session, make_article, make_tag, make_author
):
    """SQL typed by an operator on links and articles counts too, and orders the lists."""
    first, second = make_tag(), make_tag()
    author = make_author()
    articles = [make_article(tags=[first.slug]) for _ in range(3)]
    draft = make_article(status="draft")
    a, b, c = (_key(session, article.id) for article in articles)
    assert _check_tags(client, session)[first.slug] == 3
    link = {
        "article": _key(session, draft.id),
        "tag": _key(session, first.id),
        "author": _key(session, author.id),
    }
    session.execute(
        text("INSERT INTO article_tags (article_id, tag_id, position) VALUES (:article, :tag, 1)"),
        link,
    )
    session.execute(
        text(
            "INSERT INTO article_authors (article_id, author_id, position, listed_at) "
            "VALUES (:article, :author, 0, '2001-01-01 00:00:00+00:00')"  # a draft's: none
        ),
        link,
    )
    session.commit()
    assert _check_tags(client, session)[first.slug] == 3  # a draft's link counts nothing
    session.execute(  # a link's place is its article's, whatever a write says
        text(
            "UPDATE article_tags SET listed_at = '2001-01-01 00:00:00+00:00' WHERE article_id = :a"
        ),
        {"a": a},
    )
    session.commit()
    assert _check_tags(client, session)[first.slug] == 3
    session.execute(
        text("UPDATE articles SET status = 'published', published_at = created_at WHERE id = :a"),
        {"a": _key(session, draft.id)},
    )
    session.commit()
    assert _check_tags(client, session)[first.slug] == 4
    session.execute(
        text("UPDATE article_tags SET tag_id = :second WHERE article_id = :a"),
        {"second": _key(session, second.id), "a": a},
    )
    session.commit()
    counts = _check_tags(client, session)
    assert (counts[first.slug], counts[second.slug]) == (3, 1)
    session.execute(text("DELETE FROM article_tags WHERE article_id = :b"), {"b": b})
    session.execute(text("UPDATE articles SET deleted_at = published_at WHERE id = :c"), {"c": c})
    session.commit()
    assert _check_tags(client, session)[first.slug] == 1
    session.execute(text("DELETE FROM articles WHERE id IN (:a, :c)"), {"a": a, "c": c})
    session.commit()
    counts = _check_tags(client, session)
    assert (counts[first.slug], counts[second.slug]) == (1, 0)


@pytest.mark.postgresql
def test_truncate_zeroes_the_tag_tally(client, session, make_article, make_tag):
    tag = make_tag()
    make_article(tags=[tag.slug])
    session.execute(text("TRUNCATE article_tags"))
    session.commit()
    assert _check_tags(client, session)[tag.slug] == 0


# The list arguments that narrow nothing, or shape the items rather than choose them
NOT_FILTERS = {"page", "per_page", "cursor", "sort", "fields", "formats"}


def _filters():
    return sorted(set(ArticleQueryArgsSchema().fields) - NOT_FILTERS)


@pytest.mark.parametrize("name", _filters())
def test_a_filtered_list_is_counted_row_by_row(
    name, client, session, editor, make_article, make_tag, make_author
):
    """Each filter of the list narrows its total: none is counted by the tally (a filter added
    to the list arguments lands here by itself, and fails until it gets a value below)."""
    tag, author = make_tag(), make_author()
    make_article(tags=[tag.slug], authors=[author.slug], language="en", title="Séoul zébrure")
    make_article(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    make_article(status="draft")
    deleted = make_article()
    deleted.deleted_at = datetime.now(UTC)
    session.commit()
    values = {
        "tag": tag.slug,
        "author": author.slug,
        "lang": "en",
        "q": "zébrure",
        "published_after": "2024-01-01T00:00:00Z",
        "published_before": "2021-01-01T00:00:00Z",
        "updated_since": f"{datetime.now(UTC).year + 1}-01-01T00:00:00Z",
        "status": "draft",
        "deleted": "true",
    }
    assert name in values, f"give the new filter `{name}` a value that narrows the list"
    response = client.get(f"/v1/articles?per_page=100&{name}={values[name]}", headers=editor)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["meta"]["total"] == len(body["data"]) < _public(session)


@contextmanager
def _migrated_to(fresh_database, name: str, revision: str):
    """A fresh database `name` at `revision`, in an app context; the block writes rows, then
    `upgrade()` takes it to head. Yields that function."""
    app = create_app({"DATABASE_URL": fresh_database.url(name), "TESTING": True})
    with app.app_context():
        config = alembic_config(app)
        command.upgrade(config, revision)
        db.session.info[summaries.WRITES_SUMMARIES] = False  # no summaries before 0013
        yield lambda: command.upgrade(config, "head")
    db.engine(app).dispose()


def test_the_tally_counts_what_was_there_when_migrated(fresh_database):
    """Migrating up to it counts the articles already there."""
    published = datetime(2024, 5, 21, 8, tzinfo=UTC)
    with _migrated_to(fresh_database, "tally_fill", "0008") as upgrade:
        for n, (status, deleted_at) in enumerate(
            [("published", None), ("scheduled", None), ("draft", None), ("published", published)]
        ):
            db.session.add(
                Article(
                    slug=f"avant-{n}",
                    title="Avant",
                    status=status,
                    published_at=published,
                    deleted_at=deleted_at,
                )
            )
        db.session.commit()
        upgrade()
        assert db.session.scalar(select(ArticleTally.listed)) == 2


def test_the_tag_tally_counts_what_was_there_when_migrated(fresh_database):
    """Migrating up to it counts each tag's listed articles already there, and gives a tag of
    none its row."""
    published = datetime(2024, 5, 21, 8, tzinfo=UTC)
    with _migrated_to(fresh_database, "tag_tally_fill", "0009") as upgrade:
        tags = [Tag(slug=f"t{n}", name=f"T{n}", sort_name=f"t{n}") for n in range(3)]
        db.session.add_all(tags)
        for n, status in enumerate(["published", "scheduled", "draft", "published"]):
            article = Article(
                slug=f"avant-{n}", title="Avant", status=status, published_at=published
            )
            db.session.add(article)
            db.session.flush()
            for tag in tags[: 2 if n < 3 else 1]:
                db.session.add(ArticleTag(article_id=article.id, tag_id=tag.id, position=0))
        db.session.commit()
        upgrade()
        tallies = dict(db.session.execute(select(Tag.slug, TagTally.listed).join(TagTally)).all())
        assert tallies == {"t0": 3, "t1": 2, "t2": 0}


def test_links_hold_their_articles_place_when_migrated(fresh_database):
    """Migrating up to it fills every link's `listed_at` from its article."""
    published = datetime(2024, 5, 21, 8, tzinfo=UTC)
    with _migrated_to(fresh_database, "link_order_fill", "0011") as upgrade:
        session = db.session
        tag = Tag(slug="t", name="T", sort_name="t")
        author = Author(slug="a", name="A", sort_name="a")
        session.add_all([tag, author])
        states = [("published", None), ("scheduled", None), ("draft", None), ("published", 1)]
        for n, (status, deleted) in enumerate(states):
            article = Article(
                slug=f"avant-{n}",
                title="Avant",
                status=status,
                published_at=published + timedelta(days=n),
                deleted_at=published if deleted else None,
            )
            session.add(article)
            session.flush()
            session.execute(  # the links as they were: no `listed_at` yet
                text("INSERT INTO article_tags (article_id, tag_id, position) VALUES (:a, :t, 0)"),
                {"a": _key(session, article.id), "t": _key(session, tag.id)},
            )
            session.execute(
                text(
                    "INSERT INTO article_authors (article_id, author_id, position) "
                    "VALUES (:a, :t, 0)"
                ),
                {"a": _key(session, article.id), "t": _key(session, author.id)},
            )
        session.commit()
        upgrade()
        _check_links(session)
        listed = session.scalars(
            select(ArticleTag.listed_at).where(ArticleTag.listed_at.is_not(None))
        ).all()
        assert sorted(listed) == [published, published + timedelta(days=1)]


def _key(session, value):
    return value.hex if session.get_bind().dialect.name == "sqlite" else value


@pytest.mark.parametrize("sort", ["", "&sort=title"], ids=["newest first", "by title"])
@pytest.mark.parametrize("name", ["tag", "author"])
def test_a_linked_filters_pages_list_what_one_long_page_lists(
    name, sort, client, session, count_statements, make_article, make_tag, make_author
):
    """A tag's or an author's pages list exactly what one long page lists, in the same order:
    newest first read from its links in order (one statement per page), another order by
    choosing the page's ids in a subquery before reading their rows."""
    tag, author = make_tag(), make_author()
    for day in range(7):
        make_article(
            tags=[tag.slug],
            authors=[author.slug],
            title="Même titre",
            published_at=datetime(2024, 5, 1 + day % 3, tzinfo=UTC),  # ties broken by id
        )
    make_article()  # neither
    make_article(  # not yet due
        tags=[tag.slug],
        authors=[author.slug],
        status="scheduled",
        published_at=datetime.now(UTC) + timedelta(hours=1),
    )
    slug = tag.slug if name == "tag" else author.slug
    query = f"/v1/articles?fields=id&{name}={slug}{sort}"
    whole = [a["id"] for a in client.get(f"{query}&per_page=100").get_json()["data"]]
    assert len(whole) == 7
    if not sort:
        assert whole == _newest_first(session, tag.slug)
    count_statements.statements.clear()
    paged = []
    for page in (1, 2, 3, 4):
        body = client.get(f"{query}&per_page=3&page={page}").get_json()
        assert body["meta"]["total"] == 7
        paged += [a["id"] for a in body["data"]]
    assert paged == whole
    # Each page with its count (the last, empty, counted alone)
    pages = [s for s in count_statements.statements if "LIMIT" in s]
    assert len(pages) == 4, pages
    for statement in pages:
        in_link_order = f"ORDER BY article_{name}s.listed_at DESC" in statement
        keys_first = "IN (SELECT articles.id" in statement.replace("\n", " ")
        assert (in_link_order, keys_first) == ((True, False) if not sort else (False, True))


@pytest.mark.parametrize("sort", ["title", "-title", "published_at"])
def test_a_tags_pages_keep_the_order_asked(client, make_article, make_tag, sort):
    """Read keys first, a tag's pages follow the `sort` asked, whichever came before."""
    tag = make_tag()
    for n, title in enumerate(["Bêta", "Alpha", "Delta", "Gamma", "Epsilon"]):
        make_article(
            tags=[tag.slug], title=title, published_at=datetime(2024, 5, 1 + n, tzinfo=UTC)
        )
    client.get(f"/v1/articles?tag={tag.slug}")  # the default order first
    paged = []
    for page in (1, 2, 3):
        query = f"/v1/articles?tag={tag.slug}&sort={sort}&per_page=2&page={page}&fields=title"
        paged += [a["title"] for a in client.get(query).get_json()["data"]]
    expected = {
        "title": ["Alpha", "Bêta", "Delta", "Epsilon", "Gamma"],
        "-title": ["Gamma", "Epsilon", "Delta", "Bêta", "Alpha"],
        "published_at": ["Bêta", "Alpha", "Delta", "Gamma", "Epsilon"],
    }
    assert paged == expected[sort]
