"""Backups of the database and their restoration: SQLite's online backup, pg_dump/pg_restore.

- SQLite: `sqlite3`'s online backup API copies the live database page by page, consistent
  even while the app writes; the copy is one self-contained file (rollback journal, no WAL).
  Restoring copies it back the same way, under the database's write lock.
- PostgreSQL: `pg_dump --format=custom` of the database (only its schema when the URL's
  `options` set a `search_path`), restored with `pg_restore --clean --if-exists` in a single
  transaction: all of it, or nothing. The client tools must be as new as the server.

A backup restores only into a database of its own kind.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
EXTENSIONS = {"sqlite": ".sqlite3", "postgresql": ".dump"}
_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([^\s,]+)")


class BackupError(Exception):
    """A backup or restore that cannot be done, with what to do about it."""


def backend_of(url: str | URL) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in EXTENSIONS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def kind_of_file(path: Path) -> str | None:
    """`sqlite` or `postgresql`, by the file's first bytes; None for anything else."""
    with open(path, "rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def default_path(directory: str | Path, url: str | URL) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(directory) / f"newsdesk-{stamp}{EXTENSIONS[backend_of(url)]}"


def backup(url: str | URL, path: Path) -> Path:
    """Write a backup of the database at `url` to `path`; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if backend_of(url) == "sqlite":
        _sqlite_backup(_sqlite_file(url), path)
    else:
        _pg_dump(make_url(url), path)
    return path


def restore(url: str | URL, path: Path) -> None:
    """Replace the database at `url` with the backup at `path`."""
    backend, kind = backend_of(url), kind_of_file(path)
    if kind is None:
        raise BackupError(
            f"{path} is not a Newsdesk backup: neither a SQLite database nor a pg_dump "
            "custom-format archive."
        )
    if kind != backend:
        raise BackupError(
            f"{path} is a {_NAMES[kind]} backup and the database is {_NAMES[backend]}: a "
            f"backup restores only into a database of its own kind."
        )
    if backend == "sqlite":
        _sqlite_restore(path, _sqlite_file(url))
    else:
        _pg_restore(make_url(url), path)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- SQLite


def _sqlite_file(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up.")
    return Path(database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise BackupError(f"No SQLite database at {path}.")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _sqlite_backup(source_path: Path, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    source = _open_read_only(source_path)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # the online backup API: consistent while others write
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check_integrity(target, partial)
    finally:
        target.close()
        source.close()
    os.replace(partial, path)


def _sqlite_restore(path: Path, database: Path) -> None:
    source = _open_read_only(path)
    try:
        _check_integrity(source, path)
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result}")


# --- PostgreSQL


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools (as new as the server)."
        )
    return found


def _libpq(url: URL) -> tuple[str, dict, list[str]]:
    """The libpq URI (no password), the environment carrying the password, and the schemas
    a `search_path` in the URL's options confines the app to."""
    options = url.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    schemas = _SEARCH_PATH.findall(options)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env, schemas


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _pg_dump(url: URL, path: Path) -> None:
    uri, env, schemas = _libpq(url)
    partial = path.with_name(path.name + ".partial")
    command = [_pg_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={uri}"]
    command += [f"--schema={schema}" for schema in schemas]
    try:
        _run(command, env)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def _pg_restore(url: URL, path: Path) -> None:
    uri, env, _schemas = _libpq(url)
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # implies --exit-on-error: all or nothing
            f"--dbname={uri}",
            str(path),
        ],
        env,
    )
