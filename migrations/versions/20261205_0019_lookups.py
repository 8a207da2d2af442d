"""The values an organisation's forms offer (document types, issuers, headings), kept by its administrator.

Why: the document-type list was fixed in the code and issuers were typed anew each time (issue 21).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 14:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "document_type",
                "issuer",
                "heading",
                name="lookup_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_lookup_values_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_values")),
        sa.UniqueConstraint(
            "organisation_id", "kind", "value", name=op.f("uq_lookup_values_organisation_id_kind_value")
        ),
    )
    op.create_index(op.f("ix_lookup_values_organisation_id"), "lookup_values", ["organisation_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lookup_values_organisation_id"), table_name="lookup_values")
    op.drop_table("lookup_values")
