"""Paper in the holdings (issue 28 with issue 25's holdings): the paper and hybrid dossiers in custody per repository,
the boxes they fill counted once each, the shelf metres those make, and the paper not boxed yet on a line of its own;
the reader's unit and the year narrow it like every holdings figure."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from erms.models import Dossier
from erms.models.dossier import Medium
from erms.models.storage import DossierPlacement, Repository, StorageBox
from erms.web.reports import report_cell
from reports import paper, service
from reports.figures import Cell, Column
from tests.factories import NOW
from tests.reports.dataset import grid


def holdings(agency, unit=None, year=None):
    world = agency.world
    return service.holdings_report(
        agency.session, world.actor("head"), world.org.id, unit, year, now=NOW, handover_years=5
    )


def yearly_report(agency) -> bytes:
    world = agency.world
    return service.yearly_report(
        agency.session, world.actor("head"), world.org.id, None, 2026, now=NOW, handover_years=5
    )


def pdf_text(printed: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages)


def shelve(agency) -> None:
    """D5 (archived, TCKH, 2026: 40 sheets) and D14 (archived, TCKH, 2024, hybrid: 12 sheets) in box 1 of K1; D9
    (closed, VP, 2024: 7 sheets) paper not boxed yet; D12 paper but destroyed; K2 empty."""
    session, world, dossiers = agency.session, agency.world, agency.dossiers
    archivist = world.users["archivist"].id
    k1, k2 = (
        Repository(organisation_id=world.org.id, code=code, name=name, created_at=NOW)
        for code, name in (("K1", "Kho tầng 1"), ("K2", "Kho tầng 2"))
    )
    session.add_all([k1, k2])
    session.flush()
    box = StorageBox(
        organisation_id=world.org.id, repository_id=k1.id, number=1, shelf_unit="2", created_by_id=archivist,
        created_at=NOW,
    )  # fmt: skip
    session.add(box)
    session.flush()
    for number, (name, medium, sheets) in enumerate(
        (("D5", Medium.PAPER, 40), ("D14", Medium.HYBRID, 12), ("D9", Medium.PAPER, 7), ("D12", Medium.PAPER, 3))
    ):
        dossier: Dossier = dossiers[name]
        dossier.medium, dossier.sheet_total = medium, sheets
        if name in ("D5", "D14"):
            session.add(
                DossierPlacement(
                    dossier_id=dossier.id, box_id=box.id, file_number=number + 1, placed_by_id=archivist, placed_at=NOW
                )
            )
    session.flush()


def test_paper_is_counted_per_repository_with_its_boxes_and_shelf_metres(agency):
    session = agency.session
    with session.begin_nested() as savepoint:
        shelve(agency)
        table = holdings(agency).table("paper")
        assert [column.key for column in table.columns] == [
            "code",
            "repository",
            "boxes",
            "metres",
            "dossiers",
            "sheets",
        ]
        assert grid(table) == [
            ["K1", "Kho tầng 1", 1, 0.1, 2, 52],
            ["K2", "Kho tầng 2", 0, 0.0, 0, 0],
            ["", "Not in a box yet", 0, 0.0, 1, 7],
            ["", "Total", 1, 0.1, 3, 59],
        ]
        # Only the reader's unit, or the year's dossiers: the box counts while it holds one of them.
        vp = agency.world.unit_a.id
        assert grid(holdings(agency, unit=vp).table("paper"))[2:] == [
            ["", "Not in a box yet", 0, 0.0, 1, 7],
            ["", "Total", 0, 0.0, 1, 7],
        ]
        assert grid(holdings(agency, year=2026).table("paper")) == [
            ["K1", "Kho tầng 1", 1, 0.1, 1, 40],
            ["K2", "Kho tầng 2", 0, 0.0, 0, 0],
            ["", "Total", 1, 0.1, 1, 40],
        ]
        book = load_workbook(io.BytesIO(service.export(holdings(agency), "xlsx", str)), read_only=True)
        rows = list(book["Paper in the repositories"].values)
        assert rows[1] == ("K1", "Kho tầng 1", 1, 0.1, 2, 52)  # numbers a spreadsheet adds up
        yearly = " ".join(pdf_text(yearly_report(agency)).split())
        assert "Tài liệu giấy đang bảo quản tính đến ngày" in yearly
        assert "Kho Số hộp Quy ra mét giá Hồ sơ giấy Số tờ Kho tầng 1 1 0,1 2 52 Kho tầng 2 0 0,0 0 0" in yearly
        assert "Chưa xếp hộp 0 0,0 1 7 Tổng số 1 0,1 3 59" in yearly
        savepoint.rollback()
    # Without paper the yearly report prints no paper table.
    assert "Tài liệu giấy đang bảo quản" not in pdf_text(yearly_report(agency))


def test_shelf_metres_are_shown_with_a_decimal_comma():
    metres = Column("metres", "Shelf metres", paper.METRES)
    assert report_cell(Cell(0.1), metres)["text"] == "0,1"
    assert report_cell(Cell(1234.5), metres)["text"] == "1.234,5"
