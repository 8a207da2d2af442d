"""Requests to use the archive's records ("phiếu yêu cầu khai thác, sử dụng tài liệu lưu trữ", issue 28).

A staff member asks for archived dossiers with a purpose, or the registry records the request of a citizen who came to
the reading room; the head approves or refuses with a reason. Approved, each dossier is read by the requester until
the last day (a share of the dossier with that person, decided through ``erms.permissions`` like any other): its
files online, its paper lent against a slip and returned by the same day.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.access import AccessChange
from erms.models.dossier import Dossier
from erms.models.org import User
from erms.models.types import UTCDateTime, enum_column


class UseRequestState(str, enum.Enum):
    REQUESTED = "requested"  # waiting for the head ("chờ duyệt")
    APPROVED = "approved"  # served: read online until its last day, paper lent until returned ("đã duyệt")
    REFUSED = "refused"  # refused with the reason ("không duyệt")


class UseRequest(Base):
    """One request slip: who asks, for what purpose, for which dossiers, and the head's decision."""

    __tablename__ = "use_requests"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", "number"),
        Index("ix_use_requests_organisation_state", "organisation_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)  # numbered from 1 each year: "Phiếu số 12/2026"
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[UseRequestState] = mapped_column(enum_column(UseRequestState, "use_request_state"))
    # A staff member asking for themselves; None when the registry records a citizen's request (reader_* below).
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reader_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    reader_identity: Mapped[str] = mapped_column(String(30), default="", server_default="")  # CCCD, passport
    reader_address: Mapped[str] = mapped_column(String(300), default="", server_default="")  # or their agency
    purpose: Mapped[str] = mapped_column(String(500))  # "Mục đích khai thác"
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[date | None] = mapped_column(Date)  # the last day of reading and of the loan, set on approval
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[UseRequestItem]] = relationship(back_populates="request", order_by="UseRequestItem.id")

    @property
    def reference(self) -> str:
        return f"{self.number}/{self.year}"


class UseRequestItem(Base):
    """One dossier of a request: shared until the last day (``share_id``), its files read online, its paper lent."""

    __tablename__ = "use_request_items"
    __table_args__ = (UniqueConstraint("request_id", "dossier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("use_requests.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    online: Mapped[bool] = mapped_column(Boolean)  # its files are read in the system
    paper: Mapped[bool] = mapped_column(Boolean)  # its paper is lent
    # Left out by the head's approval of the rest (the request's note says why): neither shared nor lent.
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    share_id: Mapped[int | None] = mapped_column(ForeignKey("access_changes.id"))  # the share approval made
    lent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[UseRequest] = relationship(back_populates="items")
    dossier: Mapped[Dossier] = relationship()
    share: Mapped[AccessChange | None] = relationship()
