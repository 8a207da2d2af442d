"""A transfer to the agency archive is signed off by the registry and the archivist once every dossier is decided;
the second signature stores the biên bản giao nhận (issue 22).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

PEOPLE = ("registry_signed_by_id", "archive_signed_by_id")


def upgrade() -> None:
    with op.batch_alter_table("transfers") as batch:
        for column in PEOPLE:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_transfers_{column}_users", "users", [column], ["id"])
        batch.add_column(sa.Column("registry_signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archive_signed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("record_file_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_transfers_record_file_id_stored_files", "stored_files", ["record_file_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("transfers") as batch:
        batch.drop_constraint("fk_transfers_record_file_id_stored_files", type_="foreignkey")
        batch.drop_column("record_file_id")
        batch.drop_column("archive_signed_at")
        batch.drop_column("registry_signed_at")
        for column in PEOPLE:
            batch.drop_constraint(f"fk_transfers_{column}_users", type_="foreignkey")
            batch.drop_column(column)
