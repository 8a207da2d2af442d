"""Transfers: batches of dossiers handed to the agency archive ("mục lục hồ sơ nộp lưu")."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Dossier, StoredFile
from erms.models.org import Unit
from erms.models.types import UTCDateTime, enum_column


class TransferState(str, enum.Enum):
    OPEN = "open"  # the archivist still has items to decide
    COMPLETED = "completed"  # every item accepted or rejected


class ItemOutcome(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Transfer(Base):
    """A unit's submission of closed dossiers to the agency archive, checked item by item."""

    __tablename__ = "transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[TransferState] = mapped_column(enum_column(TransferState, "transfer_state"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The joint check once every dossier is decided: the registry ("văn thư") and the archivist each sign.
    registry_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registry_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archive_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    archive_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The biên bản giao nhận hồ sơ, tài liệu, stored at the second signature.
    record_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    unit: Mapped[Unit] = relationship()
    record_file: Mapped[StoredFile | None] = relationship()
    items: Mapped[list[TransferItem]] = relationship(back_populates="transfer", order_by="TransferItem.id")


# A dossier may wait in at most one transfer at a time: enforced by the database, not only by code.
_PENDING_ONLY = text("outcome = 'pending'")


class TransferItem(Base):
    """One dossier in a transfer and the archivist's decision on it."""

    __tablename__ = "transfer_items"
    __table_args__ = (
        UniqueConstraint("transfer_id", "dossier_id"),
        Index(
            "uq_transfer_items_pending_dossier",
            "dossier_id",
            unique=True,
            sqlite_where=_PENDING_ONLY,
            postgresql_where=_PENDING_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    outcome: Mapped[ItemOutcome] = mapped_column(enum_column(ItemOutcome, "item_outcome"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    transfer: Mapped[Transfer] = relationship(back_populates="items")
    dossier: Mapped[Dossier] = relationship()
