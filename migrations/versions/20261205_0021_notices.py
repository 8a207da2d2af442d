"""Notices told as steps happen: each names the record it is about and when it was e-mailed; people give an e-mail
address and may switch e-mail notices off (issue 22).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("subject_type", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=254), nullable=False, server_default=""))
        batch.add_column(sa.Column("email_notices", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_notices")
        batch.drop_column("email")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("emailed_at")
        batch.drop_column("subject_id")
        batch.drop_column("subject_type")
