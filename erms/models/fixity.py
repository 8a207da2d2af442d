"""Fixity checks (kiểm tra tính toàn vẹn): each re-reading of a stored file, kept as a PREMIS-style event."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import StoredFile
from erms.models.types import UTCDateTime, enum_column


class FixityOutcome(str, enum.Enum):
    """What re-reading a stored file found (PREMIS eventOutcome)."""

    INTACT = "intact"  # both digests as at capture
    ALTERED = "altered"  # other bytes than at capture
    MISSING = "missing"  # no file where the store keeps it


class FixityEvent(Base):
    """One fixity check of one stored file: when, what it found, who checked (PREMIS event of type "fixity check")."""

    __tablename__ = "fixity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[FixityOutcome] = mapped_column(enum_column(FixityOutcome, "fixity_outcome"))
    agent: Mapped[str] = mapped_column(String(100))  # the program and process that checked (PREMIS agent)

    stored_file: Mapped[StoredFile] = relationship()
