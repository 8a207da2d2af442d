"""Arrangement of a paper backlog (issue 28 part 3): an inventory of loose records arranged into dossiers becomes paper
dossiers of the agency archive, each in its box, every bad row named first; the catalogue prints them box by box."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from erms import intake_runner
from erms.errors import InvalidMetadata, NotFound, PermissionDenied
from erms.models import AuditEvent, Dossier, DossierPlacement, IntakeRun, StorageBox
from erms.models.dossier import DossierState, Medium
from exports.pdf import catalogue_pdf
from holdings import storage
from intake import arrangement

HEADER = ["Năm hồ sơ", "Số và ký hiệu hồ sơ", "Tiêu đề hồ sơ", "Đơn vị", "Thời hạn bảo quản", "Thời gian bắt đầu",
          "Thời gian kết thúc", "Số tờ", "Hộp số", "Hồ sơ số", "Giá", "Khoang/ngăn"]  # fmt: skip


def inventory(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def ten_dossiers() -> list[list[str]]:
    """Ten paper dossiers of 2019, five to a box: box 1 on shelf unit 2, box 2 on shelf unit 3."""
    return [
        [
            "2019",
            f"{n:02d}.CL",
            f"Tập văn bản về công tác dân số năm 2019, tập {n}",
            "VP",
            "Vĩnh viễn" if n == 1 else "10 năm",
            f"{n:02d}/03/2019",
            f"{n + 10:02d}/11/2019",
            str(10 + n),
            "1" if n <= 5 else "2",
            str((n - 1) % 5 + 1),
            "2" if n <= 5 else "3",
            "1",
        ]
        for n in range(1, 11)
    ]


@pytest.fixture
def repository(session, world, now):
    archivist = world.actor("archivist")
    return storage.create_repository(session, archivist, world.org.id, {"code": "K1", "name": "Kho tầng 1"}, now=now)


def plan_of(session, world, repository, rows, now, name="chinh-ly-2019.csv"):
    return arrangement.plan(
        session, world.actor("archivist"), world.org.id, repository.id, name, inventory(rows), now=now
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_ten_loose_dossiers_become_paper_dossiers_of_the_archive_in_two_boxes(
    session, session_factory, world, repository, store, now
):
    plan = plan_of(session, world, repository, ten_dossiers(), now)
    assert [(figures.year, figures.dossiers, figures.archived) for figures in plan.by_year()] == [(2019, 10, 10)]
    assert count(session, Dossier) == 0  # the plan writes nothing
    session.commit()
    outcome = intake_runner.take_in(session_factory, world.users["archivist"].id, plan, store=store, clock=lambda: now)
    assert (outcome.made, outcome.finished, outcome.report) == (10, True, ())
    made = session.scalars(select(Dossier).order_by(Dossier.file_notation)).all()
    assert {(d.state, d.medium) for d in made} == {(DossierState.ARCHIVED, Medium.PAPER)}
    first = made[0]
    assert (first.file_code, first.sheet_total, first.retention_permanent) == ("000.00.00.H26.2019.01.CL", 11, True)
    assert (made[1].retention_years, str(made[1].end_date)) == (10, "2019-11-12")
    boxes = {box.number: box for box in session.scalars(select(StorageBox))}
    assert {(number, box.shelf_unit, box.repository.code) for number, box in boxes.items()} == {
        (1, "2", "K1"),
        (2, "3", "K1"),
    }
    assert [(p.box.number, p.file_number) for p in boxes[2].placements] == [(2, n) for n in range(1, 6)]
    assert storage.placement_of(session, made[6].id).file_number == 2  # 07.CL: box 2, second
    placed = session.scalars(
        select(AuditEvent.subject_id).where(AuditEvent.action == "dossier.placed").order_by(AuditEvent.id)
    ).all()
    assert sorted(placed) == sorted(d.id for d in made)

    printed = arrangement.catalogue(session, world.actor("archivist"), outcome.run_id, now=now)
    assert [(row.box, row.file_number, row.notation) for row in printed.rows][:6] == [
        (1, 1, "01.CL"), (1, 2, "02.CL"), (1, 3, "03.CL"), (1, 4, "04.CL"), (1, 5, "05.CL"), (2, 1, "06.CL"),
    ]  # fmt: skip
    text = " ".join(
        "".join(page.extract_text() for page in PdfReader(io.BytesIO(catalogue_pdf.render(printed))).pages).split()
    )
    assert "MỤC LỤC HỒ SƠ" in text and "gồm 10 hồ sơ (đơn vị bảo quản) trong 2 hộp, 155 tờ" in text
    with pytest.raises(Exception, match="taken in already"):
        plan_of(session, world, repository, ten_dossiers(), now)  # the same inventory twice


def test_every_bad_row_is_named_and_nothing_is_written(session, world, repository, now, make_dossier):
    rows = ten_dossiers()
    rows[1][3] = "KHONG"  # line 3: no such unit
    rows[2][7] = "nhiều"  # line 4: sheets not a number
    rows[3][1] = "01.CL"  # line 5: the notation of line 2 again
    rows[4][9] = "1"  # line 6: box 1, file no. 1 again (line 2)
    rows[5][10] = ""  # line 7: box 2 is new and says no shelf unit...
    rows[6][10] = ""  # ...but line 8 is the same box: it is named once per row that lacks it
    rows[7][5] = "31/02/2019"  # line 9: no such day
    rows[8][0] = "2031"  # line 10: a year to come
    rows[9][4] = "mãi mãi"  # line 11: no such retention
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, repository, rows, now)
    assert [str(problem) for problem in refused.value.problems] == [
        "3:unit: No unit has the code KHONG.",
        "4:sheets: Write a whole number, in figures.",
        "5:file_notation: Dossier 01.CL of 2019 is already on line 2.",
        "6:file_number: Box 1, file no. 1 is already given on line 2.",
        "7:shelf_unit: Box 2 is not in the fonds yet: give the shelf unit (giá) it stands on.",
        "8:shelf_unit: Box 2 is not in the fonds yet: give the shelf unit (giá) it stands on.",
        "9:start_date: There is no such day (31/02/2019): check the day and the month.",
        "10:year: The year 2031 has not come yet: only past records are arranged.",
        '11:retention: Write "Vĩnh viễn", a number of years, or a retention row code.',
    ]
    assert count(session, Dossier) == count(session, StorageBox) == count(session, IntakeRun) == 0
    with pytest.raises(InvalidMetadata, match="The file is empty"):
        arrangement.plan(session, world.actor("archivist"), world.org.id, repository.id, "x.csv", b"", now=now)
    with pytest.raises(InvalidMetadata, match="repository where new boxes stand"):
        arrangement.plan(session, world.actor("archivist"), world.org.id, None, "x.csv", inventory(rows), now=now)


def test_a_place_another_dossier_holds_is_refused(session, session_factory, world, repository, store, now):
    first = plan_of(session, world, repository, ten_dossiers()[:5], now, name="dot-1.csv")
    session.commit()
    intake_runner.take_in(session_factory, world.users["archivist"].id, first, store=store, clock=lambda: now)
    later = [row[:] for row in ten_dossiers()[5:]]
    later[0][8], later[0][9] = "1", "3"  # box 1, file no. 3: 03.CL is there
    later[1][8], later[1][9] = "1", ""  # box 1, next free number: fine
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, repository, later, now, name="dot-2.csv")
    assert [str(problem) for problem in refused.value.problems] == [
        "2:file_number: File no. 3 of box no. 1 is already dossier 000.00.00.H26.2019.03.CL."
    ]
    later[0][9] = ""
    outcome = intake_runner.take_in(
        session_factory,
        world.users["archivist"].id,
        plan_of(session, world, repository, later, now, name="dot-2.csv"),
        store=store,
        clock=lambda: now,
    )
    assert outcome.finished
    numbers = session.scalars(
        select(DossierPlacement.file_number)
        .join(StorageBox)
        .where(StorageBox.number == 1)
        .order_by(DossierPlacement.file_number)
    ).all()
    assert numbers == [1, 2, 3, 4, 5, 6, 7]


def test_only_the_archivist_arranges_and_prints(session, world, repository, now):
    for username in ("officer1", "head", "registry"):
        with pytest.raises(PermissionDenied):
            arrangement.plan(
                session, world.actor(username), world.org.id, repository.id, "x.csv", inventory([]), now=now
            )
    with pytest.raises(NotFound):
        arrangement.catalogue(session, world.actor("archivist"), 999_999, now=now)
