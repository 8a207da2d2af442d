"""Records taken in from outside (tiếp nhận): one run per mapping file or bag, and the dossiers it has made.

A run is resumable: it commits dossier by dossier, and the dossiers it has made are kept here under the key the
source gives them, so a run taken up again after an interruption skips what it already made instead of making it
twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class IntakeRun(Base):
    """One import of a legacy folder with its mapping file, or one ingest of a bag, into an organisation."""

    __tablename__ = "intake_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "legacy" or "bag"
    source: Mapped[str] = mapped_column(String(500))  # the folder and mapping file, or the bag's name
    # SHA-256 of the mapping file or of the bag's tag manifest: the same source takes up the same run again.
    digest: Mapped[str] = mapped_column(String(64), index=True)
    dossiers_total: Mapped[int] = mapped_column(Integer)
    documents_total: Mapped[int] = mapped_column(Integer)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: not finished (or interrupted)
    report: Mapped[str] = mapped_column(Text, default="")  # what could not be mapped, one line each


class IntakeDossier(Base):
    """A dossier a run has made, under the source's key for it (year and notation, or the bag's file code)."""

    __tablename__ = "intake_dossiers"
    __table_args__ = (UniqueConstraint("run_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("intake_runs.id"))
    key: Mapped[str] = mapped_column(String(100))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    documents: Mapped[int] = mapped_column(Integer)
