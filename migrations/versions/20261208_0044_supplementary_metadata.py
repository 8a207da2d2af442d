"""Supplementary metadata (PL6 III.7.c): fields an organisation's administrator adds to dossiers and documents, and
the values each record carries.

Why on the record: the values change with it (its revision, its audit) and stay linked to it in one row (III.7.đ).

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-08 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "supplementary_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("applies_to", _enum("supplementary_record_kind", "dossier", "document"), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("data_type", _enum("supplementary_field_type", "text", "number", "date", "choice"), nullable=False),
        sa.Column("choices", sa.Text(), server_default="", nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_supplementary_fields_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplementary_fields")),
        sa.UniqueConstraint(
            "organisation_id",
            "applies_to",
            "name",
            name=op.f("uq_supplementary_fields_organisation_id_applies_to_name"),
        ),
    )
    op.create_index(op.f("ix_supplementary_fields_organisation_id"), "supplementary_fields", ["organisation_id"])
    for table in ("dossiers", "documents"):
        op.add_column(table, sa.Column("supplementary", sa.Text(), server_default="{}", nullable=False))


def downgrade() -> None:
    for table in ("dossiers", "documents"):
        op.drop_column(table, "supplementary")
    op.drop_index(op.f("ix_supplementary_fields_organisation_id"), table_name="supplementary_fields")
    op.drop_table("supplementary_fields")
