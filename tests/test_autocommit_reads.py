"""Anonymous GETs of published content run in autocommit on PostgreSQL (`api.db`): no BEGIN
nor COMMIT round trip; anything else keeps its transaction, and a statement that would write
or lock in autocommit is refused before it runs."""

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select, text

from api.db import AUTOCOMMIT_BLUEPRINTS, WriteWithoutTransaction, db
from api.models import Article, Author, Tag
from api.services.keys import create_key
from tests.conftest import make_seeded_app

pytestmark = [pytest.mark.postgresql, pytest.mark.no_transaction]


@pytest.fixture(scope="module")
def app(fresh_database):
    app = make_seeded_app(fresh_database.url("autocommit"))
    yield app
    db.engine(app).dispose()


@pytest.fixture
def commands(monkeypatch) -> Iterator[list[bytes]]:
    """The transaction commands psycopg sends (BEGIN, COMMIT, ROLLBACK), in order."""
    sent: list[bytes] = []
    exec_command = psycopg.Connection._exec_command

    def spy(self, command, *args, **kwargs):
        sent.append(command)
        return exec_command(self, command, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "_exec_command", spy)
    return sent


def _secret(app, role: str) -> str:
    with app.app_context():
        _key, secret = create_key(db.session, name=f"Clé {role}", role=role)
        db.session.commit()
    return secret


def _paths(app) -> list[str]:
    """Every GET of the blueprints served in autocommit, its parameters taken from the seeds."""
    with app.app_context():
        article = db.session.execute(select(Article.id, Article.slug)).first()
        tag = db.session.execute(select(Tag.id, Tag.slug)).first()
        author = db.session.execute(select(Author.id, Author.slug)).first()
    slugs = {"articles": article.slug, "tags": tag.slug, "authors": author.slug}
    paths = []
    for path, item in app.test_client().get("/openapi.json").get_json()["paths"].items():
        if "get" not in item or not set(item["get"]["tags"]) <= AUTOCOMMIT_BLUEPRINTS:
            continue
        slug = slugs.get(path.split("/")[2], "") if path.startswith("/v1/") else ""
        values = {"article_id": article.id, "tag_id": tag.id, "author_id": author.id}
        paths.append(path.format(**values, slug=slug, number=1, page=1))
    return paths


def test_anonymous_reads_of_content_send_no_begin_nor_commit(app, commands):
    client = app.test_client()
    paths = _paths(app)
    assert len(paths) >= 25
    commands.clear()
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, (path, response.get_data(as_text=True))
    assert [command for command in commands if command.split()[0] in (b"BEGIN", b"COMMIT")] == []


def test_reads_with_a_key_and_reads_of_other_resources_keep_their_transaction(app, commands):
    client = app.test_client()
    secret = _secret(app, "editor")
    commands.clear()
    assert client.get("/v1/articles", headers={"Authorization": f"Bearer {secret}"}).status_code
    assert commands[0].startswith(b"BEGIN")
    commands.clear()
    assert client.get("/v1/changes").status_code == 200
    assert commands[0].startswith(b"BEGIN")


@pytest.mark.parametrize(
    "statement",
    [
        text("UPDATE tags SET name = 'Écrit sans transaction'"),
        select(Tag.id).with_for_update(),
        text("SELECT pg_advisory_xact_lock(1)"),
    ],
    ids=["write", "row lock", "advisory lock"],
)
def test_an_anonymous_read_that_would_write_or_lock_is_refused(app, statement):
    with app.test_request_context("/v1/tags"):
        app.preprocess_request()
        with pytest.raises(WriteWithoutTransaction):
            db.session.execute(statement)
    with app.app_context():
        assert "Écrit sans transaction" not in db.session.scalars(select(Tag.name)).all()
