"""Log-ins being checked (``log_in_claims``): the failed log-in lock counts them, so guesses sent all at once are
checked no more often than five a quarter hour.

Why a table: the password's hash is checked between two short transactions, and the failures the lock counts were
recorded only after it; twenty guesses sent together were all checked before the first failure was written.

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-12 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_in_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_in_claims")),
    )
    with op.batch_alter_table("log_in_claims") as batch:
        batch.create_index(batch.f("ix_log_in_claims_username"), ["username"], unique=False)


def downgrade() -> None:
    op.drop_table("log_in_claims")
