"""Backups: a restore drill (back up, change, restore: every row as it was), on both databases."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from api.db import build_engine
from tests.conftest import on_postgresql
from tests.reliability.conftest import key_header


def checksums(url: str) -> dict[str, tuple[int, str]]:
    """Every table: its row count and a digest of all its rows (in a stable order)."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            result = {}
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
                digest = hashlib.sha256()
                for line in sorted(repr(tuple(row)) for row in rows):
                    digest.update(line.encode("utf-8") + b"\n")
                result[table] = (len(rows), digest.hexdigest())
            return result
    finally:
        engine.dispose()


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A PostgreSQL database of its own, dropped at the end (a restore replaces a whole one)."""
    server_url = make_url(os.environ["NEWSDESK_TEST_DATABASE_URL"])
    name = f"newsdesk_drill_{uuid.uuid4().hex[:8]}"
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def seed_content(client, editor: dict) -> dict:
    """Articles with revisions and changes, tags, authors, keys, idempotency records."""
    tag = client.post("/v1/tags", json={"name": "Sauvegarde"}, headers=editor).get_json()
    author = client.post("/v1/authors", json={"name": "Archiviste"}, headers=editor).get_json()
    ids = []
    for number in range(3):
        created = client.post(
            "/v1/articles",
            json={
                "title": f"Article à sauvegarder {number}",
                "body": "Du **Markdown** accentué : é, è, ç.",
                "tags": [tag["data"]["slug"]],
                "authors": [author["data"]["slug"]],
            },
            headers={**editor, "Idempotency-Key": f"drill-{number}"},
        )
        assert created.status_code == 201, created.get_data(as_text=True)
        article_id = created.get_json()["data"]["id"]
        client.post(f"/v1/articles/{article_id}/publish", headers=editor)
        ids.append(article_id)
    return {"articles": ids}


@pytest.mark.parametrize("variant", ["sqlite", "postgresql database", "postgresql schema"])
def test_a_restore_brings_back_every_row_of_the_backup(
    variant, migrated_app, tmp_path, fresh_database, request
):
    if variant.startswith("postgresql") and not on_postgresql():
        pytest.skip("PostgreSQL-only: set NEWSDESK_TEST_DATABASE_URL to run it")
    if variant == "sqlite":
        url = f"sqlite:///{tmp_path / 'drill.sqlite3'}"
    elif variant == "postgresql database":
        url = request.getfixturevalue("scratch_database")
    else:
        url = fresh_database.url("drill")
    app = migrated_app(url)
    client, runner = app.test_client(), app.test_cli_runner()
    admin = key_header(app, "admin")
    content = seed_content(client, admin)
    snapshot = checksums(url)
    assert snapshot["articles"][0] == 3

    backup = tmp_path / "backups" / "drill.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.is_file() and f"Backed up the database to {backup}" in result.output

    # Life goes on: content added, changed and deleted
    client.post("/v1/tags", json={"name": "Après la sauvegarde"}, headers=admin)
    first = f"/v1/articles/{content['articles'][0]}"
    client.post(f"{first}/unpublish", headers=admin)
    etag = client.get(first, headers=admin).headers["ETag"]
    assert client.delete(first, headers={**admin, "If-Match": etag}).status_code == 204
    assert client.post(f"{first}/purge", headers=admin).status_code == 204
    assert checksums(url) != snapshot

    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert checksums(url) == snapshot

    # The restored database serves and takes writes (sequences came back too)
    assert client.get(first).status_code == 200
    assert client.post("/v1/tags", json={"name": "Après"}, headers=admin).status_code == 201


def test_backup_without_a_path_writes_into_the_backup_directory(migrated_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'default.sqlite3'}"
    app = migrated_app(url, BACKUP_DIR=str(tmp_path / "kept"))
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "kept").iterdir()
    assert written.name.startswith("newsdesk-") and written.suffix == ".sqlite3"
    with sqlite3.connect(written) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()


def _sqlite_file(path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE anything (id INTEGER)")


@pytest.mark.parametrize(
    ("database", "backup_head", "message"),
    [
        ("sqlite", b"PGDMP\x01\x0e\x00", "is a PostgreSQL backup and the database is SQLite"),
        ("postgresql", None, "is a SQLite backup and the database is PostgreSQL"),
        ("sqlite", b"not a backup at all", "is not a Newsdesk backup"),
    ],
)
def test_restore_refuses_a_backup_of_another_kind(
    make_app, tmp_path, database, backup_head, message
):
    backup = tmp_path / "backup.file"
    if backup_head is None:
        _sqlite_file(backup)
    else:
        backup.write_bytes(backup_head)
    if database == "sqlite":
        target = tmp_path / "target.sqlite3"
        _sqlite_file(target)
        url = f"sqlite:///{target}"
    else:
        url = "postgresql://postgres@127.0.0.1:9/never-connected"
    before = target.read_bytes() if database == "sqlite" else None
    result = make_app(url).test_cli_runner().invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code != 0
    assert message in result.output
    if before is not None:
        assert target.read_bytes() == before


def test_restore_asks_before_replacing_the_database(make_app, tmp_path):
    backup, target = tmp_path / "backup.sqlite3", tmp_path / "target.sqlite3"
    _sqlite_file(backup)
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE precious (id INTEGER)")
    runner = make_app(f"sqlite:///{target}").test_cli_runner()
    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("precious",)]
