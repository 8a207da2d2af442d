"""Requests to use archived records (issue 28): the request slips and the dossiers each asks for.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "use_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "approved",
                "refused",
                name="use_request_state",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("reader_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("reader_identity", sa.String(length=30), server_default="", nullable=False),
        sa.Column("reader_address", sa.String(length=300), server_default="", nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_use_requests_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["requester_id"], ["users.id"], name=op.f("fk_use_requests_requester_id_users")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_use_requests_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_use_requests_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_requests")),
        sa.UniqueConstraint(
            "organisation_id", "year", "number", name=op.f("uq_use_requests_organisation_id_year_number")
        ),
    )
    with op.batch_alter_table("use_requests") as batch:
        batch.create_index("ix_use_requests_organisation_state", ["organisation_id", "state"], unique=False)
        batch.create_index(batch.f("ix_use_requests_requester_id"), ["requester_id"], unique=False)
        batch.create_index(batch.f("ix_use_requests_recorded_by_id"), ["recorded_by_id"], unique=False)
    op.create_table(
        "use_request_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("paper", sa.Boolean(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=True),
        sa.Column("lent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lent_by_id", sa.Integer(), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["use_requests.id"], name=op.f("fk_use_request_items_request_id_use_requests")
        ),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_use_request_items_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(
            ["share_id"], ["access_changes.id"], name=op.f("fk_use_request_items_share_id_access_changes")
        ),
        sa.ForeignKeyConstraint(["lent_by_id"], ["users.id"], name=op.f("fk_use_request_items_lent_by_id_users")),
        sa.ForeignKeyConstraint(
            ["returned_to_id"], ["users.id"], name=op.f("fk_use_request_items_returned_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_use_request_items")),
        sa.UniqueConstraint("request_id", "dossier_id", name=op.f("uq_use_request_items_request_id_dossier_id")),
    )
    with op.batch_alter_table("use_request_items") as batch:
        batch.create_index(batch.f("ix_use_request_items_dossier_id"), ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_table("use_request_items")
    op.drop_table("use_requests")
