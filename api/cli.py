"""Flask commands: `db` (Alembic migrations) and `seed`."""

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from api.db import db
from api.models import ROLES, ApiKey
from api.services import queries
from api.services.keys import create_key, revoke_key
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


keys_cli = AppGroup("keys", help="API keys: create, list, revoke.")


@keys_cli.command("create")
@click.option("--name", required=True, help="Who or what the key is for.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--author", "author_slug", help="For author keys: the author profile (slug).")
def create_key_command(name: str, role: str, author_slug: str | None) -> None:
    """Create a key and print its secret (shown this once)."""
    session = db.session
    author_id = None
    if author_slug:
        author = session.scalar(queries.author_by_slug(author_slug))
        if author is None:
            raise click.ClickException(f"No author has the slug {author_slug!r}.")
        author_id = author.id
    key, secret = create_key(session, name=name, role=role, author_id=author_id)
    session.commit()
    click.echo(f"Created {role} key {key.id} ({name}). Its secret, shown this once:")
    click.echo(secret)


@keys_cli.command("list")
def list_keys_command() -> None:
    """List keys (never their secrets)."""
    for key in db.session.scalars(queries.list_keys()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.id}  {key.prefix}…  {key.role:<8} {state:<18} {key.name}")


@keys_cli.command("revoke")
@click.argument("key_id", type=click.UUID)
def revoke_key_command(key_id) -> None:
    """Revoke a key: it stops working at once."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise click.ClickException("No key has this id.")
    revoke_key(key)
    db.session.commit()
    click.echo(f"Revoked {key.id}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed)
    app.cli.add_command(keys_cli)
