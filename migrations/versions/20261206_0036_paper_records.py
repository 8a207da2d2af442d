"""Paper and hybrid records and where the archive keeps them (issue 28): the medium of dossiers and documents, a
dossier's sheet count, repositories, boxes and each dossier's place in a box.

Why: an agency archive holds paper as well as files, and finds a paper dossier by repository (kho), shelf unit (giá),
shelf (khoang/ngăn), box (hộp) and its number in the box. The shelf is the box's, not the dossier's, so moving a box
is one row. Every row made before this version is electronic, which is what the system held until now: the new
columns are NOT NULL with that default, so no backfill step is needed.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

MEDIA = ("electronic", "paper", "hybrid")


def _add_medium(table: str, name: str) -> None:
    # Plain ADD COLUMN, not a batch copy: SQLite would recreate dossiers and documents, which links, transfers, holds
    # and hand-overs reference. SQLite cannot add the CHECK a model's enum_column declares to a table that exists
    # (the services write only the three values); PostgreSQL gets it under the name the model gives it.
    op.add_column(table, sa.Column("medium", sa.String(length=24), server_default="electronic", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.create_check_constraint(name, table, sa.column("medium").in_(MEDIA))


def upgrade() -> None:
    _add_medium("dossiers", "dossier_medium")
    op.add_column("dossiers", sa.Column("sheet_total", sa.Integer(), nullable=True))
    _add_medium("documents", "document_medium")
    op.create_table(
        "repositories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_repositories_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repositories")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_repositories_organisation_id_code")),
    )
    op.create_table(
        "storage_boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("shelf_unit", sa.String(length=30), nullable=False),
        sa.Column("shelf", sa.String(length=30), server_default="", nullable=False),
        sa.Column("label", sa.String(length=300), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_storage_boxes_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_storage_boxes_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"], ["repositories.id"], name=op.f("fk_storage_boxes_repository_id_repositories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_boxes")),
        sa.UniqueConstraint("organisation_id", "number", name=op.f("uq_storage_boxes_organisation_id_number")),
    )
    op.create_index(op.f("ix_storage_boxes_repository_id"), "storage_boxes", ["repository_id"])
    op.create_table(
        "dossier_placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("box_id", sa.Integer(), nullable=False),
        sa.Column("file_number", sa.Integer(), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["box_id"], ["storage_boxes.id"], name=op.f("fk_dossier_placements_box_id_storage_boxes")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_placements_dossier_id_dossiers")
        ),
        sa.ForeignKeyConstraint(["placed_by_id"], ["users.id"], name=op.f("fk_dossier_placements_placed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_placements")),
        sa.UniqueConstraint("box_id", "file_number", name=op.f("uq_dossier_placements_box_id_file_number")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_dossier_placements_dossier_id")),
    )
    op.create_index(op.f("ix_dossier_placements_box_id"), "dossier_placements", ["box_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dossier_placements_box_id"), table_name="dossier_placements")
    op.drop_table("dossier_placements")
    op.drop_index(op.f("ix_storage_boxes_repository_id"), table_name="storage_boxes")
    op.drop_table("storage_boxes")
    op.drop_table("repositories")
    # A column's CHECK goes with it (PostgreSQL); SQLite has none to keep it (upgrade).
    op.drop_column("documents", "medium")
    op.drop_column("dossiers", "sheet_total")
    op.drop_column("dossiers", "medium")
