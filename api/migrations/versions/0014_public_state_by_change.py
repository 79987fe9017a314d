"""Storage: a public state names the change that told the public, without a copy of it.

`public_states.representation` held the resource as the public was last told about it: the
`current` of the change its `change_id` names, always (both were written from one value, and
a change's content is only erased with its resource's state). At 100,000 articles the copy
was 1.8 GB of a 6.9 GB SQLite database, and written again by every import and publication.
`api.services.changes` now reads it from the change.

Downgrade: the column again, filled from the changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 05:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("public_states") as batch_op:
        batch_op.drop_column("representation")


def downgrade() -> None:
    with op.batch_alter_table("public_states") as batch_op:
        batch_op.add_column(sa.Column("representation", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE public_states SET representation = "
        "(SELECT current FROM changes WHERE changes.id = public_states.change_id)"
    )
    with op.batch_alter_table("public_states") as batch_op:
        batch_op.alter_column("representation", existing_type=sa.JSON(), nullable=False)
