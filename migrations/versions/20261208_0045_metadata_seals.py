"""The seal of each closed dossier's metadata (PL6 III.7.đ): what it was when the dossier left OPEN.

Why: a change made in the database itself, outside ERMS, left no trace; the seal lets the worker and the archive's
acceptance find it. Dossiers closed before this revision are sealed by the worker's first check.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-08 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metadata_seals",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_metadata_seals_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_metadata_seals")),
    )
    op.create_index(op.f("ix_metadata_seals_checked_at"), "metadata_seals", ["checked_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_metadata_seals_checked_at"), table_name="metadata_seals")
    op.drop_table("metadata_seals")
