"""Supplementary metadata ("dữ liệu đặc tả bổ sung", NĐ 30 Phụ lục VI III.7.c): the fields an organisation adds to
its dossiers' and documents' metadata beyond TT 02/2019's, defined by its administrator.

The values themselves live on the record (``Dossier.supplementary``, ``Document.supplementary``, canonical JSON keyed
by the field's ``name``), so a change raises the record's revision and the link between a record and every element of
its metadata stays in one row (PL6 III.7.đ).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from erms.db import Base
from erms.models.types import UTCDateTime, enum_column


class RecordKind(str, enum.Enum):
    """Which records a supplementary field is filled on."""

    DOSSIER = "dossier"  # "hồ sơ"
    DOCUMENT = "document"  # "văn bản"


class FieldType(str, enum.Enum):
    """What a supplementary field holds; named as CITS ERMS ``ownElement/@dataType`` names it in the package."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"  # one of the field's ``choices``


class SupplementaryField(Base):
    """One field an organisation adds to its dossiers' or documents' metadata.

    ``name`` is what the API, the package and the stored values call it: fixed once made, so values never lose their
    field. A field withdrawn stays (records made earlier carry its values, still shown and exported), no longer
    offered in forms. ``required`` fields must be filled before a dossier closes.
    """

    __tablename__ = "supplementary_fields"
    __table_args__ = (UniqueConstraint("organisation_id", "applies_to", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    applies_to: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, "supplementary_record_kind"))
    name: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    data_type: Mapped[FieldType] = mapped_column(enum_column(FieldType, "supplementary_field_type"))
    choices: Mapped[str] = mapped_column(Text, default="", server_default="")  # one per line, for CHOICE
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def choice_list(self) -> list[str]:
        return [line for line in self.choices.splitlines() if line.strip()]
