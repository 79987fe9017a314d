"""Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL alike."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from api import create_app
from api.cli import alembic_config
from api.db import Base, db, managed_by_autogenerate


def _diff(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": managed_by_autogenerate}
        )
        return compare_metadata(context, Base.metadata)


def test_upgrade_from_empty_yields_the_models_schema(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_up")})
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
    engine = db.engine(app)
    assert _diff(engine) == []
    engine.dispose()


def test_downgrade_to_base_removes_every_table(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_down")})
    with app.app_context():
        command.upgrade(alembic_config(app), "head")
        command.downgrade(alembic_config(app), "base")
    engine = db.engine(app)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


@pytest.mark.no_transaction  # the command must find no app context pushed
def test_db_upgrade_command_migrates(fresh_database):
    app = create_app({"DATABASE_URL": fresh_database.url("migrations_cli")})
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    engine = db.engine(app)
    try:
        assert result.exit_code == 0, result.output
        assert "articles" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
