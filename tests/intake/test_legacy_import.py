"""Legacy import: a folder of past years' scans and a mapping file become closed and archived dossiers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from erms import intake_runner
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import (
    AuditEvent,
    Document,
    DocumentVersion,
    Dossier,
    DossierList,
    FixityEvent,
    IntakeDossier,
    IntakeRun,
    StoredFile,
)
from erms.models.dossier import DossierState
from erms.models.dossier_list import DossierListState
from intake import legacy

HEADER = [
    "Tệp",
    "Năm hồ sơ",
    "Số và ký hiệu hồ sơ",
    "Tiêu đề hồ sơ",
    "Đơn vị",
    "Thời hạn bảo quản",
    "Trạng thái hồ sơ",
    "Loại văn bản đến/đi",
    "Tên loại văn bản",
    "Số của văn bản",
    "Ký hiệu của văn bản",
    "Ngày, tháng, năm văn bản",
    "Tên cơ quan, tổ chức ban hành văn bản",
    "Trích yếu nội dung",
    "Số trang của văn bản",
]
MAX_SIZE = 1024 * 1024


def row(number: int, per_dossier: int) -> list[str]:
    """The mapping row of file ``number``: dossier ``number // per_dossier`` of 2019 (even) or 2020 (odd)."""
    dossier = number // per_dossier
    year = 2019 + dossier % 2
    return [
        f"{year}/hs{dossier:03d}/scan-{number:04d}.pdf",
        str(year),
        f"{dossier + 1:02d}.VP",
        f"Hồ sơ công văn trao đổi số {dossier + 1}",
        "VP",
        "Vĩnh viễn" if dossier % 3 == 0 else "10 năm",
        "Lưu trữ cơ quan" if dossier % 2 == 0 else "Kết thúc",
        "Đến" if number % 2 else "Đi",
        "Công văn",
        str(number + 1),
        "UBND-VP",
        f"{number % 28 + 1:02d}/{dossier % 12 + 1:02d}/{year}",
        "UBND quận Đống Đa",
        f"Về việc trao đổi công tác số {number}",
        "2",
    ]


def scan(number: int, mode: str = "RGB", dpi: int = 200) -> bytes:
    """A one-page scan as TT 02/2019 wants it (PDF 1.4, colour, 200 dpi), titled by its number: its own digest. The
    page is an inch square, so that a thousand of them are quick to make and to check."""
    out = io.BytesIO()
    colour = (number % 256, 128, 7)
    Image.new("RGB", (dpi, dpi), colour).convert(mode).save(out, "PDF", resolution=dpi, title=f"scan {number}")
    return out.getvalue()


def make_folder(root: Path, files: int, per_dossier: int) -> tuple[Path, list[list[str]]]:
    folder = root / "scans"
    rows = [row(number, per_dossier) for number in range(files)]
    for number, cells in enumerate(rows):
        path = folder / cells[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(scan(number))
    return folder, rows


def mapping(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def archivist(world):
    return world.actor("archivist")


def plan_of(session, world, archivist, folder, rows, now):
    return legacy.plan(session, archivist, world.org.id, folder, "ho-so.csv", mapping(rows), now=now, max_size=MAX_SIZE)


def run(session_factory, world, plan, store, now, told=lambda done, total: None):
    return intake_runner.take_in(
        session_factory, world.users["archivist"].id, plan, store=store, clock=lambda: now, told=told
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


class Interrupted(Exception):
    pass


def test_a_thousand_files_with_three_bad_rows_are_refused_then_imported_after_an_interruption(
    session, session_factory, world, archivist, store, now, tmp_path
):
    folder, rows = make_folder(tmp_path, 1000, 20)
    bad = [row[:] for row in rows]
    bad[10][0] = "2019/hs000/khong-co.pdf"  # line 12: no such file
    bad[500][4] = "KHONG"  # line 502: no such unit
    bad[998][11] = "31/02/2020"  # line 1000: no such day
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, archivist, folder, bad, now)
    problems = [str(problem) for problem in refused.value.problems]
    assert problems == [
        "12:file: There is no file 2019/hs000/khong-co.pdf in the folder.",
        "502:unit: No unit has the code KHONG.",
        "1000:issued_date: There is no such day (31/02/2020): check the day and the month.",
    ]
    assert count(session, Dossier) == count(session, Document) == count(session, IntakeRun) == 0

    plan = plan_of(session, world, archivist, folder, rows, now)
    assert (len(plan.dossiers), plan.documents) == (50, 1000)
    session.commit()

    def stop_after_half(done: int, total: int) -> None:
        if done >= total // 2:
            raise Interrupted()

    with pytest.raises(Interrupted):
        run(session_factory, world, plan, store, now, told=stop_after_half)
    assert count(session, Dossier) == 25 and count(session, Document) == 500

    again = plan_of(session, world, archivist, folder, rows, now)
    assert again.run_id is not None and len(again.done) == 25 and len(again.to_make) == 25
    outcome = run(session_factory, world, again, store, now)
    assert (outcome.made, outcome.total, outcome.finished, outcome.report) == (50, 50, True, ())
    assert count(session, Dossier) == 50 and count(session, Document) == 1000
    assert count(session, IntakeRun) == 1 and count(session, IntakeDossier) == 50
    assert count(session, StoredFile) == 1000 + 50  # every scan once, and each dossier's index PDF

    states = dict(session.execute(select(Dossier.year, func.count()).group_by(Dossier.year)).all())
    assert states == {2019: 25, 2020: 25}
    archived = session.scalar(select(Dossier).where(Dossier.file_code == f"{world.org.code}.2019.01.VP"))
    assert archived.state is DossierState.ARCHIVED and archived.retention_permanent
    assert [link.ordinal for link in archived.links] == list(range(1, 21))
    assert archived.index_file is not None and archived.appraisal_due_on is None  # permanent: never appraised
    closed = session.scalar(select(Dossier).where(Dossier.file_code == f"{world.org.code}.2020.02.VP"))
    assert closed.state is DossierState.CLOSED and closed.retention_years == 10
    assert closed.start_date.isoformat() <= closed.end_date.isoformat()
    year_lists = session.scalars(select(DossierList).order_by(DossierList.year)).all()
    assert [(item.year, item.state) for item in year_lists] == [
        (2019, DossierListState.APPROVED),
        (2020, DossierListState.APPROVED),
    ]

    with pytest.raises(RuleViolation, match="taken in already, on 15/06/2026"):
        plan_of(session, world, archivist, folder, rows, now)


def test_a_dry_run_plan_writes_nothing_and_a_file_outside_the_folder_is_refused(
    session, world, archivist, now, tmp_path
):
    folder, rows = make_folder(tmp_path, 4, 2)
    (tmp_path / "secret.pdf").write_bytes(b"not yours")
    (folder / "link.pdf").symlink_to(tmp_path / "secret.pdf")
    hostile = [row[:] for row in rows]
    hostile[0][0] = "../secret.pdf"
    hostile[1][0] = "link.pdf"
    hostile[2][0] = hostile[3][0]
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, archivist, folder, hostile, now)
    assert [str(problem) for problem in refused.value.problems] == [
        "2:file: The file must be inside the folder: write its path from there, with / between folders.",
        "3:file: link.pdf is a link or not a plain file; only files are imported.",
        f"5:file: The file {rows[3][0]} is already on line 4.",
    ]
    plan = plan_of(session, world, archivist, folder, rows, now)
    assert (len(plan.dossiers), plan.documents, plan.run_id) == (2, 4, None)
    assert count(session, Dossier) == count(session, IntakeRun) == count(session, AuditEvent) == 0


def test_rows_of_one_dossier_must_agree_and_an_existing_dossier_is_not_made_twice(
    session, session_factory, world, archivist, store, now, tmp_path
):
    folder, rows = make_folder(tmp_path, 6, 3)
    differing = [row[:] for row in rows]
    differing[1][3] = "Một tiêu đề khác"
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, archivist, folder, differing, now)
    assert [str(problem) for problem in refused.value.problems] == [
        "3:dossier_title: Line 2 gives dossier 01.VP another value here; every row of a dossier gives the same."
    ]
    assert run(session_factory, world, plan_of(session, world, archivist, folder, rows, now), store, now).finished
    rows[0][13] = "Trích yếu đã sửa"  # another mapping file for the same dossiers
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, archivist, folder, rows, now)
    assert [str(problem) for problem in refused.value.problems] == [
        f"2:file_notation: Dossier {world.org.code}.2019.01.VP already exists.",
        f"5:file_notation: Dossier {world.org.code}.2020.02.VP already exists.",
    ]


