"""Site settings: the one row of the site's name, language, logo and texts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("about_heading", sa.String(length=300), nullable=True),
        sa.Column("logo_url", sa.String(length=2048), nullable=True),
        sa.Column("newsletter_heading", sa.String(length=300), nullable=True),
        sa.Column("newsletter_text", sa.String(length=2000), nullable=True),
        sa.Column("newsletter_privacy", sa.String(length=1000), nullable=True),
        sa.Column("share_label", sa.String(length=100), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_site_settings_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_settings")),
    )


def downgrade() -> None:
    op.drop_table("site_settings")
