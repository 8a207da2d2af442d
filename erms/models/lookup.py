"""The values an organisation offers in its forms ("danh mục dùng chung"): document types, issuers, headings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime, enum_column


class LookupKind(str, enum.Enum):
    """Which form field a value is offered in."""

    DOCUMENT_TYPE = "document_type"  # "Tên loại văn bản" (NĐ 30 Phụ lục III)
    ISSUER = "issuer"  # "Tên cơ quan, tổ chức ban hành văn bản"
    HEADING = "heading"  # "Đề mục" of the dossier list (Phụ lục V)


class LookupValue(Base):
    """One value offered to the people of an organisation; withdrawn values stay, unoffered (records cite them)."""

    __tablename__ = "lookup_values"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[LookupKind] = mapped_column(enum_column(LookupKind, "lookup_kind"))
    value: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
