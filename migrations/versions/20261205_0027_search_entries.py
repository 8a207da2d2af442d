"""The search index of a PostgreSQL deployment, in the database itself (issue 24).

``search_entries`` holds one row per dossier and document with its folded words as ``tsvector``s; one GIN index
over the typed fields' words and the file's text finds the matches. Made on PostgreSQL only: SQLite deployments
keep the Whoosh index in SEARCH_INDEX_DIR. A deployment fills the table with ``erms search rebuild``.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 19:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

TEXTS = ("kind", "organisation", "unit", "type", "state", "retention", "code", "title", "summary", "people")
MORE_TEXTS = ("keywords", "fingerprint", "file_sha", "content_sha", "content")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_entries",
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("units", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("date", sa.DateTime(), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in (*TEXTS, *MORE_TEXTS)),
        *(sa.Column(name, postgresql.TSVECTOR(), nullable=False) for name in ("words", "exact", "content_words")),
    )
    op.execute("CREATE INDEX ix_search_entries_words ON search_entries USING gin ((words || content_words))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_entries")
