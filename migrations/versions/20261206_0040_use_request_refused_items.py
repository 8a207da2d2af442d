"""Using the archive: the head approves a request but some of its dossiers ("duyệt một phần").

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 08:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("use_request_items", sa.Column("refused", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column("use_request_items", "refused")
