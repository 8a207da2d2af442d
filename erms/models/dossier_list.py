"""The yearly dossier list ("Danh mục hồ sơ", DMHS), its headings ("đề mục") and entries."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.org import Organisation, Unit, User
from erms.models.retention import RetentionRow
from erms.models.types import UTCDateTime, enum_column


class DossierListState(str, enum.Enum):
    DRAFT = "draft"  # prepared by the registry ("dự thảo"); also where a returned list comes back to
    SUBMITTED = "submitted"  # sent to the head for approval ("trình duyệt"); read-only while it waits
    APPROVED = "approved"  # approved and issued by the head (NĐ 30 Điều 28); read-only


class DossierList(Base):
    """The list of dossiers an organisation plans to form in one year."""

    __tablename__ = "dossier_lists"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[DossierListState] = mapped_column(
        enum_column(DossierListState, "dossier_list_state"), default=DossierListState.DRAFT
    )
    # The head's decision issuing the list ("Kèm theo Quyết định số … ngày …").
    decision_ref: Mapped[str] = mapped_column(String(100), default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The head's comments when returning the list; shown to the registry until it is sent again.
    return_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    headings: Mapped[list[ClassificationHeading]] = relationship(
        back_populates="dossier_list", order_by="ClassificationHeading.sort_order"
    )
    entries: Mapped[list[DossierListEntry]] = relationship(
        back_populates="dossier_list", order_by="DossierListEntry.number"
    )


class ClassificationHeading(Base):
    """A heading of the list: top level numbered I, II … with an abbreviation; sub-headings 1, 2 …"""

    __tablename__ = "classification_headings"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_list_id: Mapped[int] = mapped_column(ForeignKey("dossier_lists.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("classification_headings.id"))
    label: Mapped[str] = mapped_column(String(10))
    abbreviation: Mapped[str] = mapped_column(String(10), default="")
    title: Mapped[str] = mapped_column(String(300))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    dossier_list: Mapped[DossierList] = relationship(back_populates="headings")


class DossierListEntry(Base):
    """A planned dossier: number and notation, title, retention, responsible unit and person."""

    __tablename__ = "dossier_list_entries"
    __table_args__ = (UniqueConstraint("dossier_list_id", "file_notation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Raised by every change: a form that showed an earlier one cannot save over it (PL6 IV.2).
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": revision}
    dossier_list_id: Mapped[int] = mapped_column(ForeignKey("dossier_lists.id"), index=True)
    heading_id: Mapped[int | None] = mapped_column(ForeignKey("classification_headings.id"))
    number: Mapped[int] = mapped_column(Integer)
    # "Số và ký hiệu hồ sơ" (FileNotation, String 20), e.g. "01.TCCB".
    file_notation: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    retention_row_id: Mapped[int | None] = mapped_column(ForeignKey("retention_rows.id"))
    retention_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    retention_years: Mapped[int | None] = mapped_column(Integer)
    retention_condition: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    # "Hồ sơ phát sinh": added by an officer outside the approved list; the unit head reviews it.
    ad_hoc: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    dossier_list: Mapped[DossierList] = relationship(back_populates="entries")
    heading: Mapped[ClassificationHeading | None] = relationship()
    retention_row: Mapped[RetentionRow | None] = relationship()
    unit: Mapped[Unit] = relationship()
    responsible_user: Mapped[User | None] = relationship(foreign_keys=[responsible_user_id])
