"""Changes of access to a dossier or a document ("thay đổi quyền truy cập"): proposed, confirmed, in force.

A dossier is read by its unit and the organisation-wide readers (``erms.permissions``); a confirmed share adds a unit
or a person, until a date or for good; a confirmed restriction ("Hạn chế sử dụng", the TT 02/2019 Rights value) leaves
only the people named by shares, those who form it in its unit and the head. A document of a dossier may be restricted
on its own the same way. Nothing takes effect while proposed (NĐ 30 PL6 III.3.c).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Document, Dossier
from erms.models.org import Unit, User
from erms.models.types import UTCDateTime, enum_column


class AccessChangeKind(str, enum.Enum):
    SHARE_UNIT = "share_unit"  # another unit of the organisation reads the dossier
    SHARE_PERSON = "share_person"  # a named person of the organisation reads it
    RESTRICT = "restrict"  # only the named people, the creator and the head read it ("Hạn chế sử dụng")
    OPEN = "open"  # back to the unit's and the organisation's readers ("Công khai")
    END_SHARE = "end_share"  # a share in force ends before its date


class AccessChangeState(str, enum.Enum):
    PROPOSED = "proposed"  # shown as a warning; changes nothing yet
    CONFIRMED = "confirmed"  # in force (a share: until its date)
    REJECTED = "rejected"
    ENDED = "ended"  # a share ended early, or its date passed


class AccessChange(Base):
    """One proposed or decided change of who may read a dossier (and the documents it holds)."""

    __tablename__ = "access_changes"
    __table_args__ = (Index("ix_access_changes_dossier_state", "dossier_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    # A change of one document of the dossier (its own regime, people named on it); None: of the dossier.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[AccessChangeKind] = mapped_column(enum_column(AccessChangeKind, "access_change_kind"))
    state: Mapped[AccessChangeState] = mapped_column(enum_column(AccessChangeState, "access_change_state"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # SHARE_UNIT
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # SHARE_PERSON
    ends_share_id: Mapped[int | None] = mapped_column(ForeignKey("access_changes.id"))  # END_SHARE
    until: Mapped[date | None] = mapped_column(Date)  # a share's last day; None: until ended
    reason: Mapped[str] = mapped_column(String(500))
    # Proposed with others for every dossier a choice matched (filing.access_rules), decided together; None: alone.
    rule: Mapped[str | None] = mapped_column(String(40), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship()
    document: Mapped[Document | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
