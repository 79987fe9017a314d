"""Flask commands: `db` (Alembic migrations), `seed`, `import`, `keys`, `webhooks` (the
worker), `newsletter` (the daily digest), `backup`/`restore` and `idempotency purge`."""

import logging
import os
import signal
import threading
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from api import backups, idempotency
from api.db import db
from api.models import ROLES, ApiKey
from api.services import digests, queries, summaries
from api.services.importing import BATCH_SIZE, ImportFileError, import_file
from api.services.keys import create_key, revoke_key
from api.services.mailer import send_due_mails
from api.services.seeding import SeedError, database_is_empty, load_seeds
from api.services.webhooks import DeliverySettings
from api.worker import Worker

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
    """Migrate the database up to REVISION (default: head); at head, write the articles'
    list summaries a migration or a write by hand left stale."""
    command.upgrade(alembic_config(), revision)
    if revision == "head":
        written = summaries.fill_all(db.session)
        if written:
            click.echo(f"Wrote {written} article summaries.")


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


webhooks_cli = AppGroup("webhooks", help="Webhooks: the delivery worker.")


@webhooks_cli.command("work")
@click.option("--once", is_flag=True, help="Run one pass and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=2.0,
    show_default=True,
    help="Seconds between passes.",
)
def work_command(once: bool, interval: float) -> None:
    """Announce scheduled articles and deliver due webhooks, every INTERVAL seconds.

    SIGTERM or Ctrl-C stops it once the delivery in flight is done (a second Ctrl-C at once).
    Several workers may run at once: each delivery is claimed by one of them.
    """
    app = current_app._get_current_object()
    try:
        DeliverySettings.from_config(app.config)
    except ValueError as error:  # a bad WEBHOOK_ALLOWED_NETWORKS: say so now, not every tick
        raise click.ClickException(str(error)) from error
    app.logger.setLevel(min(app.logger.getEffectiveLevel(), logging.INFO))
    worker = Worker(app, interval)

    def stop(signum, _frame) -> None:
        if worker.stopping and signum == signal.SIGINT:
            raise KeyboardInterrupt
        click.echo("Stopping after the delivery in flight…", err=True)
        worker.stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo(f"Worker started (every {interval:g} s).", err=True)
        # The loop runs in a thread of its own, and this one only waits for it: a signal's
        # handler runs in this thread, between two of its steps, and `worker.stop()` takes the
        # lock of the event the loop waits on; had the loop run here, a signal landing while
        # it held that lock (an instant in each wait) would wait for it forever (seen: a
        # worker deaf to SIGTERM). A second Ctrl-C leaves the thread (a daemon) behind.
        failed: list[BaseException] = []

        def run() -> None:
            try:
                worker.run(once=once)
            except BaseException as error:  # raised here, as if the loop had run here
                failed.append(error)

        loop = threading.Thread(target=run, name="worker", daemon=True)
        loop.start()
        loop.join()
        if failed:
            raise failed[0]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Worker stopped.", err=True)


newsletter_cli = AppGroup("newsletter", help="The newsletter: the daily digest.")


@newsletter_cli.command("digest")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day (YYYY-MM-DD) in the site's time zone; today by default.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=100,
    show_default=True,
    help="Subscribers queued (and recorded as served) per transaction.",
)
def digest_command(day, batch_size: int) -> None:
    """Build the day's digest and send it to every confirmed subscriber.

    The digest lists the public articles published that day (SITE_TIMEZONE), each with its
    link and excerpt; it is built once and reused by later runs. Subscribers are served in
    batches, each recorded with its queued mails in one transaction, then sent: a run
    stopped midway, run again, serves only those left, and nobody gets it twice. Without
    SMTP_URL the mails stay queued for the worker.
    """
    session = db.session
    day = day.date() if day else digests.site_today()
    digest = digests.build_digest(session, day)
    session.commit()
    if digest is None:
        click.echo(f"No article was published on {day.isoformat()}: no digest.")
        return
    left = digests.recipients_left(session, digest)
    click.echo(
        f"Digest of {day.isoformat()}: {len(digest.article_ids)} article(s), "
        f"{left} subscriber(s) to serve."
    )
    queued = sent = 0
    # Mails an interrupted run queued but did not send go first
    sent += send_due_mails(
        session, only=list(session.scalars(queries.pending_digest_mails(digest.id)))
    )
    with click.progressbar(length=left, label="Sending the digest") as bar:
        while True:
            mail_ids = digests.queue_digest_batch(session, digest, batch_size)
            session.commit()
            if not mail_ids:
                break
            queued += len(mail_ids)
            sent += send_due_mails(session, only=mail_ids, limit=len(mail_ids))
            bar.update(len(mail_ids))
    click.echo(f"Queued {queued} mail(s); {sent} sent now, the others left to the worker.")


@click.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 5000), default=BATCH_SIZE, show_default=True)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="one per CPU",
    help="Processes validating and rendering articles.",
)
def import_command(path: Path, batch_size: int, jobs: int) -> None:
    """Import tags, authors and articles from a JSON Lines file (see api/services/importing.py).

    Upserts by slug: running it again changes nothing, and a run cut short continues where it
    stopped (each batch commits)."""
    session = db.session
    with click.progressbar(length=path.stat().st_size, label=f"Importing {path.name}") as bar:
        try:
            report = import_file(
                session, path, batch_size=batch_size, jobs=jobs, progress=bar.update
            )
        except ImportFileError as error:
            session.rollback()
            raise click.ClickException(str(error)) from error
    click.echo(
        f"Articles: {report.created} created, {report.updated} updated, {report.unchanged} "
        f"unchanged; {report.tags} tags and {report.authors} authors upserted."
    )


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path | None) -> None:
    """Back the database up to PATH (default: BACKUP_DIR/newsdesk-<UTC time>.sqlite3|.dump).

    SQLite: an online copy, consistent while the app runs. PostgreSQL: pg_dump's custom
    format. Restore it with `flask --app api restore PATH`.
    """
    url = current_app.config["DATABASE_URL"]
    try:
        path = path or backups.default_path(current_app.config["BACKUP_DIR"], url)
        backups.backup(url, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the database to {path} ({path.stat().st_size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database with the backup at PATH (made by `flask backup`).

    Only into a database of the backup's kind. Writes made since the backup are lost: stop
    the app's writers first.
    """
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(f"Replace every row of {_database_name(url)} with {path}?", abort=True)
    db.engine().dispose()  # no pooled connection of this process in the way
    try:
        backups.restore(url, path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored the database from {path}.")


def _database_name(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


idempotency_cli = AppGroup("idempotency", help="Idempotency keys of retried POSTs.")


@idempotency_cli.command("purge")
def purge_idempotency_command() -> None:
    """Delete the idempotency keys whose time is up (IDEMPOTENCY_TTL); run it daily."""
    deleted = idempotency.purge_expired(db.session)
    db.session.commit()
    click.echo(f"Deleted {deleted} expired idempotency key{'s' if deleted != 1 else ''}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(seed)
    app.cli.add_command(import_command)
    app.cli.add_command(keys_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(idempotency_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(newsletter_cli)
