"""Appraisal ("xác định giá trị") and destruction ("tiêu hủy") records, notifications and the scheduler lease.

These rows are what an archivist shows an inspector years later: why each dossier was kept or
destroyed, under which decision, and who took each step (docs/standards.md, product decision 7).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Dossier, StoredFile
from erms.models.org import User
from erms.models.types import UTCDateTime, enum_column


class AppraisalOutcome(str, enum.Enum):
    """What an appraisal decided for one dossier."""

    KEEP = "keep"  # kept longer, with a new period
    DESTROY = "destroy"  # proposed for destruction (a destruction list item)
    PERIOD_CHANGED = "period_changed"  # the period of a filed dossier re-determined outside appraisal


class AppraisalDecision(Base):
    """One decision on one dossier's retention, with the period before and after and the reason."""

    __tablename__ = "appraisal_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    outcome: Mapped[AppraisalOutcome] = mapped_column(enum_column(AppraisalOutcome, "appraisal_outcome"))
    reason: Mapped[str] = mapped_column(Text)
    previous_period: Mapped[str] = mapped_column(String(300))  # as printed: "10 năm", "Vĩnh viễn", a condition
    new_period: Mapped[str] = mapped_column(String(300), default="")
    destruction_list_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_lists.id"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship()
    decided_by: Mapped[User] = relationship()


class AppraisalWorkItem(Base):
    """A dossier that became due on a date and waits for the archivist's appraisal (made by the daily job)."""

    __tablename__ = "appraisal_work_items"
    __table_args__ = (UniqueConstraint("dossier_id", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    due_on: Mapped[date] = mapped_column(Date)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DestructionListState(str, enum.Enum):
    """The destruction chain (docs/standards.md decision 7); only an approved list can be executed."""

    PROPOSED = "proposed"  # archivist's list, council members give opinions
    APPRAISED = "appraised"  # the archival authority's appraisal ("thẩm định") recorded
    APPROVED = "approved"  # the head's decision recorded
    EXECUTING = "executing"  # execution started; resumable step by step
    EXECUTED = "executed"  # content removed, destruction record made
    # Stopped before the head's decision (the council disagreed, a dossier must be kept): nothing is destroyed, and
    # its dossiers may be proposed again.
    WITHDRAWN = "withdrawn"


class DestructionList(Base):
    """A list of records whose value has expired ("danh mục tài liệu hết giá trị") and its decisions."""

    __tablename__ = "destruction_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[DestructionListState] = mapped_column(enum_column(DestructionListState, "destruction_list_state"))
    title: Mapped[str] = mapped_column(String(500))
    explanation: Mapped[str] = mapped_column(Text)  # "bản thuyết minh tài liệu hết giá trị"
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    appraisal_number: Mapped[str] = mapped_column(String(50), default="")  # the authority's "văn bản thẩm định"
    appraisal_date: Mapped[date | None] = mapped_column(Date)
    appraisal_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    decision_number: Mapped[str] = mapped_column(String(50), default="")  # the head's "quyết định hủy"
    decision_date: Mapped[date | None] = mapped_column(Date)
    decision_signer: Mapped[str] = mapped_column(String(100), default="")
    decision_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    backups: Mapped[str] = mapped_column(Text, default="")  # the backup sets still holding the content, as JSON
    record_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))  # "biên bản hủy tài liệu"
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    items: Mapped[list[DestructionItem]] = relationship(
        back_populates="destruction_list", order_by="DestructionItem.id"
    )
    opinions: Mapped[list[CouncilOpinion]] = relationship(order_by="CouncilOpinion.id")
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    record_file: Mapped[StoredFile | None] = relationship(foreign_keys=[record_file_id])


class DestructionItem(Base):
    """A dossier on a destruction list, with the values the destruction record prints about it."""

    __tablename__ = "destruction_items"
    # A dossier is on one live list at a time: a second list naming it would be a second decision. A withdrawn list's
    # items stay as its record, and their dossiers may be proposed again.
    __table_args__ = (
        Index(
            "uq_destruction_items_live_dossier",
            "dossier_id",
            unique=True,
            sqlite_where=text("NOT withdrawn"),
            postgresql_where=text("NOT withdrawn"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    destruction_list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    documents: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)  # bytes of content at proposal time
    done: Mapped[bool] = mapped_column(Boolean, default=False)  # destroyed, or kept back by a hold
    held: Mapped[bool] = mapped_column(Boolean, default=False)  # a hold arrived during execution
    # Off the list: its list was withdrawn, or a hold kept the dossier when the list was executed (``held``).
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    destruction_list: Mapped[DestructionList] = relationship(back_populates="items")
    dossier: Mapped[Dossier] = relationship()


class DestroyedFile(Base):
    """A stored file whose bytes an execution removes: planned first, then deleted (a redo log)."""

    __tablename__ = "destroyed_files"
    __table_args__ = (UniqueConstraint("destruction_list_id", "file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    destruction_list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    kept: Mapped[bool] = mapped_column(Boolean, default=False)  # linked again from a living dossier meanwhile

    file: Mapped[StoredFile] = relationship()


class CouncilOpinion(Base):
    """A council member's opinion on a destruction list ("ý kiến thành viên Hội đồng")."""

    __tablename__ = "council_opinions"
    __table_args__ = (UniqueConstraint("destruction_list_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    destruction_list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agrees: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    member: Mapped[User] = relationship()


class Notification(Base):
    """An in-app message to one user; ``template`` is an English msgid, ``params`` its JSON values."""

    __tablename__ = "notifications"
    # One notice per user, kind and key (a date, a year): a job run twice does not notify twice.
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(300))
    params: Mapped[str] = mapped_column(Text, default="{}")
    # The record the notice is about ("dossier", "dossier_list", ...), for its link; none for a count.
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the user's notices page first showed it: the header counts the notices not seen yet.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the worker sent it by e-mail (erms.mail); never set for a person without an address.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SchedulerLease(Base):
    """The database lease electing the one scheduler process of a deployment."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class JobRun(Base):
    """A job's run for one period ("2026-06-15", "2026"): the unique key makes each run happen once."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    holder: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
