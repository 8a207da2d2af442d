"""The dossier list goes to the head for approval: sent by the registry ("submitted"), approved with the decision's
number and date, or returned with the head's comments (issue 22).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

CHECK = "dossier_list_state"  # ck_dossier_lists_dossier_list_state by the naming convention


def _states(*values: str) -> str:
    return "state IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("dossier_lists") as batch:
        batch.drop_constraint(op.f(f"ck_dossier_lists_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states("draft", "submitted", "approved"))
        batch.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("submitted_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("return_comment", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("returned_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_dossier_lists_submitted_by_id_users", "users", ["submitted_by_id"], ["id"])
        batch.create_foreign_key("fk_dossier_lists_returned_by_id_users", "users", ["returned_by_id"], ["id"])


def downgrade() -> None:
    op.execute("UPDATE dossier_lists SET state = 'draft' WHERE state = 'submitted'")
    with op.batch_alter_table("dossier_lists") as batch:
        batch.drop_constraint("fk_dossier_lists_returned_by_id_users", type_="foreignkey")
        batch.drop_constraint("fk_dossier_lists_submitted_by_id_users", type_="foreignkey")
        for column in ("returned_at", "returned_by_id", "return_comment", "submitted_at", "submitted_by_id"):
            batch.drop_column(column)
        batch.drop_column("decision_date")
        batch.drop_constraint(op.f(f"ck_dossier_lists_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states("draft", "approved"))
