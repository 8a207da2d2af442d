"""Digital signatures (chữ ký số): the trust roots the administrator installs, and each check of a stored PDF's
signatures kept as evidence with the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class TrustRoot(Base):
    """A root certificate signatures are validated against (Ban Cơ yếu Chính phủ's, a public CA's); none ships."""

    __tablename__ = "trust_roots"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER certificate
    subject: Mapped[str] = mapped_column(String(500))
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    pem: Mapped[str] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: installed from the console
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignatureCheck(Base):
    """One validation of a stored PDF's signatures: when, against which roots, the verdict and every finding."""

    __tablename__ = "signature_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The worst of the signatures' statuses (filing.signatures.Status), or "not_checked" when it could not run.
    status: Mapped[str] = mapped_column(String(20), index=True)
    findings: Mapped[str] = mapped_column(Text)  # filing.signatures.to_json: signer, times, chain, revocation, reasons
    # One line for the exports (PREMIS eventOutcomeDetailNote): each signer with their signature's status.
    summary: Mapped[str] = mapped_column(String(2000), default="")
    roots: Mapped[str] = mapped_column(Text)  # the fingerprints trusted then, one per line: what "trusted" meant
