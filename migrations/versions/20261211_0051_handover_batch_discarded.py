"""A hand-over batch given up before any valid package (its dossiers chosen wrongly, its year mistyped): it stays as a
record with the reason, and its dossiers go back to the pool for another batch.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-11 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

CHECK = "handover_batch_state"  # ck_handover_batches_handover_batch_state by the naming convention
STATES = ("draft", "packaged", "received")


def _states(*values: str) -> str:
    return "state IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("handover_batches") as batch:
        batch.drop_constraint(op.f(f"ck_handover_batches_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states(*STATES, "discarded"))
        batch.add_column(sa.Column("discard_reason", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    discarded = "(SELECT id FROM handover_batches WHERE state = 'discarded')"
    op.execute(f"UPDATE packages SET batch_id = NULL WHERE batch_id IN {discarded}")
    op.execute(f"DELETE FROM handover_items WHERE batch_id IN {discarded}")
    op.execute("DELETE FROM handover_batches WHERE state = 'discarded'")
    with op.batch_alter_table("handover_batches") as batch:
        batch.drop_column("discard_reason")
        batch.drop_constraint(op.f(f"ck_handover_batches_{CHECK}"), type_="check")
        batch.create_check_constraint(CHECK, _states(*STATES))
