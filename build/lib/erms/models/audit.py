"""The append-only audit log. Only ``erms.audit`` inserts here; nothing updates or deletes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class AuditEvent(Base):
    """Who did what to which object, when; ``hash`` covers the fields and the previous event's hash."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    before_state: Mapped[str] = mapped_column(String(24), default="")
    after_state: Mapped[str] = mapped_column(String(24), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    # Unique: two writers can never both extend the chain from the same event (no silent fork).
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
