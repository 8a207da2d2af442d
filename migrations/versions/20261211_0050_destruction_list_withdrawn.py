"""A destruction list withdrawn before the head's decision (the council disagreed, a dossier must be kept): nothing
is destroyed, the list keeps its dossiers as its record, and those dossiers may be proposed again.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-11 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

CHECK = "destruction_list_state"  # ck_destruction_lists_destruction_list_state by the naming convention
STATES = ("proposed", "appraised", "approved", "executing", "executed")
LIVE = sa.text("NOT withdrawn")


def _states(*values: str) -> str:
    return "state IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("destruction_lists") as batch:
        batch.drop_constraint(op.f(f"ck_destruction_lists_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states(*STATES, "withdrawn"))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_destruction_lists_withdrawn_by_id_users", "users", ["withdrawn_by_id"], ["id"])
    with op.batch_alter_table("destruction_items") as batch:
        batch.add_column(sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_constraint(op.f("uq_destruction_items_dossier_id"), type_="unique")
    op.create_index(
        "uq_destruction_items_live_dossier",
        "destruction_items",
        ["dossier_id"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.execute("DELETE FROM destruction_items WHERE withdrawn")
    op.drop_index("uq_destruction_items_live_dossier", table_name="destruction_items")
    with op.batch_alter_table("destruction_items") as batch:
        batch.create_unique_constraint(op.f("uq_destruction_items_dossier_id"), ["dossier_id"])
        batch.drop_column("withdrawn")
    op.execute("UPDATE destruction_lists SET state = 'proposed' WHERE state = 'withdrawn'")
    with op.batch_alter_table("destruction_lists") as batch:
        batch.drop_constraint("fk_destruction_lists_withdrawn_by_id_users", type_="foreignkey")
        for column in ("withdrawn_at", "withdrawn_by_id", "withdrawn_reason"):
            batch.drop_column(column)
        batch.drop_constraint(op.f(f"ck_destruction_lists_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states(*STATES))
