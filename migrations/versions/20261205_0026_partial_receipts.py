"""A receipt may list only some of a batch's dossiers; the others go back to the pool for the next hand-over
(issue 23).

Each hand-over item records what the receipt said of its dossier. A dossier may now be in several batches, but
only one item may hold it (waiting for the receipt, or received): the unique constraint on ``dossier_id`` becomes
a partial unique index that leaves out the items the receipt did not list.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

OUTCOME = sa.Enum(
    "pending", "received", "not_received", name="handover_outcome", native_enum=False, create_constraint=True, length=24
)
HOLDS_ITS_DOSSIER = sa.text("outcome <> 'not_received'")
# Before this revision a received batch marked every listed dossier TRANSFERRED and left the others ARCHIVED:
# what the state of each dossier says is what its receipt said.
BACKFILL = """
UPDATE handover_items SET outcome = CASE
    WHEN (SELECT state FROM handover_batches b WHERE b.id = handover_items.batch_id) <> 'received' THEN 'pending'
    WHEN (SELECT state FROM dossiers d WHERE d.id = handover_items.dossier_id) = 'transferred' THEN 'received'
    ELSE 'not_received'
END
"""
# Going back, a dossier is again in one batch only: the item of the batch that holds it now is kept, and an older
# item the receipt left out is forgotten (the audit log still tells of that hand-over).
SUPERSEDED = """
DELETE FROM handover_items WHERE outcome = 'not_received' AND EXISTS (
    SELECT 1 FROM handover_items later
    WHERE later.dossier_id = handover_items.dossier_id AND later.id <> handover_items.id
      AND (later.outcome <> 'not_received' OR later.id > handover_items.id)
)
"""


def upgrade() -> None:
    with op.batch_alter_table("handover_items") as batch:
        batch.add_column(sa.Column("outcome", OUTCOME, nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("handover_items") as batch:
        batch.alter_column("outcome", existing_type=OUTCOME, nullable=False)
        batch.drop_constraint("uq_handover_items_dossier_id", type_="unique")
        batch.create_index(
            "uq_handover_items_held_dossier",
            ["dossier_id"],
            unique=True,
            sqlite_where=HOLDS_ITS_DOSSIER,
            postgresql_where=HOLDS_ITS_DOSSIER,
        )


def downgrade() -> None:
    op.execute(SUPERSEDED)
    with op.batch_alter_table("handover_items") as batch:
        batch.drop_index("uq_handover_items_held_dossier")
        batch.create_unique_constraint("uq_handover_items_dossier_id", ["dossier_id"])
        batch.drop_constraint(op.f("ck_handover_items_handover_outcome"), type_="check")
        batch.drop_column("outcome")
