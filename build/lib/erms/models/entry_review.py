"""The unit head's review of an ad-hoc dossier-list entry ("hồ sơ phát sinh")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier_list import DossierListEntry
from erms.models.types import UTCDateTime


class EntryReview(Base):
    """Whether the unit head accepted an ad-hoc entry into the unit's plan, with a note."""

    __tablename__ = "entry_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("dossier_list_entries.id"), unique=True)
    accepted: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entry: Mapped[DossierListEntry] = relationship()
