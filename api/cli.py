"""Flask commands: `db` (Alembic migrations) and `seed`."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from api.db import db
from api.services.seeding import SeedError, database_is_empty, load_seeds

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(app: Flask | None = None) -> Config:
    """Alembic's configuration, pointed at the app's database; no alembic.ini needed."""
    app = app or current_app
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return config


db_cli = AppGroup("db", help="Database migrations (Alembic).")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    command.upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (`base` empties it)."""
    command.downgrade(alembic_config(), revision)


@db_cli.command("current")
def current() -> None:
    """Show the database's revision."""
    command.current(alembic_config(), verbose=True)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def revision(message: str, autogenerate: bool) -> None:
    """Write a new migration, compared against the models by default."""
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@click.command("seed")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds articles.")
def seed(if_empty: bool) -> None:
    """Load seeds/ into the database (upsert by slug: safe to run again)."""
    session = db.session
    if if_empty and not database_is_empty(session):
        click.echo("The database holds articles already: nothing seeded.")
        return
    try:
        report = load_seeds(session, Path(current_app.config["SEEDS_DIR"]))
    except SeedError as error:
        session.rollback()
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"Seeded {report.articles} articles, {report.tags} tags, {report.authors} authors.")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed)
