"""The archivist's legacy import page: a folder placed on the server, checked (dry run), imported by the worker."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from erms_browser import Browser, run_background_jobs
from sqlalchemy import func, select

from erms import intake_runner
from erms.models import AuditEvent, BackgroundJob, Document, Dossier, IntakeRun
from erms.models.background import JobState
from erms.models.dossier import DossierState
from tests.factories import supplementary_field
from tests.intake.test_legacy_import import make_folder, mapping, row, scan


@pytest.fixture
def intake_dir(tmp_path, world):
    """The organisation's own folder of INTAKE_DIR, where the administrator copies its legacy folders."""
    return tmp_path / "intake" / world.org.code


@pytest.fixture
def archivist(make_app, intake_dir) -> Browser:
    browser = Browser(make_app(INTAKE_DIR=str(intake_dir.parent)).test_client())
    browser.login("archivist")
    return browser


def place(intake_dir, files: int = 6, per_dossier: int = 3, change=None) -> str:
    """Put a folder of scans with its mapping file where the page looks, as the administrator does."""
    folder, rows = make_folder(intake_dir, files, per_dossier)
    if change:
        change(rows)
    (folder / "ho-so.csv").write_bytes(mapping(rows))
    return "scans/ho-so.csv"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_an_empty_intake_folder_says_where_the_administrator_puts_folders(archivist, intake_dir):
    page = archivist.get("/archive/intake/").get_data(as_text=True)
    assert "Chưa có thư mục nào chờ nhập" in page and str(intake_dir) in page
    template = archivist.get("/archive/intake/template.csv")
    assert template.headers["Content-Disposition"] == "attachment; filename=mau-nhap-ho-so.csv"
    header = template.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.startswith("Tệp,Năm hồ sơ,Số và ký hiệu hồ sơ,Tiêu đề hồ sơ,Đơn vị")


def test_the_template_ends_with_the_organisations_own_fields(archivist, session, world):
    supplementary_field(session, world.org.id, "dossier", "nguon_von", "Nguồn vốn", "choice", choices="A\nB")
    supplementary_field(session, world.org.id, "dossier", "ma_cu", "Mã cũ")
    supplementary_field(session, world.org.id, "document", "ma_cu", "Mã cũ")
    supplementary_field(session, world.org.id, "document", "ghi_chu_2", "Ghi chú")  # the standard column's header
    session.commit()
    template = archivist.get("/archive/intake/template.csv").get_data(as_text=True)
    header = template.lstrip("\ufeff").splitlines()[0].split(",")
    assert header[-4:] == ["Nguồn vốn", "Hồ sơ: Mã cũ", "Văn bản: Mã cũ", "Văn bản: Ghi chú"]


def test_a_dry_run_lists_every_bad_line_and_writes_nothing(archivist, intake_dir, session):
    def spoil(rows):
        rows[0][4] = "KHONG"
        rows[4][0] = "khong-co.pdf"

    name = place(intake_dir, change=spoil)
    assert name in archivist.get("/archive/intake/").get_data(as_text=True)
    response = archivist.post("/archive/intake/check", {"source": name})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chưa nhập gì. Hãy sửa các dòng sau của tệp ánh xạ" in page
    assert "<td>2</td><td>Đơn vị</td><td>Không có đơn vị nào mang mã KHONG.</td>" in page
    assert "<td>6</td><td>Tệp</td><td>Không có tệp khong-co.pdf trong thư mục.</td>" in page
    refused = archivist.post("/archive/intake/start", {"source": name})
    assert refused.status_code == 422
    assert count(session, Dossier) == count(session, IntakeRun) == 0


def test_a_checked_folder_is_imported_by_the_worker_and_the_page_shows_it_finished(archivist, intake_dir, session):
    name = place(intake_dir)
    checked = archivist.post("/archive/intake/check", {"source": name}).get_data(as_text=True)
    assert "Lần nhập sẽ tạo 2 hồ sơ với 6 văn bản" in checked
    assert "<tr><td>2019</td><td>1</td><td>1</td><td>0</td><td>3</td></tr>" in checked  # year by year
    assert "<tr><td>2020</td><td>1</td><td>0</td><td>1</td><td>3</td></tr>" in checked
    assert count(session, Dossier) == 0
    started = archivist.post("/archive/intake/start", {"source": name})
    assert started.status_code == 302
    waiting = archivist.get("/archive/intake/")
    assert "Đang chờ worker bắt đầu. Trang này tự làm mới." in waiting.get_data(as_text=True)
    run_background_jobs(archivist.client.application)
    page = archivist.get("/archive/intake/")
    assert "Refresh" not in page.headers
    assert "Đã nhập xong: 6 văn bản." in page.get_data(as_text=True)
    assert count(session, Dossier) == 2 and count(session, Document) == 6
    states = set(session.scalars(select(Dossier.state)))
    assert states == {DossierState.ARCHIVED, DossierState.CLOSED}


def test_only_offered_folders_can_be_chosen(archivist, intake_dir, tmp_path):
    place(intake_dir)
    for hostile in ("../scans/ho-so.csv", "/etc/passwd", "scans/../../x.csv", "scans/khong-co.csv"):
        response = archivist.post("/archive/intake/check", {"source": hostile})
        assert response.status_code == 422
        assert "Hãy chọn một trong các thư mục được liệt kê." in response.get_data(as_text=True)


