"""Digitisation intake at an officer's upload (issue 27, part 3): each scan's check against TT 02/2019 and a
document's request to be a certified copy.

Why two tables of their own, not columns of ``document_versions`` and ``documents``: only the files uploaded as scans
are checked, and only a few documents are asked to be certified copies; a check keeps what it measured and who
accepted its warning, a request the file whose signature decides it. Nothing stored before this version was uploaded
as a scan, so nothing is backfilled.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=False),
        sa.Column("pdf_version", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("lowest_dpi", sa.Integer(), nullable=True),
        sa.Column("colour_modes", sa.String(length=60), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["document_versions.id"], name=op.f("fk_scan_checks_version_id_document_versions")
        ),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_scan_checks_document_id_documents")),
        sa.ForeignKeyConstraint(["checked_by_id"], ["users.id"], name=op.f("fk_scan_checks_checked_by_id_users")),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["users.id"], name=op.f("fk_scan_checks_accepted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_checks")),
        sa.UniqueConstraint("version_id", name=op.f("uq_scan_checks_version_id")),
    )
    with op.batch_alter_table("scan_checks") as batch:
        batch.create_index(batch.f("ix_scan_checks_document_id"), ["document_id"], unique=False)
    op.create_table(
        "certified_copies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_certified_copies_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["stored_file_id"], ["stored_files.id"], name=op.f("fk_certified_copies_stored_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_certified_copies_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certified_copies")),
        sa.UniqueConstraint("document_id", name=op.f("uq_certified_copies_document_id")),
    )
    with op.batch_alter_table("certified_copies") as batch:
        batch.create_index(batch.f("ix_certified_copies_stored_file_id"), ["stored_file_id"], unique=False)


def downgrade() -> None:
    op.drop_table("certified_copies")
    op.drop_table("scan_checks")
