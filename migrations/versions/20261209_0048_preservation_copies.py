"""Preservation copies of files in an open format (PL6 III.5.e).

NĐ 30/2020 Phụ lục VI III.5.e asks that documents can change format when technology changes. The worker copies each
stored file of an office or image format into PDF/A once (filing/preservation.py); this table links the source file
to the copy's stored file with the tool, when, and the outcome. A row per source file (unique) is what keeps a file
the tool cannot convert from being tried every round; a failed attempt keeps its reason and no copy.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-09 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "preservation_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_file_id", sa.Integer(), nullable=False),
        sa.Column("copy_file_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("target", sa.String(length=30), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_file_id"], ["stored_files.id"], name=op.f("fk_preservation_copies_source_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["copy_file_id"], ["stored_files.id"], name=op.f("fk_preservation_copies_copy_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preservation_copies")),
        sa.UniqueConstraint("source_file_id", name=op.f("uq_preservation_copies_source_file_id")),
    )
    with op.batch_alter_table("preservation_copies") as batch:
        batch.create_index(batch.f("ix_preservation_copies_copy_file_id"), ["copy_file_id"], unique=False)


def downgrade() -> None:
    op.drop_table("preservation_copies")
