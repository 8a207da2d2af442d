"""What a stored file's first page states of its document (filing.recognised), read by the worker as it extracts the
file's text for the search index, and offered to the officer for the fields a batch upload left empty.

Why a column of stored_files: the reading is the bytes' own (the same file filed twice reads the same), and NULL says
"not read", so the worker reads each file once. Plain ALTER TABLE: stored_files is referenced by many tables.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stored_files", sa.Column("recognised", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("stored_files", "recognised")
