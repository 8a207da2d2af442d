"""Each dossier keeps the extent it closed with; the flow and compliance reports get their register indexes
(issue 25).

Why: the holdings report joined every link of the dossiers in custody to documents, versions and stored files to add
up their pages and bytes (6.3 s on SQLite, 1.7 s on PostgreSQL at 100,000 dossiers / 1,000,000 documents). A closed
dossier's documents no longer change, so ``erms.lifecycle`` measures them once when the dossier closes and clears
the figures when it is reopened. Here every dossier that is not open (closed, submitted, archived, transferred,
destroyed: their links and the stored files' rows are kept, and the hand-over lines of the report count the
transferred ones) is measured as the report measured it: one document per link (a document filed in two dossiers
counts in each), the pages of the linked documents (none given: 0), the bytes of every version's file.

The flow report reads one organisation's register entries of a period by their registration time, the compliance
report those of a year: an index each, instead of the organisation's index and every entry of the organisation.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# Kept here, not imported: a migration must do tomorrow what it does today. Set-based: every dossier that is not open
# gets zeros, then the sums of its links grouped once per table (one pass each, whatever plan the database picks,
# instead of three lookups per dossier).
BACKFILL = (
    "UPDATE dossiers SET extent_documents = 0, extent_pages = 0, extent_bytes = 0 WHERE state <> 'open'",
    """
    UPDATE dossiers SET extent_documents = filed.documents, extent_pages = filed.pages
    FROM (
        SELECT l.dossier_id AS id, count(*) AS documents, coalesce(sum(d.page_amount), 0) AS pages
        FROM dossier_documents l JOIN documents d ON d.id = l.document_id
        GROUP BY l.dossier_id
    ) AS filed
    WHERE filed.id = dossiers.id AND dossiers.state <> 'open'
    """,
    """
    UPDATE dossiers SET extent_bytes = stored.bytes
    FROM (
        SELECT l.dossier_id AS id, coalesce(sum(f.size), 0) AS bytes
        FROM dossier_documents l
        JOIN document_versions v ON v.document_id = l.document_id
        JOIN stored_files f ON f.id = v.file_id
        GROUP BY l.dossier_id
    ) AS stored
    WHERE stored.id = dossiers.id AND dossiers.state <> 'open'
    """,
)


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default), not a batch copy: SQLite would recreate dossiers, which links,
    # transfers, holds and hand-overs reference.
    op.add_column("dossiers", sa.Column("extent_documents", sa.Integer(), nullable=True))
    op.add_column("dossiers", sa.Column("extent_pages", sa.Integer(), nullable=True))
    op.add_column("dossiers", sa.Column("extent_bytes", sa.BigInteger(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index("ix_register_entries_org_registered_at", "register_entries", ["organisation_id", "registered_at"])
    op.create_index("ix_register_entries_org_year", "register_entries", ["organisation_id", "year"])


def downgrade() -> None:
    op.drop_index("ix_register_entries_org_year", table_name="register_entries")
    op.drop_index("ix_register_entries_org_registered_at", table_name="register_entries")
    op.drop_column("dossiers", "extent_bytes")
    op.drop_column("dossiers", "extent_pages")
    op.drop_column("dossiers", "extent_documents")
