"""Hand-over to the historical archive ("giao nộp vào Lưu trữ lịch sử"): batches, packages, receipts.

A batch records exactly which permanent dossiers an organisation hands over for one year; a dossier
is in at most one batch that is still waiting for its receipt or was received with it (the database
enforces it). A dossier the receipt left out keeps its item, marked NOT_RECEIVED, as the record of that
hand-over, and may go into a later batch. A package is one built BagIt bag — of a batch,
or of a single closed dossier for an auditor — with its validation report. A receipt is the
historical archive's signed-off list of what it received.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Dossier
from erms.models.org import Organisation
from erms.models.types import UTCDateTime, enum_column


class BatchState(str, enum.Enum):
    DRAFT = "draft"  # dossiers chosen, no valid package yet
    PACKAGED = "packaged"  # a package passed every check and may be sent
    RECEIVED = "received"  # the historical archive's receipt was imported
    DISCARDED = "discarded"  # given up before any valid package (chosen wrongly): its items gone, dossiers free


class HandoverOutcome(str, enum.Enum):
    """What became of one dossier of a batch: an item's outcome, not a state of the dossier."""

    PENDING = "pending"  # the batch's receipt is not imported yet
    RECEIVED = "received"  # on the receipt: the dossier was TRANSFERRED
    NOT_RECEIVED = "not_received"  # not on the receipt: the dossier stays ARCHIVED, free for a later batch


class PackageState(str, enum.Enum):
    READY = "ready"  # built and valid: offered for download
    FAILED = "failed"  # built but a check failed: never offered


class HandoverBatch(Base):
    """The dossiers of one organisation handed over for one year, numbered ``seq`` within that year."""

    __tablename__ = "handover_batches"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[BatchState] = mapped_column(enum_column(BatchState, "handover_batch_state"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the console
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    discard_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    organisation: Mapped[Organisation] = relationship()
    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="batch", order_by="HandoverItem.id", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        """Return the bag name ``<fonds-code>_<year>_<seq>`` (docs/design.md, the hand-over package)."""
        return f"{self.organisation.code}_{self.year}_{self.seq}"

    @property
    def not_received(self) -> list[HandoverItem]:
        """Return the items the archive's receipt did not list: their dossiers went back to the pool."""
        return [item for item in self.items if item.outcome is HandoverOutcome.NOT_RECEIVED]


# Only an item the receipt left out lets its dossier go into another batch; any other item holds it, so
# no dossier waits in two batches or is handed over twice: enforced by the database, not only by code.
_HOLDS_ITS_DOSSIER = text("outcome <> 'not_received'")


class HandoverItem(Base):
    """One dossier of a batch and what the archive's receipt said of it."""

    __tablename__ = "handover_items"
    __table_args__ = (
        Index(
            "uq_handover_items_held_dossier",
            "dossier_id",
            unique=True,
            sqlite_where=_HOLDS_ITS_DOSSIER,
            postgresql_where=_HOLDS_ITS_DOSSIER,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("handover_batches.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    outcome: Mapped[HandoverOutcome] = mapped_column(
        enum_column(HandoverOutcome, "handover_outcome"), default=HandoverOutcome.PENDING
    )

    batch: Mapped[HandoverBatch] = relationship(back_populates="items")
    dossier: Mapped[Dossier] = relationship()


class Package(Base):
    """A built bag: where it is, its Payload-Oxum and manifest digest, and the validation report."""

    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("handover_batches.id"), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[PackageState] = mapped_column(enum_column(PackageState, "package_state"))
    path: Mapped[str] = mapped_column(String(1000))
    payload_oxum: Mapped[str] = mapped_column(String(40))
    # sha256 of manifest-sha256.txt: one value that pins every payload file.
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    audit_head: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    report: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of checks
    built_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the console
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())

    batch: Mapped[HandoverBatch | None] = relationship()


class HandoverReceipt(Base):
    """The historical archive's receipt of a batch: its reference and the file it came in."""

    __tablename__ = "handover_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("handover_batches.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(100))
    received_on: Mapped[str] = mapped_column(String(10))  # ISO date written on the receipt
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the console
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