def test_a_scan_that_misses_the_rules_is_refused_until_the_archivist_ticks_acceptance(archivist, intake_dir):
    name = place(intake_dir)
    (intake_dir / "scans" / row(0, 3)[0]).write_bytes(scan(0, mode="1"))
    refused = archivist.post("/archive/intake/check", {"source": name})
    assert refused.status_code == 422
    assert "<td>2</td><td>Tệp</td><td>Trang 1 là ảnh đen trắng: bản số hóa phải là ảnh màu.</td>" in refused.get_data(
        as_text=True
    )
    accepted = archivist.post("/archive/intake/check", {"source": name, "accept_scans": "yes"})
    page = accepted.get_data(as_text=True)
    assert accepted.status_code == 200 and "Lần nhập sẽ tạo 2 hồ sơ với 6 văn bản" in page
    assert "Page 1 is in black and white: a scan is kept in colour." in page  # the warning kept in the report


def test_an_import_stopped_half_way_keeps_what_it_made_and_goes_on_when_started_again(
    archivist, intake_dir, session, monkeypatch, browsers
):
    name = place(intake_dir, files=9, per_dossier=3)  # three dossiers of three documents
    assert archivist.post("/archive/intake/start", {"source": name}).status_code == 302
    job = session.scalar(select(BackgroundJob).order_by(BackgroundJob.id.desc()))
    assert f'action="/jobs/{job.id}/cancel"' in archivist.get("/archive/intake/").get_data(as_text=True)
    # The archivist clicks "Stop" once the first dossier is made; every step's progress is written (and seen).
    monkeypatch.setattr(intake_runner, "PROGRESS_EVERY", timedelta(0))
    progress = intake_runner._progress

    def clicking_stop(context):
        told = progress(context)

        def telling(done: int, total: int) -> None:
            if done == 3:
                stopping = archivist.post(f"/jobs/{job.id}/cancel", {}, follow_redirects=True)
                assert "Công việc sẽ dừng ở bước tiếp theo" in html.unescape(stopping.get_data(as_text=True))
            told(done, total)

        return telling

    monkeypatch.setattr(intake_runner, "_progress", clicking_stop)
    assert [ended.state for ended in run_background_jobs(archivist.client.application)] == [JobState.CANCELLED]
    assert (count(session, Dossier), count(session, Document)) == (1, 3)
    page = html.unescape(archivist.get("/archive/intake/").get_data(as_text=True))
    assert "Việc nhập đã bị dừng trước khi xong: đã nhập 3 trên 9 văn bản" in page and "chưa xong" in page
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["job.stop_asked", "intake.stopped"]
    seen = html.unescape(browsers("head").get("/audit/?action=job.stop_asked").get_data(as_text=True))
    assert "Yêu cầu dừng công việc chạy nền" in seen  # logged against the organisation: its readers see the stop
    monkeypatch.setattr(intake_runner, "_progress", progress)
    checked = archivist.post("/archive/intake/check", {"source": name}).get_data(as_text=True)
    assert "1 hồ sơ đã được tạo và sẽ được bỏ qua" in html.unescape(checked)
    assert "Lần nhập sẽ tạo 2 hồ sơ chưa được tạo, với 6 văn bản." in html.unescape(checked)  # not all nine
    assert archivist.post("/archive/intake/start", {"source": name}).status_code == 302
    assert [ended.state for ended in run_background_jobs(archivist.client.application)] == [JobState.DONE]
    assert (count(session, Dossier), count(session, Document), count(session, IntakeRun)) == (3, 9, 1)
    assert "Đã nhập xong: 9 văn bản." in archivist.get("/archive/intake/").get_data(as_text=True)


def test_an_import_cancelled_before_it_began_takes_nothing_in(archivist, intake_dir, session, browsers):
    name = place(intake_dir)
    archivist.post("/archive/intake/start", {"source": name})
    job = session.scalar(select(BackgroundJob).order_by(BackgroundJob.id.desc()))
    assert browsers("head").post(f"/jobs/{job.id}/cancel", {}).status_code == 404  # not who asked for it
    cancelled = archivist.post(f"/jobs/{job.id}/cancel", {}, follow_redirects=True)
    page = html.unescape(cancelled.get_data(as_text=True))
    assert "Lần nhập trước đã bị hủy trước khi bắt đầu: chưa nhập gì." in page
    assert "Refresh" not in cancelled.headers
    assert run_background_jobs(archivist.client.application) == []
    assert count(session, Dossier) == count(session, IntakeRun) == 0
    again = archivist.post(f"/jobs/{job.id}/cancel", {}, follow_redirects=True)
    assert "Công việc này đã kết thúc" in html.unescape(again.get_data(as_text=True))


def test_an_import_waiting_with_no_worker_running_says_so(archivist, intake_dir, session, request):
    archivist.post("/archive/intake/start", {"source": place(intake_dir)})
    missing = "Không có tiến trình worker nào đang chạy trên máy chủ: công việc này phải chờ"
    alone = archivist.get("/archive/intake/")
    assert missing in html.unescape(alone.get_data(as_text=True))
    assert alone.headers["Refresh"] == "60"  # it still notices a worker started, without reloading every 3 s
    request.getfixturevalue("worker_running")
    waiting = archivist.get("/archive/intake/")
    page = html.unescape(waiting.get_data(as_text=True))
    assert "Đang chờ worker bắt đầu" in page and missing not in page  # a worker runs: the work only waits its turn
    assert waiting.headers["Refresh"] == "3"
