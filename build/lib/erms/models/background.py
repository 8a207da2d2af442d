"""Background jobs: long work asked for on a page and done by the worker process, durably.

A row is the job: queued by a web request, claimed by the worker (``erms jobs run-scheduler``),
its heartbeat and progress written as it runs, so a page can show how far it is and a job whose
worker was killed is taken up again once its heartbeat is stale.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime, enum_column


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BackgroundJob(Base):
    """One piece of long work: what (kind and payload), for whom, and how far it is."""

    __tablename__ = "background_jobs"
    __table_args__ = (Index("ix_background_jobs_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What the job works on ("destruction_list:12"): one active job per subject.
    subject: Mapped[str] = mapped_column(String(60), index=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state"))
    progress: Mapped[str] = mapped_column(Text, default="")  # a line of words, or the kind's own JSON
    error: Mapped[str] = mapped_column(Text, default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # None: asked for by an operator on the command line (``erms search rebuild``).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str] = mapped_column(String(100), default="")
