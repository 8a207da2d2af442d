"""Changes of access to a dossier or a document: shares with a unit or a person, restriction to named people,
proposed and then confirmed by an authorised person (NĐ 30 PL6 III.3.b/c, IV.1.a/c/d); a document's own regime.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "access_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            _enum("access_change_kind", "share_unit", "share_person", "restrict", "open", "end_share"),
            nullable=False,
        ),
        sa.Column("state", _enum("access_change_state", "proposed", "confirmed", "rejected", "ended"), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ends_share_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_access_changes_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_access_changes_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_access_changes_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_access_changes_unit_id_units")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_access_changes_user_id_users")),
        sa.ForeignKeyConstraint(
            ["ends_share_id"], ["access_changes.id"], name=op.f("fk_access_changes_ends_share_id_access_changes")
        ),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name=op.f("fk_access_changes_proposed_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_access_changes_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_changes")),
    )
    op.create_index("ix_access_changes_dossier_state", "access_changes", ["dossier_id", "state"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("rights", sa.String(length=30), server_default="public", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("rights")
    op.drop_index("ix_access_changes_dossier_state", table_name="access_changes")
    op.drop_table("access_changes")
