"""The directory of organisations that receive documents ("danh bạ mã định danh cơ quan, tổ chức") and the receiving
organisations of each outgoing document with their codes (NĐ 30/2020 Phụ lục VI III.1.g, TT 02/2019 field 13.1
OrganId beside 13.2 OrganName).

The document keeps its recipients as typed (``Document.recipients``); ``DocumentRecipient`` holds them one row per
recipient in order, each with the code the system found for it when the document was saved, so a later correction
of the directory never changes what a document was sent to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class RecipientOrganisation(Base):
    """An organisation documents are sent to, kept by the deployment's administrator; the deployment's own
    organisations count as entries without one. Withdrawn (``active`` false), it is no longer offered nor found for
    new documents; it is never deleted, as documents keep its code."""

    __tablename__ = "recipient_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)  # OrganId, as Organisation.code
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentRecipient(Base):
    """One receiving organisation of an outgoing document, in the order typed, with its code ("" when no entry of the
    directory names it)."""

    __tablename__ = "document_recipients"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(13), default="", server_default="")
