"""Documents taken out of an open dossier (gỡ văn bản khỏi hồ sơ).

An officer who filed a document into the wrong dossier takes it out while the dossier is open, with a reason; the
document is never deleted (it may be filed elsewhere, registered, or simply kept) and this row lets the dossier's page
offer to put it back until the dossier closes.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-10 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "removed_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_removed_documents_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_removed_documents_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["removed_by_id"], ["users.id"], name=op.f("fk_removed_documents_removed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_removed_documents")),
        sa.UniqueConstraint("dossier_id", "document_id", name=op.f("uq_removed_documents_dossier_id_document_id")),
    )
    with op.batch_alter_table("removed_documents") as batch:
        batch.create_index(batch.f("ix_removed_documents_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_table("removed_documents")
