"""Digitised paper (issue 28): a scan names the paper dossier it was made from ("mã hồ sơ gốc giấy").

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (not a batch copy): documents is referenced by many tables, which a copy would orphan.
    op.add_column("documents", sa.Column("paper_original", sa.String(length=50), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("documents", "paper_original")
