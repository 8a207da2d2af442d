"""The search index of a PostgreSQL deployment, in the database itself (issue 24).

``search_entries`` holds one row per dossier and document with its folded words as ``tsvector``s; one index over the
typed fields' words and the file's text finds the matches: RUM (Debian's postgresql-15-rum), which also ranks them
without visiting each, where the extension is installed or this role may install it; GIN otherwise (it finds as
well, and ranks by reading every match). Made on PostgreSQL only: SQLite deployments keep the Whoosh index in
SEARCH_INDEX_DIR. A deployment fills the table with ``erms search rebuild``.

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
    method = "rum ((words || content_words) rum_tsvector_ops)" if _rum() else "gin ((words || content_words))"
    op.execute(f"CREATE INDEX ix_search_entries_words ON search_entries USING {method}")
    op.create_index("ix_search_entries_date", "search_entries", ["date"])


RUM = """
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum')
    OR (EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')
        AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))
"""


def _rum() -> bool:
    """Return True when the RUM extension is there, or installed now (a superuser may; anyone else's DBA does)."""
    if not op.get_bind().scalar(sa.text(RUM)):
        return False
    op.execute("CREATE EXTENSION IF NOT EXISTS rum")
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("search_entries")
