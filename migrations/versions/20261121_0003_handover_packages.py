"""handover packages: batches to the historical archive, built bags, receipts

Why: issue 6 hands permanent dossiers over to the historical archive (Lưu trữ lịch sử) as
verified BagIt packages; a batch records which dossiers go (each in at most one batch), a
package row keeps the bag's Payload-Oxum, manifest digest and validation report, and the
receipt row keeps the archive's reference once the dossiers are marked TRANSFERRED.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 23:42:07.678783
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "packaged",
                "received",
                name="handover_batch_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_handover_batches_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_handover_batches_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_batches")),
        sa.UniqueConstraint(
            "organisation_id", "year", "seq", name=op.f("uq_handover_batches_organisation_id_year_seq")
        ),
    )
    with op.batch_alter_table("handover_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_batches_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "handover_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("received_on", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["handover_batches.id"], name=op.f("fk_handover_receipts_batch_id_handover_batches")
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_handover_receipts_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_receipts")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_handover_receipts_batch_id")),
    )
    op.create_table(
        "handover_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["handover_batches.id"], name=op.f("fk_handover_items_batch_id_handover_batches")
        ),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_handover_items_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_items")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_handover_items_dossier_id")),
    )
    with op.batch_alter_table("handover_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_items_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "state",
            sa.Enum("ready", "failed", name="package_state", native_enum=False, create_constraint=True, length=24),
            nullable=False,
        ),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("payload_oxum", sa.String(length=40), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("built_by_id", sa.Integer(), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["handover_batches.id"], name=op.f("fk_packages_batch_id_handover_batches")
        ),
        sa.ForeignKeyConstraint(["built_by_id"], ["users.id"], name=op.f("fk_packages_built_by_id_users")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_packages_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_packages_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packages_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_packages_batch_id"))

    op.drop_table("packages")
    with op.batch_alter_table("handover_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_items_batch_id"))

    op.drop_table("handover_items")
    op.drop_table("handover_receipts")
    with op.batch_alter_table("handover_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_batches_organisation_id"))

    op.drop_table("handover_batches")
