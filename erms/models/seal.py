"""The seal of a dossier's metadata ("niêm phong dữ liệu đặc tả", PL6 III.7.đ): what its metadata and its documents'
were when it left OPEN, kept so that a change made outside ERMS (in the database itself) is found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class MetadataSeal(Base):
    """A closed dossier's sealed metadata: the canonical JSON of its elements and their SHA-256 (the digest is also
    written in the hash-chained audit event of the closing, so the seal itself cannot be rewritten unseen)."""

    __tablename__ = "metadata_seals"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The last check found the metadata changed since sealing (told to the archivists once).
    changed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
