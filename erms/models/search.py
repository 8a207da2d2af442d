"""Saved searches ("lưu và sử dụng lại yêu cầu tìm kiếm", NĐ 30/2020 Phụ lục VI III.6.e) and the queue of
records waiting for the search index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime


class SavedSearch(Base):
    """A user's named query: the search form's fields and chosen result columns, as a URL query string."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query_string: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SearchQueueItem(Base):
    """A record whose index document is out of date ("dossier:12", "document:34"; "dossier!12": and all
    its documents; "file!56": the documents whose versions use that stored file, whose signature verdict
    changed), queued in the transaction that changed it and removed once the worker has indexed it.

    Written with the change itself, so a crash between the commit and the indexing loses nothing; only
    the worker process writes the index (one writer per deployment), web processes only read it.
    """

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
