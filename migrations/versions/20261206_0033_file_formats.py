"""Formats identified by PRONOM signatures (issue 27): the PUID, name and basis of each stored file's format.

Why a partial index: the worker asks every 2 s which files wait for identification (puid NULL), and a million
identified files must not be read to find the few new ones. Files stored before this version wait too, and are
identified a batch at a time.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (not a batch copy): stored_files is referenced by many tables, which a copy would orphan.
    op.add_column("stored_files", sa.Column("puid", sa.String(length=30), nullable=True))
    op.add_column("stored_files", sa.Column("format_name", sa.String(length=300), server_default="", nullable=False))
    op.add_column("stored_files", sa.Column("format_basis", sa.String(length=20), server_default="", nullable=False))
    op.create_index(
        "ix_stored_files_format_pending",
        "stored_files",
        ["id"],
        sqlite_where=sa.text("puid IS NULL"),
        postgresql_where=sa.text("puid IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_stored_files_format_pending", table_name="stored_files")
    for column in ("format_basis", "format_name", "puid"):
        op.drop_column("stored_files", column)
