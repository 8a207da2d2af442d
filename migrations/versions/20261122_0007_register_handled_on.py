"""The day a registered document was handled, and who recorded it.

Why: the handling report (PL6 III.1.l, V.2, V.4) could only count deadlines passed, handled or
not; with the day recorded it tells handled on time, handled late and still overdue apart.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_register_entries_handled_by_id_users"), "users", ["handled_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_register_entries_handled_by_id_users"), type_="foreignkey")
        batch_op.drop_column("handled_by_id")
        batch_op.drop_column("handled_on")
