"""Where the archive keeps paper ("kho lưu trữ"): repositories, the boxes on their shelves, and each paper dossier's
place in a box (issue 28).

An archivist finds a paper dossier as the archive shelves it: repository (kho) → shelf unit (giá) → shelf (khoang,
ngăn) → box (hộp) → file number in the box. As in Alfresco Governance Services' physical records, the place of the
shelf is the box's, not the dossier's: a dossier names only its box and its number there, so moving a box is one
change of one row and every dossier in it is where the box is. The storage unit ("đơn vị bảo quản") is the dossier
itself (NĐ 30/2020 Phụ lục V: "Tổng số hồ sơ (đơn vị bảo quản)"); boxes are counted apart ("Tổng số hộp (cặp)").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from erms.db import Base
from erms.models.dossier import Dossier
from erms.models.types import UTCDateTime

# Archives count paper in metres of shelf ("mét giá"): one metre holds ten standard boxes, 10 cm thick each.
BOXES_PER_METRE = 10


class Repository(Base):
    """A repository of the agency archive ("kho lưu trữ"): a room or a building with shelves."""

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(20))  # the short name printed on labels and lists ("K1")
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    boxes: Mapped[list[StorageBox]] = relationship(back_populates="repository", order_by="StorageBox.number")


class StorageBox(Base):
    """A box ("hộp", or a folder "cặp") on a shelf of a repository, numbered once per organisation (fonds)."""

    __tablename__ = "storage_boxes"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Two archivists moving one box at once: the second save fails instead of overwriting the first.
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    __mapper_args__ = {"version_id_col": revision}
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    repository_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # "Hộp số"
    shelf_unit: Mapped[str] = mapped_column(String(30))  # "giá"
    shelf: Mapped[str] = mapped_column(String(30), default="", server_default="")  # "khoang" / "ngăn"
    # What the label says the box holds beyond the dossier numbers ("Hồ sơ tổ chức cán bộ"); may be empty.
    label: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    repository: Mapped[Repository] = relationship(back_populates="boxes")
    placements: Mapped[list[DossierPlacement]] = relationship(
        back_populates="box", order_by="DossierPlacement.file_number"
    )


class DossierPlacement(Base):
    """A paper or hybrid dossier's place: its box and its file number there (one place per dossier)."""

    __tablename__ = "dossier_placements"
    __table_args__ = (UniqueConstraint("box_id", "file_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), unique=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("storage_boxes.id"), index=True)
    file_number: Mapped[int] = mapped_column(Integer)  # the dossier's number within the box
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    dossier: Mapped[Dossier] = relationship()
    box: Mapped[StorageBox] = relationship(back_populates="placements")
