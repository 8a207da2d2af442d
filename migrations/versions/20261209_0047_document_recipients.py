"""The receiving organisations of an outgoing document with their codes (PL6 III.1.g, field 13.1).

Why two tables: the directory of organisations documents are sent to (code and name, kept by the deployment's
administrator, withdrawn rather than deleted) and, for each outgoing document, its recipients one row each in the
order typed with the code the system filled when it was saved, so the package can carry each recipient with its code
and a later correction of the directory never rewrites what a document was sent to.

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-09 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipient_organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_recipient_organisations_code")),
    )
    op.create_table(
        "document_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("code", sa.String(length=13), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_recipients_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_recipients")),
        sa.UniqueConstraint("document_id", "position", name=op.f("uq_document_recipients_document_id_position")),
    )


def downgrade() -> None:
    op.drop_table("document_recipients")
    op.drop_table("recipient_organisations")
