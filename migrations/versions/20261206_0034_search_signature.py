"""A document's signature verdict in the PostgreSQL search index (issue 27): searchable as a filter and a facet.

Why a column of ``search_entries``: filters and facets are clauses of the one statement that also applies the
reader's rights, so the verdict of the latest check of a document's file ("valid", …, "not_checked"; "pending" while
a signed file waits for a check; "" unsigned, and for a dossier) is a typed field of the row like the retention
period. Rows written before this version hold "" until the worker's rebuild of an index of another version
(``records.VERSION``) writes them again. Made on PostgreSQL only, like the table (0027); plain ALTER TABLE, not a
batch copy.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.add_column("search_entries", sa.Column("signature", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_column("search_entries", "signature")
