"""A password someone else chose is replaced at the next log-in.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (not a batch copy): users is referenced by most tables, which a copy would orphan.
    op.add_column(
        "users", sa.Column("password_change_required", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("users", "password_change_required")
