"""A change of access proposed for many dossiers at once, when the agency's rules change (PL6 IV.1.d).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("access_changes", sa.Column("rule", sa.String(length=40), nullable=True))
    op.create_index("ix_access_changes_rule", "access_changes", ["rule"])


def downgrade() -> None:
    op.drop_index("ix_access_changes_rule", table_name="access_changes")
    op.drop_column("access_changes", "rule")
