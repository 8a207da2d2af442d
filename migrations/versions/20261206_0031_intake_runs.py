"""Records taken in from outside (issue 26): legacy imports and bag ingests, resumable dossier by dossier.

Why two tables: the run says what was asked (source, digest, totals, who, when, what could not be mapped); each
dossier it made is a row under the source's key, written in the dossier's own transaction, so a run taken up
again skips exactly what was committed.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("dossiers_total", sa.Integer(), nullable=False),
        sa.Column("documents_total", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_intake_runs_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"], name=op.f("fk_intake_runs_started_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_runs")),
    )
    with op.batch_alter_table("intake_runs") as batch:
        batch.create_index(batch.f("ix_intake_runs_organisation_id"), ["organisation_id"], unique=False)
        batch.create_index(batch.f("ix_intake_runs_digest"), ["digest"], unique=False)
    op.create_table(
        "intake_dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["intake_runs.id"], name=op.f("fk_intake_dossiers_run_id_intake_runs")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_intake_dossiers_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_dossiers")),
        sa.UniqueConstraint("run_id", "key", name=op.f("uq_intake_dossiers_run_id_key")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_intake_dossiers_dossier_id")),
    )


def downgrade() -> None:
    op.drop_table("intake_dossiers")
    op.drop_table("intake_runs")
