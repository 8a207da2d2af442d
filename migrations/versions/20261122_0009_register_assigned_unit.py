"""The unit an incoming document was sent to for handling, and when.

Why: PL6 III.1.m asks that incoming documents be distributed to the units that handle them and
followed up; the register's printed column "Đơn vị hoặc người nhận" and "Ngày chuyển" come from it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_register_entries_assigned_unit_id"), ["assigned_unit_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_register_entries_assigned_unit_id_units"), "units", ["assigned_unit_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_register_entries_assigned_unit_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_register_entries_assigned_unit_id"))
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_unit_id")
