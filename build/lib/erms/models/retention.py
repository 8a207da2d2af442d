"""Retention schedules ("Bảng thời hạn bảo quản") with their rows, and holds on dossiers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.types import UTCDateTime, enum_column


class RetentionSchedule(Base):
    """One retention table as issued (common table of a circular, or an agency's own table)."""

    __tablename__ = "retention_schedules"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: a common table any organisation may use; else the agency's own table.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    legal_basis: Mapped[str] = mapped_column(String(300), default="")
    # A superseded table (e.g. TT 09/2011) is shown labelled as such, never as current law.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    rows: Mapped[list[RetentionRow]] = relationship(back_populates="schedule", order_by="RetentionRow.id")


class RetentionRow(Base):
    """A row of a retention table: permanent, N years, or conditional (an event, plus N years where given)."""

    __tablename__ = "retention_rows"
    __table_args__ = (UniqueConstraint("schedule_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("retention_schedules.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    group_title: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(Text)
    permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    period_years: Mapped[int | None] = mapped_column(Integer)
    # The event a conditional period waits for, in the table's words ("5 năm sau khi chấm dứt Hợp đồng").
    condition: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(Text, default="")

    schedule: Mapped[RetentionSchedule] = relationship(back_populates="rows")


class HoldKind(str, enum.Enum):
    """Why records are frozen (PL6 IV.1.g)."""

    LEGAL = "legal"
    AUDIT = "audit"
    INSPECTION = "inspection"
    DISPUTE = "dispute"


class Hold(Base):
    """A freeze on a dossier: blocks destruction, transfer and file removal until released."""

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[HoldKind] = mapped_column(enum_column(HoldKind, "hold_kind"))
    reason: Mapped[str] = mapped_column(String(500))
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    release_reason: Mapped[str] = mapped_column(String(500), default="")
