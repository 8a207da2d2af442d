"""Opinions on a document while it is handled (PL6 III.5.a): directions, comments, approvals of content and of form,
a draft sent back (PL6 III.1.n).

Why: the law asks the records system to keep, with a document, how it was handled — the leaders' directions, the
comments, the approvals — and to let an authorised person send a draft back; ERMS kept the drafts' versions and the
register's distribution but none of these. One append-only table: an opinion is never changed, a correction is a
new one; the draft's version it was about tells whether a draft sent back has been redone since.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-09 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "direction",
                "comment",
                "content_approval",
                "form_approval",
                "sent_back",
                name="opinion_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_opinions_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_document_opinions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_opinions")),
    )
    op.create_index("ix_document_opinions_document_given", "document_opinions", ["document_id", "given_at"])


def downgrade() -> None:
    op.drop_index("ix_document_opinions_document_given", table_name="document_opinions")
    op.drop_table("document_opinions")
