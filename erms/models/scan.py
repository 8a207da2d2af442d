"""Digitisation intake (số hóa, issue 27): the check of a file an officer uploaded as a scan of paper, with the
archivist's acceptance of what it found, and a document's request to be a certified copy (bản sao điện tử chứng
thực) with the decision the signature check gave it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import DocumentVersion
from erms.models.org import User
from erms.models.types import UTCDateTime

# CertifiedCopy.outcome: what the latest signature check of the file decided (filing.certified_copies decides it;
# exports.snapshot reads it into the package).
PENDING, CONFIRMED, REFUSED = "pending", "confirmed", "refused"


class ScanCheck(Base):
    """A version's file held to TT 02/2019's rules for a scan (filing.scans) when it was uploaded as one.

    ``problems`` is the JSON list of what the rules found ({"template", "params"}, translated when shown); "[]" when
    the scan meets them. A scan with problems is a warning until an archivist accepts it (``accepted_at``).
    """

    __tablename__ = "scan_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pdf_version: Mapped[str] = mapped_column(String(10), default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    lowest_dpi: Mapped[int | None] = mapped_column(Integer)  # None: no page holds a raster image
    colour_modes: Mapped[str] = mapped_column(String(60), default="")  # filing.scans modes, comma-separated
    problems: Mapped[str] = mapped_column(Text, default="[]")
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    version: Mapped[DocumentVersion] = relationship()
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])


class CertifiedCopy(Base):
    """A document asked to be a certified copy, and what the signature check of its file decided.

    ``outcome`` (not a workflow state: what the latest check of the file says, decided again by each check):
    "pending" until the worker has checked the file's signature against the roots installed now, then
    "confirmed" or "refused" (``reason`` a filing.certified_copies code, ``detail`` the verdict or the signers).
    """

    __tablename__ = "certified_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
