"""The search queue: records waiting for the index, written in the transaction that changed them.

Why: every web process wrote the index itself from a thread after its commits (one writer per
process, and a change lost if the process stopped before writing); now only the worker writes it,
from this queue. Background jobs may be asked for from the command line (no requesting user).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queue")),
    )
    with op.batch_alter_table("background_jobs") as batch:
        batch.alter_column("requested_by_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM background_jobs WHERE requested_by_id IS NULL")
    with op.batch_alter_table("background_jobs") as batch:
        batch.alter_column("requested_by_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("search_queue")
