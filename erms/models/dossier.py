"""Dossiers ("hồ sơ"), documents ("văn bản") with their versions, and stored files.

Field names follow NĐ 30/2020 Phụ lục VI Phần II and TT 02/2019; the TT 02 tag is given beside
each column so the XML exports can be read against the standard.
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
from erms.models.dossier_list import DossierListEntry
from erms.models.org import Organisation, Unit, User
from erms.models.types import UTCDateTime, enum_column


class DossierState(str, enum.Enum):
    """Where a dossier is in its life; only ``erms.lifecycle`` changes it."""

    OPEN = "open"
    CLOSED = "closed"  # "kết thúc hồ sơ": index PDF made, read-only
    SUBMITTED = "submitted"  # "nộp lưu": waiting for the agency archive to check
    ARCHIVED = "archived"  # accepted into "Lưu trữ cơ quan"; retention clock running
    TRANSFERRED = "transferred"  # handed over to "Lưu trữ lịch sử"
    DESTROYED = "destroyed"  # "tiêu hủy" after an approved destruction list


class Medium(str, enum.Enum):
    """What a dossier or document is made of (issue 28): the files in the system, sheets on a shelf, or both."""

    ELECTRONIC = "electronic"  # "điện tử": the content is the files kept here
    PAPER = "paper"  # "giấy": the content is on paper in the archive's boxes; the system holds its description
    HYBRID = "hybrid"  # "hỗn hợp": part paper, part files


class StoredFile(Base):
    """Bytes in the content-addressed file store, with their digests computed at capture."""

    __tablename__ = "stored_files"
    __table_args__ = (
        Index(
            "ix_stored_files_signature_pending",
            "id",
            sqlite_where=text("signature_pending"),
            postgresql_where=text("signature_pending"),
        ),
        Index(
            "ix_stored_files_format_pending",
            "id",
            sqlite_where=text("puid IS NULL"),
            postgresql_where=text("puid IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sha512: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A PDF signature dictionary was seen in the bytes at capture (CITS ERMS eSignature on export).
    has_pdf_signature: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the fixity audit last re-read the bytes (None: never since capture); the oldest are checked first.
    fixity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Signed, and not yet checked against the roots installed now (filing.signature_checks): set at capture and for
    # every signed file when the roots change, cleared by the worker's check; a partial index finds the few at once.
    signature_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The format PRONOM names for the bytes (filing.formats, by the worker after capture): None until identified,
    # "" when nothing matched; a match on the name only ("extension") is not an identification the archive relies on.
    puid: Mapped[str | None] = mapped_column(String(30))
    format_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    format_basis: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # What the file's first page states of its document (filing.recognised) and a PDF's page count, as canonical
    # JSON: read by the worker with the text it extracts for search, for a document whose fields are still empty;
    # None until read.
    recognised: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def of(cls, captured, media_type: str, created_at: datetime) -> StoredFile:
        """Return the row of bytes the file store has just captured (an ``erms.storage.Captured``)."""
        return cls(
            sha256=captured.sha256,
            sha512=captured.sha512,
            size=captured.size,
            media_type=media_type,
            created_at=created_at,
            has_pdf_signature=captured.signed,
            signature_pending=captured.signed,
        )


class Dossier(Base):
    """A dossier opened from a dossier-list entry; TT 02/2019 dossier metadata plus its state."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("organisation_id", "file_code"),
        # The appraisal due list (retention.appraisal.due_query) walks this index in due-date order.
        Index("ix_dossiers_org_state_due", "organisation_id", "state", "appraisal_due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PL6 IV.2: every change raises the revision; a form carries the one it showed, so a save over someone else's
    # is refused (and of two transactions changing the row at once, the second fails instead of overwriting).
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": revision}
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("dossier_list_entries.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[DossierState] = mapped_column(enum_column(DossierState, "dossier_state"), index=True)
    file_code: Mapped[str] = mapped_column(String(50))  # FileCode = OrganId.FileCatalog.FileNotation
    year: Mapped[int] = mapped_column(Integer)  # FileCatalog
    file_notation: Mapped[str] = mapped_column(String(20))  # FileNotation
    title: Mapped[str] = mapped_column(String(500))  # Title
    retention_permanent: Mapped[bool] = mapped_column(Boolean, default=False)  # Maintenance
    retention_years: Mapped[int | None] = mapped_column(Integer)
    retention_condition: Mapped[str] = mapped_column(String(300), default="")
    rights: Mapped[str] = mapped_column(String(30))  # Rights ("Chế độ sử dụng")
    language: Mapped[str] = mapped_column(String(50))  # Language
    start_date: Mapped[date] = mapped_column(Date)  # StartDate
    end_date: Mapped[date | None] = mapped_column(Date)  # EndDate
    page_total: Mapped[int | None] = mapped_column(Integer)  # PageTotal
    # Paper and hybrid dossiers (issue 28): the medium, and the sheets numbered when closed (NĐ 30 Điều 29 k.4).
    medium: Mapped[Medium] = mapped_column(
        enum_column(Medium, "dossier_medium"), default=Medium.ELECTRONIC, server_default=Medium.ELECTRONIC.value
    )
    sheet_total: Mapped[int | None] = mapped_column(Integer)  # SheetTotal ("Số lượng tờ")
    description: Mapped[str] = mapped_column(String(500), default="")  # Description
    keyword: Mapped[str] = mapped_column(String(100), default="")  # Keyword
    # Supplementary metadata (PL6 III.7.c): canonical JSON {field name: value}, fields of erms.models.supplementary.
    supplementary: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    schema_id: Mapped[str] = mapped_column(String(100))  # JSON Schema the metadata was validated against
    index_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))  # "Mục lục văn bản" PDF
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 1 January of close-year + N + 1 (docs/standards.md decision 2); NULL while open, permanent or conditional.
    appraisal_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The event a conditional period waits for ("contract ended on …"), once recorded.
    retention_event_on: Mapped[date | None] = mapped_column(Date)
    # A capital-construction dossier ("hồ sơ xây dựng cơ bản"): the day the works were settled ("quyết toán"); it is
    # due at the agency archive three months later (NĐ 30/2020 Điều 30 k.2a) instead of a year after the work.
    settled_on: Mapped[date | None] = mapped_column(Date)
    # The extent ("số lượng") measured when the dossier closed, kept through every later state: its documents (one per
    # link: a document filed in two dossiers counts in each), their pages and the bytes of every version's file.
    # A closed dossier's documents no longer change (drafts block closing, a final document gets no new version, a
    # document also in a closed dossier cannot be edited), so the holdings report adds these up instead of joining
    # a million links to documents, versions and files. NULL while open: reopening clears them (erms.lifecycle).
    extent_documents: Mapped[int | None] = mapped_column(Integer)
    extent_pages: Mapped[int | None] = mapped_column(Integer)
    extent_bytes: Mapped[int | None] = mapped_column(BigInteger)

    organisation: Mapped[Organisation] = relationship()
    entry: Mapped[DossierListEntry] = relationship()
    unit: Mapped[Unit] = relationship()
    creator: Mapped[User] = relationship()
    index_file: Mapped[StoredFile | None] = relationship()
    links: Mapped[list[DossierDocument]] = relationship(
        back_populates="dossier", order_by="DossierDocument.ordinal", cascade="all, delete-orphan"
    )
    keep_backs: Mapped[list[KeepBack]] = relationship(viewonly=True, order_by="KeepBack.id")


