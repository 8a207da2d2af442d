"""Revisions on dossier list entries and register lines, as on dossiers and documents (NĐ 30 PL6 IV.2).

Why: an entry's assignment made from a page showing an older one overwrote the newer; two people changing a register
line at once were not told.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("dossier_list_entries", "register_entries"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in ("dossier_list_entries", "register_entries"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
