"""A per-user session generation: raising it ends every web session of that user at once.

Why: web sessions are signed cookies; without a server-side value to compare, a cookie kept after
log-out, a password change, a deactivation or a change of role or unit still worked.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default: no table copy on SQLite.
    op.add_column("users", sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_generation")
