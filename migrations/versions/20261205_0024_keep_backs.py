"""Hand-over deadlines as the law sets them: a unit keeps a due dossier up to two more years with the head's consent
("giữ lại", NĐ 30 Điều 31 k.3d), and a capital-construction dossier is due three months after the works were
settled ("quyết toán", Điều 30 k.2a) (issue 22).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 17:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "keep_backs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "approved",
                "refused",
                name="keep_back_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_keep_backs_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_keep_backs_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_keep_backs_requested_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_keep_backs_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keep_backs")),
    )
    with op.batch_alter_table("keep_backs") as batch:
        batch.create_index(batch.f("ix_keep_backs_dossier_id"), ["dossier_id"], unique=False)
        batch.create_index(batch.f("ix_keep_backs_organisation_id"), ["organisation_id"], unique=False)
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("settled_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("settled_on")
    op.drop_table("keep_backs")
