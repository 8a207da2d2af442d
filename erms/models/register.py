"""Registers of incoming and outgoing documents ("sổ đăng ký văn bản đến/đi") and their number series.

A registered document is an ordinary ``Document`` (one row, its file stored once); the register
entry gives it its number in the register's yearly series. Dossiers link the same document by
reference (NĐ 30/2020 Phụ lục VI III.4.e), never by copying it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Document
from erms.models.org import Unit, User
from erms.models.types import UTCDateTime, enum_column


class RegisterKind(str, enum.Enum):
    """Which register: "sổ đăng ký văn bản đến" or "sổ đăng ký văn bản đi"."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"


class RegisterSeries(str, enum.Enum):
    """Classified documents get their own number series (NĐ 30/2020 Điều 15 k.2)."""

    REGULAR = "regular"
    CLASSIFIED = "classified"


class RegisterCounter(Base):
    """The last number given in one yearly series; the row is locked while the next one is taken."""

    __tablename__ = "register_counters"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "year", "series"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[RegisterKind] = mapped_column(enum_column(RegisterKind, "register_kind"))
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[RegisterSeries] = mapped_column(enum_column(RegisterSeries, "register_series"))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class RegisterEntry(Base):
    """One line of a register: the number given, the document, who registered it and when."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "year", "series", "number"),
        # The flow report reads one organisation's entries of a period by their registration time, the compliance
        # report those of a year: each walks its own index instead of every entry of the organisation.
        Index("ix_register_entries_org_registered_at", "organisation_id", "registered_at"),
        Index("ix_register_entries_org_year", "organisation_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Raised by every change: of two people changing the line at once, the second is refused (PL6 IV.2).
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": revision}
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[RegisterKind] = mapped_column(enum_column(RegisterKind, "register_kind"))
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[RegisterSeries] = mapped_column(enum_column(RegisterSeries, "register_series"))
    number: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    # "Mã định danh văn bản" (DocCode) given by the issuer; the first key of the duplicate warning.
    document_code: Mapped[str] = mapped_column(String(25), default="", index=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the registry confirmed registering a document that looked like an earlier one (PL6 III.1.h).
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("register_entries.id"))
    # The day the document was handled ("ngày giải quyết"), as the registry records it, and by whom.
    handled_on: Mapped[date | None] = mapped_column(Date)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The unit an incoming document was sent to for handling ("phân phối văn bản đến", PL6 III.1.m), and when.
    assigned_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The person of that unit it was sent to, when the registry named one.
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    assigned_unit: Mapped[Unit | None] = relationship()
    assigned_user: Mapped[User | None] = relationship(foreign_keys=[assigned_user_id])