class DocumentDirection(str, enum.Enum):
    INCOMING = "incoming"  # "văn bản đến"
    OUTGOING = "outgoing"  # "văn bản đi"
    INTERNAL = "internal"  # working papers, drafts, minutes


class DocumentStatus(str, enum.Enum):
    DRAFT = "draft"  # "dự thảo": versions kept, blocks closing
    FINAL = "final"


class Document(Base):
    """A document with its TT 02/2019 metadata; linked into one or more dossiers (PL6 III.4.e)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # As a dossier's: a save over someone else's change is refused.
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": revision}
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    direction: Mapped[DocumentDirection] = mapped_column(enum_column(DocumentDirection, "document_direction"))
    status: Mapped[DocumentStatus] = mapped_column(enum_column(DocumentStatus, "document_status"))
    type_name: Mapped[str] = mapped_column(String(100))  # TypeName
    code_number: Mapped[str] = mapped_column(String(11), default="")  # CodeNumber
    code_notation: Mapped[str] = mapped_column(String(30), default="")  # CodeNotation
    issued_date: Mapped[date] = mapped_column(Date)  # IssuedDate
    organ_name: Mapped[str] = mapped_column(String(200))  # OrganName
    subject: Mapped[str] = mapped_column(String(500))  # Subject ("Trích yếu nội dung")
    language: Mapped[str] = mapped_column(String(30))  # Language
    page_amount: Mapped[int | None] = mapped_column(Integer)  # PageAmount
    medium: Mapped[Medium] = mapped_column(
        enum_column(Medium, "document_medium"), default=Medium.ELECTRONIC, server_default=Medium.ELECTRONIC.value
    )
    # A scan of paper: the code of the paper dossier it was made from ("mã hồ sơ gốc giấy", TT 05/2025); "" otherwise.
    paper_original: Mapped[str] = mapped_column(String(50), default="", server_default="")
    description: Mapped[str] = mapped_column(String(500), default="")  # Description
    signer_position: Mapped[str] = mapped_column(String(100), default="")  # SignerInfo/Position
    signer_name: Mapped[str] = mapped_column(String(50), default="")  # SignerInfo/FullName
    urgency: Mapped[str] = mapped_column(String(20))  # Priority ("độ khẩn")
    marking: Mapped[str] = mapped_column(String(20))  # Priority ("độ mật")
    keyword: Mapped[str] = mapped_column(String(100), default="")  # Keyword
    # Mode ("Chế độ sử dụng"): "restricted" leaves the content to the people named, its units' formers and the
    # head (changed only by a confirmed change of access, filing.access).
    rights: Mapped[str] = mapped_column(String(30), default="public", server_default="public")
    due_date: Mapped[date | None] = mapped_column(Date)  # DueDate ("Hạn trả lời" / "Thời hạn giải quyết")
    arrival_date: Mapped[date | None] = mapped_column(Date)  # ArrivalDate (incoming)
    arrival_number: Mapped[str] = mapped_column(String(10), default="")  # ArrivalNumber (incoming)
    recipients: Mapped[str] = mapped_column(Text, default="")  # To (outgoing) / ToPlaces (incoming)
    supplementary: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # as the dossier's
    schema_id: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )


class DocumentVersion(Base):
    """One version of a document's content; drafts keep every version ("dự thảo lần 1, 2, 3")."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    document: Mapped[Document] = relationship(back_populates="versions")
    file: Mapped[StoredFile] = relationship()


class DossierDocument(Base):
    """A document filed in a dossier at a position ("DocOrdinal", numbered by the system)."""

    __tablename__ = "dossier_documents"
    __table_args__ = (
        UniqueConstraint("dossier_id", "document_id"),
        UniqueConstraint("dossier_id", "ordinal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship(back_populates="links")
    document: Mapped[Document] = relationship()


class KeepBackState(str, enum.Enum):
    REQUESTED = "requested"  # asked by the unit, waiting for the head
    APPROVED = "approved"  # the head consented: the dossier stays with its unit until ``until``
    REFUSED = "refused"


class KeepBack(Base):
    """A unit keeping a dossier due at the agency archive up to two more years ("giữ lại", NĐ 30 Điều 31 k.3d),
    with the written consent of the head; the approved ones form the "Danh mục hồ sơ, tài liệu giữ lại"."""

    __tablename__ = "keep_backs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    state: Mapped[KeepBackState] = mapped_column(enum_column(KeepBackState, "keep_back_state"))
    reason: Mapped[str] = mapped_column(String(500))
    until: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    dossier: Mapped[Dossier] = relationship()
