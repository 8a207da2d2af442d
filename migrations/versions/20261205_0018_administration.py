"""Administration from the web: a unit tree, deployment administrators and organisations' archive codes.

Why: an agency could not be set up without the console (issue 21); units had no parent, so a department's
sections could not be shown under it; the first administrator belongs to no organisation yet.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.create_foreign_key("fk_units_parent_id_units", "units", ["parent_id"], ["id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("system_admin", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("system_admin")
    with op.batch_alter_table("units") as batch:
        batch.drop_constraint("fk_units_parent_id_units", type_="foreignkey")
        batch.drop_column("active")
        batch.drop_column("parent_id")
