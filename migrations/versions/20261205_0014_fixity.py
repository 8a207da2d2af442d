"""The fixity audit: each stored file's last check, and every check kept as an event.

Why: stored files were re-hashed only at acceptance and export, so a file altered or lost on disk
went unnoticed for years (issue 20).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OUTCOMES = ("intact", "altered", "missing")


def upgrade() -> None:
    with op.batch_alter_table("stored_files") as batch:
        batch.add_column(sa.Column("fixity_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_stored_files_fixity_checked_at"), ["fixity_checked_at"], unique=False)
    op.create_table(
        "fixity_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stored_file_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(*OUTCOMES, name="fixity_outcome", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("agent", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["stored_file_id"], ["stored_files.id"], name=op.f("fk_fixity_events_stored_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixity_events")),
    )
    with op.batch_alter_table("fixity_events") as batch:
        batch.create_index(batch.f("ix_fixity_events_stored_file_id"), ["stored_file_id"], unique=False)


def downgrade() -> None:
    op.drop_table("fixity_events")
    with op.batch_alter_table("stored_files") as batch:
        batch.drop_index(batch.f("ix_stored_files_fixity_checked_at"))
        batch.drop_column("fixity_checked_at")
