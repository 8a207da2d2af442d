"""An incoming document may be sent to one person of the unit that handles it, not only to the unit (issue 22).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 17:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_entries") as batch:
        batch.add_column(sa.Column("assigned_user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_register_entries_assigned_user_id_users", "users", ["assigned_user_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("register_entries") as batch:
        batch.drop_constraint("fk_register_entries_assigned_user_id_users", type_="foreignkey")
        batch.drop_column("assigned_user_id")