def test_only_the_archivist_imports(session, world, now, tmp_path):
    folder, rows = make_folder(tmp_path, 2, 2)
    for role in ("officer1", "registry", "head"):
        with pytest.raises(PermissionDenied):
            plan_of(session, world, world.actor(role), folder, rows, now)


def test_the_bytes_kept_are_the_scans_and_each_is_audited_with_its_run(
    session, session_factory, world, archivist, store, now, tmp_path
):
    folder, rows = make_folder(tmp_path, 3, 3)
    outcome = run(session_factory, world, plan_of(session, world, archivist, folder, rows, now), store, now)
    assert outcome.finished
    versions = session.scalars(select(DocumentVersion).order_by(DocumentVersion.id)).all()
    assert sorted(version.filename for version in versions) == sorted(Path(cells[0]).name for cells in rows)
    scans = {Path(cells[0]).name: (folder / cells[0]).read_bytes() for cells in rows}
    assert all(store.open(version.file.sha256).read() == scans[version.filename] for version in versions)
    taken_in = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.taken_in")).all()
    assert len(taken_in) == 3
    assert count(session, FixityEvent) == 0  # a legacy folder records no digests of its own to compare


def test_a_scan_that_misses_the_rules_is_refused_unless_the_archivist_accepts_it(
    session, session_factory, world, archivist, store, now, tmp_path
):
    folder, rows = make_folder(tmp_path, 4, 2)
    (folder / rows[1][0]).write_bytes(scan(1, mode="L"))
    (folder / rows[2][0]).write_bytes(scan(2, dpi=150))
    with pytest.raises(InvalidMetadata) as refused:
        plan_of(session, world, archivist, folder, rows, now)
    assert [str(problem) for problem in refused.value.problems] == [
        "3:file: Page 1 is in greyscale: a scan is kept in colour.",
        "4:file: Page 1 is scanned at 150 dpi: a scan needs at least 200 dpi.",
    ]
    accepted = legacy.plan(
        session, archivist, world.org.id, folder, "ho-so.csv", mapping(rows), now=now, max_size=MAX_SIZE,
        accept_scans=True,
    )  # fmt: skip
    assert accepted.notes == (
        f"line 3, {rows[1][0]}: Page 1 is in greyscale: a scan is kept in colour.",
        f"line 4, {rows[2][0]}: Page 1 is scanned at 150 dpi: a scan needs at least 200 dpi.",
    )
    outcome = run(session_factory, world, accepted, store, now)
    assert outcome.finished and outcome.report == accepted.notes
    assert session.scalar(select(IntakeRun.report)) == "\n".join(accepted.notes)  # kept with the run
