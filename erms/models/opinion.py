"""Opinions given on a document while it is handled ("ý kiến xử lý văn bản", NĐ 30 PL6 III.5.a; TT 02/2019 field 17
of an incoming document): directions, comments, approvals of content and of form, a draft sent back (PL6 III.1.n).

Append-only: an opinion is never edited or deleted, a correction is a new one. Who gives which kind is decided in
``erms.permissions`` (``may_give_opinion``); the rules of giving one are ``filing.opinions``'.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Document
from erms.models.org import User
from erms.models.types import UTCDateTime, enum_column


class OpinionKind(str, enum.Enum):
    DIRECTION = "direction"  # "Ý kiến chỉ đạo"
    COMMENT = "comment"  # "Ý kiến góp ý"
    CONTENT_APPROVAL = "content_approval"  # "Phê duyệt nội dung"
    FORM_APPROVAL = "form_approval"  # "Phê duyệt thể thức"
    SENT_BACK = "sent_back"  # "Chuyển lại dự thảo" (the text is the reason)


class DocumentOpinion(Base):
    """One opinion on a document: its kind, its text, who gave it and when, and the draft version it was about."""

    __tablename__ = "document_opinions"
    __table_args__ = (Index("ix_document_opinions_document_given", "document_id", "given_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[OpinionKind] = mapped_column(enum_column(OpinionKind, "opinion_kind"))
    text: Mapped[str] = mapped_column(String(2000))
    # The number of the document's latest version when the opinion was given (None: it had no file): a draft sent
    # back stays so until a later version is added.
    version: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())

    document: Mapped[Document] = relationship()
    author: Mapped[User] = relationship()
