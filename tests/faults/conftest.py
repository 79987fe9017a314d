"""The fault suite's machinery: a private PostgreSQL cluster, private Redis servers, the app
under real gunicorn, and the figures each scenario prints.

Heavy (about two minutes): it runs only with NEWSDESK_FAULTS=1 (`.ci/run` sets it), and is
skipped with a reason when PostgreSQL's server binaries or redis-server are missing.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests
from psycopg import sql

from api.db import db
from tests.conftest import SEED_SLUG, make_seeded_app
from tests.reliability.conftest import app_config, key_header
from tests.reliability.test_server import GUNICORN, REPO, free_port

HERE = Path(__file__).parent
ENABLED = os.environ.get("NEWSDESK_FAULTS") == "1"
NOT_ASKED = "the fault suite is heavy (gunicorn under load, PostgreSQL, Redis): NEWSDESK_FAULTS=1"
READ_PATHS = (
    "/v1/articles",
    "/v1/articles?per_page=5&page=1",
    f"/v1/articles/slug/{SEED_SLUG}",
    "/v1/articles?q=s%C3%A9oul",
)


def pytest_collection_modifyitems(config, items):
    """Every fault test is marked `faults`, manages its own databases (no rollback fixture),
    and is skipped unless NEWSDESK_FAULTS=1."""
    skip = pytest.mark.skip(reason=NOT_ASKED)
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.faults)
            item.add_marker(pytest.mark.no_transaction)
            if not ENABLED:
                item.add_marker(skip)


# --- PostgreSQL: a private cluster, stopped and started at will


def _postgresql_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster of this test run only (the machine's shared one is never touched)."""

    bin: Path
    root: Path
    port: int
    as_owner: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self.pg_ctl("-w", "-t", "30", "-l", str(self.root / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-w", "-t", "30", "-m", mode, "stop")

    def ensure_running(self) -> None:
        """Start it again if a test stopped it and failed before starting it."""
        if self.pg_ctl("status", check=False).returncode != 0:
            self.start()

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def clone(self, template: str, name: str) -> str:
        """A new database copied from `template`; its URL."""
        with self.admin() as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return self.url(name)


@pytest.fixture(scope="session")
def cluster() -> Iterator[PrivateCluster]:
    if not ENABLED:
        pytest.skip(NOT_ASKED)
    bindir = _postgresql_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    as_owner: list[str] = []
    owner = None
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to `postgres`
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` user to own a private cluster")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without `runuser` to start PostgreSQL as `postgres`")
        as_owner = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="newsdesk-faults-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    private = PrivateCluster(bindir, root, free_port(), as_owner)
    try:
        subprocess.run(
            [*as_owner, str(bindir / "initdb"), "-D", str(private.data), "-U", "postgres"]
            + ["--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        private.start()
        yield private
    finally:
        private.pg_ctl("-w", "-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class Seeded:
    """A migrated, seeded template database and the keys valid in every copy of it."""

    template: str
    editor: dict
    partners: tuple[dict, ...]


@pytest.fixture(scope="session")
def seeded_template(cluster) -> Seeded:
    name = "newsdesk_template"
    with cluster.admin() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = cluster.url(name)
    app = make_seeded_app(url, **app_config(url))
    try:
        editor = key_header(app, "editor")
        partners = tuple(key_header(app, "partner") for _ in range(4))
    finally:
        db.engine(app).dispose()
    return Seeded(name, editor, partners)


@pytest.fixture
def database(cluster, seeded_template) -> str:
    """A fresh copy of the seeded database for this test: its URL."""
    cluster.ensure_running()
    return cluster.clone(seeded_template.template, f"faults_{uuid.uuid4().hex[:10]}")


# --- gunicorn


def _children(pid: int) -> list[int]:
    """The live child processes of `pid` (zombies, killed and not yet reaped, left out)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                state, parent = (
                    Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[:2]
                )
                if int(parent) == pid and state not in ("Z", "X"):
                    found.append(int(entry))
    return found


@dataclass
class Server:
    """The app under gunicorn (gunicorn.conf.py), in a process group of its own."""

    process: subprocess.Popen
    base_url: str
    log: Path

    def workers(self) -> list[int]:
        return _children(self.process.pid)

    def wait_for_workers(self, count: int, without=(), seconds: float = 30) -> list[int]:
        """The workers, once there are `count` of them and none of `without`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log_tail()}"
            workers = self.workers()
            if len(workers) == count and not set(without) & set(workers):
                return workers
            time.sleep(0.05)
        raise AssertionError(f"gunicorn has workers {self.workers()}, not {count} new ones")

    def wait_until_serving(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log_tail()}"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.base_url}/ready", timeout=5).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not serve within {seconds} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def tracebacks(self) -> list[str]:
        """The tracebacks the workers logged, each with the line before it and its whole chain
        of causes (up to the next log line, which begins with a `[` timestamp)."""
        lines = self.log.read_text(errors="replace").splitlines()
        found = []
        number = 0
        while number < len(lines):
            if lines[number].startswith("Traceback"):
                end = number + 1
                while end < len(lines) and not lines[end].startswith("["):
                    end += 1
                found.append("\n".join(lines[max(0, number - 1) : end]).rstrip())
                number = end
            else:
                number += 1
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError):  # workers a SIGKILLed master left
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)


@pytest.fixture
def serve(tmp_path) -> Iterator:
    """`serve(database_url, **settings)`: the app under gunicorn, 2 workers of 4 threads,
    with these NEWSDESK_* settings; stopped at the end of the test, whatever happens."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in this venv")
    servers: list[Server] = []

    def start(database_url: str, **settings) -> Server:
        port = free_port()
        environ = {
            **os.environ,
            "NEWSDESK_DATABASE_URL": database_url,
            "NEWSDESK_SECRET_KEY": "faults",
            "NEWSDESK_BIND": f"127.0.0.1:{port}",
            "NEWSDESK_WORKERS": "2",
            "NEWSDESK_THREADS": "4",
            "NEWSDESK_GRACEFUL_TIMEOUT": "10",
            # one client address makes every anonymous request: quotas out of the way unless
            # a scenario sets its own
            "NEWSDESK_RATELIMIT_ANONYMOUS": "100000 per minute",
            "NEWSDESK_RATELIMIT_STAFF": "100000 per minute",
            **{f"NEWSDESK_{name}": str(value) for name, value in settings.items()},
        }
        log = tmp_path / f"gunicorn-{port}.log"
        with open(log, "w") as output:
            process = subprocess.Popen(
                [str(GUNICORN)],
                cwd=REPO,
                env=environ,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        servers.append(server)
        server.wait_until_serving()
        server.wait_for_workers(2)
        return server

    yield start
    for server in servers:
        server.stop()
        tracebacks = server.tracebacks()
        if tracebacks:  # shown with the test's output (or with -s): the first one in full
            print(f"gunicorn logged {len(tracebacks)} traceback(s); the first:\n{tracebacks[0]}")
            for traceback in tracebacks[1:]:
                lines = traceback.splitlines()
                print(f"and: {lines[0]} … {lines[-1]}")


# --- Redis


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server on a free port, killed at the end of the test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(process, port)
    try:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield server
    finally:
        if process.poll() is None:  # a test may have stopped it (SIGSTOP) and not resumed it
            process.send_signal(signal.SIGCONT)
        server.stop()


# --- figures


@pytest.fixture
def report(capsys, request):
    """`report(**figures)`: print the scenario's figures (even without -s) and append them to
    NEWSDESK_FAULTS_REPORT (JSON lines, or a Markdown list when the path ends in .md)."""

    def write(**figures) -> None:
        name = request.node.name
        line = json.dumps({"scenario": name, **figures}, ensure_ascii=False)
        with capsys.disabled():
            print(f"\nFAULTS {line}")
        path = os.environ.get("NEWSDESK_FAULTS_REPORT")
        if path:
            with open(path, "a", encoding="utf-8") as output:
                if path.endswith(".md"):
                    shown = ", ".join(f"{key}: {value}" for key, value in figures.items())
                    output.write(f"- **{name}**: {shown}\n")
                else:
                    output.write(line + "\n")

    return write


def stored_articles(url: str, prefix: str) -> dict[str, list[str]]:
    """Titles starting with `prefix` → ids of the articles stored under them."""
    stored: dict[str, list[str]] = {}
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT title, id::text FROM articles WHERE title LIKE %s", (prefix + "%",)
        ).fetchall()
    for title, article_id in rows:
        stored.setdefault(title, []).append(article_id)
    return stored


def lost_and_doubled(url: str, load) -> tuple[int, int]:
    """Acknowledged writes missing from the database, and titles stored more than once."""
    stored = stored_articles(url, load.prefix)
    ids = {article_id for found in stored.values() for article_id in found}
    missing = sum(article_id not in ids for article_id in load.acknowledged)
    duplicates = sum(len(found) - 1 for found in stored.values())
    return missing, duplicates
