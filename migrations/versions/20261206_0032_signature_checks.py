"""Digital signatures validated at capture (issue 27): the trust roots installed, and each check kept as evidence.

Why a table of checks and not columns on the stored file: a file is checked again when roots change, and each
verdict stays with the roots it was made against. The stored file only says whether it waits for a check
(``signature_pending``, under a partial index: the worker asks every 2 s, and a million files must not be read).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trust_roots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"], name=op.f("fk_trust_roots_added_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trust_roots")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_trust_roots_fingerprint")),
    )
    op.create_table(
        "signature_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("roots", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stored_file_id"], ["stored_files.id"], name=op.f("fk_signature_checks_stored_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_checks")),
    )
    with op.batch_alter_table("signature_checks") as batch:
        batch.create_index(batch.f("ix_signature_checks_stored_file_id"), ["stored_file_id"], unique=False)
        batch.create_index(batch.f("ix_signature_checks_status"), ["status"], unique=False)

    # Plain ALTER TABLE (not a batch copy): stored_files is referenced by many tables, which a copy would orphan.
    op.add_column(
        "stored_files", sa.Column("signature_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    # The files signed before this version are checked once, as new ones are.
    op.execute("UPDATE stored_files SET signature_pending = has_pdf_signature")
    op.create_index(
        "ix_stored_files_signature_pending",
        "stored_files",
        ["id"],
        sqlite_where=sa.text("signature_pending"),
        postgresql_where=sa.text("signature_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_stored_files_signature_pending", table_name="stored_files")
    op.drop_column("stored_files", "signature_pending")
    op.drop_table("signature_checks")
    op.drop_table("trust_roots")
