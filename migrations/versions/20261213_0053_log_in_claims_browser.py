"""A log-in being checked names the trusted browser it came from (``log_in_claims.browser``): a browser the person
has logged in with before has its own count of failures, so a stranger's guesses do not lock the person out of it.

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-13 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("log_in_claims") as batch:
        batch.add_column(sa.Column("browser", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("log_in_claims") as batch:
        batch.drop_column("browser")
