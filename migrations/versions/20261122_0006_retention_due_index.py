"""A composite index for the appraisal due list.

Why: ``retention.appraisal.due_query`` filters archived dossiers of one organisation by due date
and orders by it; with only single-column indexes SQLite picked ``ix_dossiers_state`` and sorted
the whole due set in a temporary B-tree (bench/RESULTS.md, issue 5).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 09:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_dossiers_org_state_due", "dossiers", ["organisation_id", "state", "appraisal_due_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_dossiers_org_state_due", table_name="dossiers")
