"""When a user first saw each notice.

Why: the number in the page header counted every notice a user ever got, so it never went down;
it now counts the ones not seen yet, and the notices page marks what it shows as seen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("read_at")
