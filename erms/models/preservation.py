"""Preservation copies (bản sao bảo quản, NĐ 30/2020 PL6 III.5.e): a stored file of an office or image format copied
once into PDF/A, so the record stays readable when the software that made it is gone. The original is kept as is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import StoredFile
from erms.models.types import UTCDateTime

# PreservationCopy.outcome: the copy was made, or the tool could not make it (``reason`` says why; never retried).
MADE, FAILED = "made", "failed"


class PreservationCopy(Base):
    """One attempt, made once per stored file, to copy it into an open format: the tool, when, and what came of it.

    A row per source file (unique) is what keeps a file the tool cannot convert from being tried again every round.
    """

    __tablename__ = "preservation_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    copy_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"), index=True)  # None: failed
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    target: Mapped[str] = mapped_column(String(30))  # the PRONOM id of the copy's format, e.g. fmt/477 (PDF/A-2b)
    tool: Mapped[str] = mapped_column(String(200))  # the converter and its version, as it reports them
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())

    source: Mapped[StoredFile] = relationship(foreign_keys=[source_file_id])
    copy: Mapped[StoredFile | None] = relationship(foreign_keys=[copy_file_id])
