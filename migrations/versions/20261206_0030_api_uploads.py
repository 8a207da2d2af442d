"""Upload sessions of the JSON API (issue 26): a file sent in chunks and resumed after a dropped connection.

Why a table and not only the part file: the row says whose upload it is, how many bytes count (a chunk whose
transaction did not commit is cut off the part file), when it expires and whether a document was made from it, and
its lock serialises two chunks sent at once.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_uploads_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_uploads")),
    )
    with op.batch_alter_table("api_uploads") as batch:
        batch.create_index(batch.f("ix_api_uploads_user_id"), ["user_id"], unique=False)
        batch.create_index(batch.f("ix_api_uploads_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("api_uploads")
