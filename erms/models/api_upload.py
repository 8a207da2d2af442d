"""Upload sessions of the JSON API ("tải lên theo phần"): a file sent in chunks, resumable after a dropped
connection, before a document is made from it. The bytes wait in a part file under DATA_DIR/uploads, named by the
session's id; the row says how many of them arrived.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class ApiUpload(Base):
    """One file on its way in: its declared name, size and digest, and how much of it has arrived."""

    __tablename__ = "api_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the file's own name, as the document version will keep it
    size: Mapped[int] = mapped_column(BigInteger)  # declared at the start: the upload is complete at this size
    sha256: Mapped[str | None] = mapped_column(String(64))  # declared by the client (optional), checked at the end
    received: Mapped[int] = mapped_column(BigInteger, default=0)  # the bytes in the part file that count
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a document was made from it
