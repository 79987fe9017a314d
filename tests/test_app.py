"""The app factory, its configuration and the operational probes."""

from sqlalchemy import event

from api import create_app
from api.config import load_config
from api.db import db
from tests.conftest import assert_problem


def test_environment_overrides_defaults():
    config = load_config(
        environ={
            "NEWSDESK_DATABASE_URL": "sqlite:///x.db",
            "NEWSDESK_MAX_CONTENT_LENGTH": "2048",
            "NEWSDESK_DATABASE_ECHO": "true",
        }
    )
    assert config["DATABASE_URL"] == "sqlite:///x.db"
    assert config["MAX_CONTENT_LENGTH"] == 2048
    assert config["DATABASE_ECHO"] is True


def test_dict_overrides_environment():
    config = load_config(
        {"DATABASE_URL": "sqlite:///y.db"}, environ={"NEWSDESK_DATABASE_URL": "sqlite:///x.db"}
    )
    assert config["DATABASE_URL"] == "sqlite:///y.db"


def test_default_database_is_sqlite_under_instance():
    assert load_config(environ={})["DATABASE_URL"].endswith("/instance/newsdesk.sqlite3")


def test_creating_the_app_touches_no_database(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}"})
    connections = []
    event.listen(db.engine(app), "connect", lambda *args: connections.append(args))
    app.test_client().get("/health")
    assert connections == []
    assert not (tmp_path / "never.sqlite3").exists()


def test_health_answers_ok(client):
    assert client.get("/health").get_json() == {"status": "ok"}


def test_ready_answers_ok_when_the_database_answers(client):
    assert client.get("/ready").get_json() == {"status": "ok"}


def test_ready_is_a_503_with_retry_after_when_the_database_is_unreachable(tmp_path):
    app = create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"})
    response = app.test_client().get("/ready")
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
