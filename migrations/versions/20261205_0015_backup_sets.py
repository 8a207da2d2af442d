"""Backup sets the database remembers: destruction records name the sets still holding destroyed content.

Why: the destruction record printed the name of a setting (ERMS_BACKUP_SETS) where the backup sets should be;
backups now exist (erms backup) and are recorded here when whole (issue 20).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_sets")),
        sa.UniqueConstraint("target", "name", name=op.f("uq_backup_sets_target_name")),
    )


def downgrade() -> None:
    op.drop_table("backup_sets")
