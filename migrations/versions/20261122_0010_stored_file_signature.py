"""Whether a stored file carries a PDF signature, seen once at capture.

Why: CITS ERMS eSignature is filled from it. Exports used to look for the signature while copying
every file, which cost a seventh of the copy's processor time and made ERMS.xml wait for the copy.
Files stored before this revision are read once here from STORAGE_ROOT (a file missing there stays
unsigned: the export stops on it anyway, naming it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 13:00:00
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

from erms import config as erms_config

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Kept here, not imported: a migration must do tomorrow what it does today.
SIGNATURE_MARK = b"/ByteRange"
CHUNK = 1024 * 1024


def _signed(path: Path) -> bool:
    """Say whether SIGNATURE_MARK is in the file, reading it in chunks that overlap by the mark's length."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            if SIGNATURE_MARK in tail + chunk:
                return True
            tail = chunk[-(len(SIGNATURE_MARK) - 1) :]
    return False


def upgrade() -> None:
    # A plain ADD COLUMN (constant default), not a batch copy: SQLite would drop and recreate
    # stored_files, which every document version references.
    op.add_column(
        "stored_files", sa.Column("has_pdf_signature", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    connection = op.get_bind()
    stored = sa.table(
        "stored_files",
        sa.column("id", sa.Integer),
        sa.column("sha256", sa.String),
        sa.column("has_pdf_signature", sa.Boolean),
    )
    rows = connection.execute(sa.select(stored.c.id, stored.c.sha256)).all()
    if not rows:
        return
    root = Path(context.config.attributes.get("storage_root") or erms_config.load()["STORAGE_ROOT"])
    for file_id, sha256 in rows:
        path = root / sha256[:2] / sha256[2:4] / sha256
        if path.is_file() and _signed(path):
            connection.execute(sa.update(stored).where(stored.c.id == file_id).values(has_pdf_signature=True))


def downgrade() -> None:
    op.drop_column("stored_files", "has_pdf_signature")
