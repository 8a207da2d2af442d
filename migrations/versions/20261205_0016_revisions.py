"""Revisions on dossiers and documents: a save over someone else's change is refused (NĐ 30 PL6 IV.2).

Why: two people editing the same dossier or document were not told about each other; the last save won.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("dossiers", "documents"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in ("dossiers", "documents"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
