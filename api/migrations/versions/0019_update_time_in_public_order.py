"""Performance: what changed since a time, newest first, is read from the publication order's index.

A list of what changed since a time in publication order (`?updated_since=…`, the partner's
"what is new since my last sync" without `sort=updated_at`) walked `ix_articles_public_order`
newest first and read each public article's row for its `updated_at`, until a page was full:
when few or none had changed, every public article's row. At 100,000 articles that took
2.2 s on SQLite (the column sits after the bodies, at the end of a chain of overflow pages;
its count read them all again) and 227 ms on PostgreSQL, whose planner expects the changes
to be public articles when most are drafts being edited or articles scheduled. The index now
ends with `updated_at`: the walk and the count check it from the index alone.

SQLite keeps the index's statistics, with one more column (as migration 0018 did).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28 06:10:00

"""

from collections.abc import Sequence

from api.migrations import public_order

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["published_at", "id", "status", "deleted_at", "language"]


def upgrade() -> None:
    public_order.add_last_column(COLUMNS, "updated_at")


def downgrade() -> None:
    public_order.drop_last_column(COLUMNS)
