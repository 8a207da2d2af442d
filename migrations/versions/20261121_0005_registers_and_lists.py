"""Registers of incoming/outgoing documents with gap-free yearly number series, and ad-hoc entry reviews.

Why: NĐ 30/2020 Điều 15-16 and Phụ lục VI III.1.đ want the system to number registered documents
per year without gaps (classified ones in their own series), and the unit head reviews the ad-hoc
dossiers officers add to an approved dossier list (issue 4).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 23:41:47.696580
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("incoming", "outgoing", name="register_kind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "series",
            sa.Enum(
                "regular", "classified", name="register_series", native_enum=False, create_constraint=True, length=24
            ),
            nullable=False,
        ),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_register_counters_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_counters")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "year",
            "series",
            name=op.f("uq_register_counters_organisation_id_kind_year_series"),
        ),
    )
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("incoming", "outgoing", name="register_kind", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "series",
            sa.Enum(
                "regular", "classified", name="register_series", native_enum=False, create_constraint=True, length=24
            ),
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("document_code", sa.String(length=25), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_register_entries_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["register_entries.id"],
            name=op.f("fk_register_entries_duplicate_of_id_register_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_register_entries_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["users.id"], name=op.f("fk_register_entries_registered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint("document_id", name=op.f("uq_register_entries_document_id")),
        sa.UniqueConstraint(
            "organisation_id",
            "kind",
            "year",
            "series",
            "number",
            name=op.f("uq_register_entries_organisation_id_kind_year_series_number"),
        ),
    )
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_entries_document_code"), ["document_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_register_entries_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "entry_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["dossier_list_entries.id"], name=op.f("fk_entry_reviews_entry_id_dossier_list_entries")
        ),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], name=op.f("fk_entry_reviews_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_reviews")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_entry_reviews_entry_id")),
    )


def downgrade() -> None:
    op.drop_table("entry_reviews")
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_entries_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_register_entries_document_code"))

    op.drop_table("register_entries")
    op.drop_table("register_counters")
