"""A document taken out of an open dossier (gỡ văn bản khỏi hồ sơ): filed there by mistake, it leaves the dossier
but is never deleted, and can be put back while the dossier is open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Document
from erms.models.types import UTCDateTime


class RemovedDocument(Base):
    """A document one who forms the dossier took out of it while it was open, with when, by whom and why. The row goes
    when the document is put back; the audit log keeps both steps."""

    __tablename__ = "removed_documents"
    __table_args__ = (UniqueConstraint("dossier_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    ordinal: Mapped[int]  # its number in the dossier when it was taken out
    removed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(1000))

    document: Mapped[Document] = relationship()
