"""Backup sets (bộ sao lưu) as the database remembers them: destruction records name those still holding what they
destroy, until each expires."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class BackupSet(Base):
    """A whole backup set written to a medium, and until when it is kept there."""

    __tablename__ = "backup_sets"
    __table_args__ = (UniqueConstraint("target", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(100))  # the medium's name in BACKUP_TARGETS
    name: Mapped[str] = mapped_column(String(40))  # the set's folder, its UTC time: 20261205T114112Z
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_on: Mapped[date] = mapped_column(Date)  # removed from the medium after this day (BACKUP_KEEP_DAYS)
    files: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it left the medium
