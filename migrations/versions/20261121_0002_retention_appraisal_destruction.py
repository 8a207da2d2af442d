"""retention, appraisal, holds and destruction

Why: issue 5 records why each dossier was kept or destroyed and by whose decision. It adds the
event date of conditional retention periods on dossiers, the appraisal decisions and their work
items, destruction lists with their items, council opinions and the redo log of removed files,
in-app notifications, and the lease and run keys that keep scheduled jobs to one run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _state(*values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "period", name=op.f("uq_job_runs_job_period")),
    )
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "destruction_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            _state("proposed", "appraised", "approved", "executing", "executed", name="destruction_list_state"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appraisal_number", sa.String(length=50), nullable=False),
        sa.Column("appraisal_date", sa.Date(), nullable=True),
        sa.Column("appraisal_file_id", sa.Integer(), nullable=True),
        sa.Column("decision_number", sa.String(length=50), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("decision_signer", sa.String(length=100), nullable=False),
        sa.Column("decision_file_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("executed_by_id", sa.Integer(), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backups", sa.Text(), nullable=False),
        sa.Column("record_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appraisal_file_id"], ["stored_files.id"], name=op.f("fk_destruction_lists_appraisal_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_destruction_lists_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["decision_file_id"], ["stored_files.id"], name=op.f("fk_destruction_lists_decision_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["executed_by_id"], ["users.id"], name=op.f("fk_destruction_lists_executed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_destruction_lists_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_destruction_lists_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["record_file_id"], ["stored_files.id"], name=op.f("fk_destruction_lists_record_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_lists")),
    )
    with op.batch_alter_table("destruction_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destruction_lists_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("template", sa.String(length=300), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "kind", "key", name=op.f("uq_notifications_user_id_kind_key")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_user_id"), ["user_id"], unique=False)

    op.create_table(
        "council_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destruction_list_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["destruction_list_id"],
            ["destruction_lists.id"],
            name=op.f("fk_council_opinions_destruction_list_id_destruction_lists"),
        ),
        sa.ForeignKeyConstraint(["member_id"], ["users.id"], name=op.f("fk_council_opinions_member_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_opinions")),
        sa.UniqueConstraint(
            "destruction_list_id", "member_id", name=op.f("uq_council_opinions_destruction_list_id_member_id")
        ),
    )
    op.create_table(
        "destroyed_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destruction_list_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["destruction_list_id"],
            ["destruction_lists.id"],
            name=op.f("fk_destroyed_files_destruction_list_id_destruction_lists"),
        ),
        sa.ForeignKeyConstraint(["file_id"], ["stored_files.id"], name=op.f("fk_destroyed_files_file_id_stored_files")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destroyed_files")),
        sa.UniqueConstraint(
            "destruction_list_id", "file_id", name=op.f("uq_destroyed_files_destruction_list_id_file_id")
        ),
    )
    with op.batch_alter_table("destroyed_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_destroyed_files_destruction_list_id"), ["destruction_list_id"], unique=False
        )

    op.create_table(
        "appraisal_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _state("keep", "destroy", "period_changed", name="appraisal_outcome"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_period", sa.String(length=300), nullable=False),
        sa.Column("new_period", sa.String(length=300), nullable=False),
        sa.Column("destruction_list_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_appraisal_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["destruction_list_id"],
            ["destruction_lists.id"],
            name=op.f("fk_appraisal_decisions_destruction_list_id_destruction_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_appraisal_decisions_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_decisions")),
    )
    with op.batch_alter_table("appraisal_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appraisal_decisions_dossier_id"), ["dossier_id"], unique=False)

    op.create_table(
        "appraisal_work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_appraisal_work_items_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appraisal_work_items")),
        sa.UniqueConstraint("dossier_id", "due_on", name=op.f("uq_appraisal_work_items_dossier_id_due_on")),
    )
    op.create_table(
        "destruction_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("destruction_list_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["destruction_list_id"],
            ["destruction_lists.id"],
            name=op.f("fk_destruction_items_destruction_list_id_destruction_lists"),
        ),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_destruction_items_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_items")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_destruction_items_dossier_id")),
    )
    with op.batch_alter_table("destruction_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_destruction_items_destruction_list_id"), ["destruction_list_id"], unique=False
        )

    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_event_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("retention_event_on")
    for table, index in (
        ("destruction_items", "ix_destruction_items_destruction_list_id"),
        ("appraisal_work_items", None),
        ("appraisal_decisions", "ix_appraisal_decisions_dossier_id"),
        ("destroyed_files", "ix_destroyed_files_destruction_list_id"),
        ("council_opinions", None),
        ("notifications", "ix_notifications_user_id"),
        ("destruction_lists", "ix_destruction_lists_organisation_id"),
        ("scheduler_leases", None),
        ("job_runs", None),
    ):
        if index:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_index(index)
        op.drop_table(table)
