"""The archivist's hand-over pages: choose, reconcile, build, read the report, download, import the receipt."""

from __future__ import annotations

import html
import io
import json
import re
import tarfile
from datetime import timedelta
from pathlib import Path

import bagit
import pytest
from erms_browser import Browser, file_field, run_background_jobs
from sqlalchemy import select

from erms import jobs
from erms.models import AuditEvent, BackgroundJob, HandoverBatch, Package
from erms.models.background import JobState
from erms.models.dossier import DossierState
from erms.models.handover import BatchState, PackageState
from erms.models.retention import HoldKind
from retention import holds
from tests.factories import NOW, place_hold

YEAR = 2031  # dossiers archived in 2026 fall due five years later


@pytest.fixture
def archivist(client) -> Browser:
    client.login("archivist")
    return client


@pytest.fixture
def permanent(make_dossier):
    return lambda: make_dossier("archived", row="permanent")


def batch_id_from(response) -> int:
    return int(re.search(r"/handover/batches/(\d+)", response.headers["Location"]).group(1))


def create_batch(archivist: Browser, *dossiers) -> int:
    archivist.get(f"/handover/?year={YEAR}")
    response = archivist.post("/handover/batches", {"year": str(YEAR), "dossier": [str(d.id) for d in dossiers]})
    assert response.status_code == 302, response.get_data(as_text=True)
    return batch_id_from(response)


def build(archivist: Browser, batch_id: int):
    response = archivist.post(f"/handover/batches/{batch_id}/build", {"confirm": "yes"})
    assert response.status_code == 302
    run_background_jobs(archivist.client.application)  # what the worker process does
    return archivist.get(f"/handover/batches/{batch_id}")


def queued_build(session, world, batch_id: int, progress: dict) -> BackgroundJob:
    """Queue a build and give it a progress line, as a worker half-way through it would have written."""
    job = jobs.queue_build(session, world.actor("archivist"), batch_id, now=NOW)
    job.state, job.progress = JobState.RUNNING, json.dumps(progress)
    session.flush()
    return job


def receipt(name: str, codes: list[str]) -> bytes:
    rows = "".join(f'<Dossier code="{code}"/>' for code in codes)
    return (
        f'<HandoverReceipt package="{name}" reference="25/BB-LTLS" received_on="2026-06-15">{rows}</HandoverReceipt>'
    ).encode()


def test_archivist_hands_over_a_batch_from_choice_to_receipt(archivist, session, world, permanent, tmp_path):
    first, second, later = permanent(), permanent(), permanent()
    choice = archivist.get(f"/handover/?year={YEAR}").get_data(as_text=True)
    assert all(dossier.file_code in choice for dossier in (first, second, later))

    batch_id = create_batch(archivist, first, second)
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    assert "Reconciliation with the dossier lists" in page or "Đối chiếu với danh mục hồ sơ" in page
    reconciliation = page.split('class="cards reconciliation"')[1].split("</table>")[0]
    assert later.file_code in reconciliation  # expected but missing, shown before any build
    assert 'http-equiv="refresh"' not in page

    page = build(archivist, batch_id).get_data(as_text=True)
    name = f"{world.org.code}_{YEAR}_1"
    assert 'http-equiv="refresh"' not in page
    # The archivist reads what happened in plain words; the standards' names and figures wait in a details box.
    plain, technical = page.split('<details class="technical">')
    technical = technical.split("</details>")[0]
    assert "Gói tài liệu đã được kiểm tra: đủ tệp, đúng mã kiểm tra" in plain
    assert "Gói có đủ tệp và mỗi tệp đúng mã kiểm tra: <strong>đạt</strong>" in plain
    for word in ("BagIt", "METS", "E-ARK", "XSD", "Payload-Oxum"):
        assert word not in plain.split("<h2>Gói tin</h2>")[1], word
    assert "<summary>Chi tiết kỹ thuật</summary>" in technical
    for check in ("BagIt", "BagIt profile", "METS XSD", "CITS ERMS XSD", "E-ARK CSIP/SIP"):
        assert f'<th scope="row">{check}</th>' in technical
    package = session.scalar(select(Package).where(Package.batch_id == batch_id))
    assert package.payload_oxum in technical and package.manifest_sha256 in technical
    assert f"/handover/batches/{batch_id}/download" in page

    download = archivist.get(f"/handover/batches/{batch_id}/download")
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Disposition"] == f'attachment; filename="{name}.tar"'
    with tarfile.open(fileobj=io.BytesIO(download.get_data())) as tar:
        tar.extractall(tmp_path / "received", filter="data")
    bagit.Bag(str(tmp_path / "received" / name)).validate()
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "handover_package.downloaded")) is not None

    response = archivist.post(
        f"/handover/batches/{batch_id}/receipt",
        {"receipt": file_field(receipt(name, [first.file_code, second.file_code]), "bien-nhan.xml", "text/xml")},
    )
    assert response.status_code == 302
    session.expire_all()
    assert first.state is DossierState.TRANSFERRED and second.state is DossierState.TRANSFERRED
    assert later.state is DossierState.ARCHIVED


def test_receipt_with_mismatches_is_shown_and_changes_nothing(archivist, session, world, permanent):
    dossier = permanent()
    batch_id = create_batch(archivist, dossier)
    build(archivist, batch_id)
    name = f"{world.org.code}_{YEAR}_1"
    csv = (
        f"package,reference,received_on,file_code\n{name},25/BB-LTLS,2026-06-15,{dossier.file_code}\n"
        f"{name},25/BB-LTLS,2026-06-15,000.00.00.H26.2026.99.XX\n"
    ).encode()
    response = archivist.post(
        f"/handover/batches/{batch_id}/receipt", {"receipt": file_field(csv, "bien-nhan.csv", "text/csv")}
    )
    assert response.status_code == 422
    assert "000.00.00.H26.2026.99.XX" in response.get_data(as_text=True)
    session.expire_all()
    assert dossier.state is DossierState.ARCHIVED


def test_failed_package_is_never_offered(archivist, session, permanent):
    batch_id = create_batch(archivist, permanent())
    build(archivist, batch_id)
    package = session.scalar(select(Package).where(Package.batch_id == batch_id))
    package.state = PackageState.FAILED  # as a package that failed a check is recorded
    session.flush()
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    assert f"/handover/batches/{batch_id}/download" not in page
    response = archivist.get(f"/handover/batches/{batch_id}/download")
    assert response.status_code == 302 and response.mimetype != "application/x-tar"


def test_running_build_page_refreshes_itself_with_its_progress(archivist, session, world, permanent, worker_running):
    batch_id = create_batch(archivist, permanent())
    queued_build(session, world, batch_id, {"done": 3, "total": 10})
    response = archivist.get(f"/handover/batches/{batch_id}")
    page = response.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "3" in page and "10" in page and response.headers["Refresh"] == "2"
    assert f'action="/handover/batches/{batch_id}/build"' not in page


def test_build_page_says_when_the_package_is_being_verified(archivist, session, world, permanent, worker_running):
    batch_id = create_batch(archivist, permanent())
    job = queued_build(session, world, batch_id, {"done": 12, "total": 12, "verifying": True})
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    assert "Đang kiểm tra gói" in page and "12" in page and '<meta http-equiv="refresh" content="2">' in page
    assert "Các bước kiểm tra đã xong" not in page
    job.progress = json.dumps({"done": 12, "total": 12, "verifying": True, "checked": ["BagIt profile", "METS XSD"]})
    session.flush()
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    plain, technical = page.split('<details class="technical">')
    assert "<li>Gói được sắp xếp đúng quy cách Lưu trữ lịch sử yêu cầu</li>" in plain
    assert "<li>Mục lục của gói đúng chuẩn</li>" in plain and "METS" not in plain.split("<h2>Gói tin</h2>")[1]
    assert "Các bước kiểm tra đã xong: BagIt profile, METS XSD." in technical.split("</details>")[0]


def test_build_page_says_the_dossiers_are_being_read_before_files_are_counted(archivist, session, world, permanent):
    batch_id = create_batch(archivist, permanent())
    queued_build(session, world, batch_id, {})
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    assert "đang đọc các hồ sơ" in page and "0/0 tệp" not in page


def test_held_dossier_is_not_offered(archivist, session, world, permanent, now):
    held, free = permanent(), permanent()
    place_hold(session, world, held.id, now, HoldKind.AUDIT, "Thanh tra năm 2026")
    page = archivist.get(f"/handover/?year={YEAR}").get_data(as_text=True)
    assert free.file_code in page and f'value="{held.id}"' not in page
    response = archivist.post("/handover/batches", {"year": str(YEAR), "dossier": [str(held.id)]})
    assert response.status_code == 422 and held.file_code in response.get_data(as_text=True)


def test_a_hold_placed_after_the_build_stops_the_download_until_released(archivist, session, world, permanent, now):
    dossier = permanent()
    batch_id = create_batch(archivist, dossier)
    assert "Tải gói tin về (.tar)" in html.unescape(build(archivist, batch_id).get_data(as_text=True))
    hold = place_hold(session, world, dossier.id, now, HoldKind.LEGAL, "Tòa án yêu cầu cung cấp hồ sơ")
    session.commit()
    page = html.unescape(archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True))
    said = f"Hồ sơ của gói tin này bị phong tỏa sau khi gói tin được lập: {dossier.file_code}."
    assert said in page and f"/handover/batches/{batch_id}/download" not in page
    assert "Gói tin hợp lệ nhưng có hồ sơ đang bị phong tỏa" in page
    refused = archivist.get(
        f"/handover/batches/{batch_id}/download", headers={"Referer": f"/handover/batches/{batch_id}"}
    )
    assert refused.status_code == 302
    assert said in html.unescape(archivist.get(refused.headers["Location"]).get_data(as_text=True))
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "handover_package.downloaded")) is None
    holds.release_hold(session, world.actor("head"), hold.id, "Vụ án đã kết thúc", now=now)
    session.commit()
    assert archivist.get(f"/handover/batches/{batch_id}/download").status_code == 200


def test_a_year_mistyped_makes_no_batch_and_a_dossier_in_a_batch_is_named_with_it(archivist, session, permanent):
    dossier = permanent()
    archivist.get(f"/handover/?year={YEAR}")
    for year, said in (("1800", "Năm giao nộp phải trong khoảng từ 1945 đến"), ("abc", "Giá trị không hợp lệ.")):
        refused = archivist.post("/handover/batches", {"year": year, "dossier": [str(dossier.id)]})
        assert refused.status_code == 422 and said in html.unescape(refused.get_data(as_text=True)), year
    assert session.scalars(select(HandoverBatch)).all() == []
    name = session.get(HandoverBatch, create_batch(archivist, dossier)).name
    again = archivist.post("/handover/batches", {"year": str(YEAR), "dossier": [str(dossier.id)]})
    said = f"Hồ sơ {dossier.file_code} đã có trong đợt giao nộp {name}."
    assert again.status_code == 422 and said in html.unescape(again.get_data(as_text=True))


def test_officer_is_refused(client, permanent):
    permanent()
    client.login("officer1")
    assert client.get("/handover/").status_code == 403
    assert client.post("/handover/batches", {"year": str(YEAR)}).status_code == 403


def packaged(archivist: Browser, session, dossier) -> int:
    """Return a batch of the dossier whose package awaits its receipt, as a valid build leaves it."""
    batch_id = create_batch(archivist, dossier)
    session.get(HandoverBatch, batch_id).state = BatchState.PACKAGED
    session.flush()
    return batch_id


def test_a_receipt_over_five_megabytes_is_refused_in_words(archivist, session, permanent):
    batch_id = packaged(archivist, session, permanent())
    response = archivist.post(
        f"/handover/batches/{batch_id}/receipt",
        {"receipt": file_field(b" " * (5 * 1024 * 1024 + 1), "bien-nhan.xml", "text/xml")},
    )
    assert response.status_code == 422
    assert "Biên nhận lớn hơn 5 MB; biên nhận chỉ liệt kê mã hồ sơ." in response.get_data(as_text=True)


def test_a_receipt_of_many_unknown_codes_names_twenty_on_a_short_page(archivist, session, world, permanent):
    batch_id = packaged(archivist, session, permanent())
    codes = [f"000.00.00.H26.2026.{number:05d}.XX" for number in range(20_000)]
    response = archivist.post(
        f"/handover/batches/{batch_id}/receipt",
        {"receipt": file_field(receipt(f"{world.org.code}_{YEAR}_1", codes), "r.xml", "text/xml")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert codes[19] in page and codes[20] not in page
    assert "… và 19980 lỗi khác." in page
    assert len(response.data) < 100_000


def test_a_batch_chosen_wrongly_is_given_up_and_its_dossiers_chosen_again(archivist, session, permanent):
    dossier = permanent()
    batch_id = create_batch(archivist, dossier)
    page = html.unescape(archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True))
    assert "Hủy bỏ đợt giao nộp này" in page
    assert archivist.post(f"/handover/batches/{batch_id}/discard", {"reason": "  "}).status_code == 422
    done = archivist.post(f"/handover/batches/{batch_id}/discard", {"reason": "Chọn nhầm năm giao nộp"})
    assert done.status_code == 302
    shown = html.unescape(archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True))
    assert "Đã hủy bỏ: không giao nộp gì của đợt này" in shown and "Chọn nhầm năm giao nộp" in shown
    assert f"/handover/batches/{batch_id}/build" not in shown and "Đối chiếu với danh mục hồ sơ" not in shown
    refused = archivist.post(f"/handover/batches/{batch_id}/build", {"confirm": "yes"})
    name = session.get(HandoverBatch, batch_id).name
    assert refused.status_code == 422
    assert f"Đợt giao nộp {name} đã bị hủy bỏ: không giao nộp gì của đợt này." in html.unescape(
        refused.get_data(as_text=True)
    )
    session.expire_all()
    assert session.get(HandoverBatch, batch_id).state is BatchState.DISCARDED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "handover_batch.discarded"))
    assert dossier.file_code in event.details
    again = create_batch(archivist, dossier)  # back in the pool
    assert again != batch_id and session.get(HandoverBatch, again).state is BatchState.DRAFT
    assert archivist.post(f"/handover/batches/{batch_id}/discard", {"reason": "lại"}).status_code == 422


def test_a_build_stopped_half_way_keeps_nothing_and_can_be_built_again(archivist, session, world, permanent):
    batch_id = create_batch(archivist, permanent())
    assert archivist.post(f"/handover/batches/{batch_id}/build", {"confirm": "yes"}).status_code == 302
    job = session.scalar(select(BackgroundJob).order_by(BackgroundJob.id.desc()))
    page = archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True)
    assert f'action="/jobs/{job.id}/cancel"' in page and "Dừng lập gói tin" in page
    # No worker runs here: the page says the build waits for one, and reloads once a minute, not every 2 s.
    assert "Không có tiến trình worker nào đang chạy trên máy chủ" in page
    assert '<meta http-equiv="refresh" content="60">' in page
    # A worker took it up and died: running, its heartbeat old, it is taken up again by the next worker.
    job.state, job.heartbeat_at, job.attempts = JobState.RUNNING, NOW - timedelta(hours=1), 1
    session.commit()
    stopped = archivist.post(f"/jobs/{job.id}/cancel", {}, follow_redirects=True)
    assert "Công việc sẽ dừng ở bước tiếp theo" in html.unescape(stopped.get_data(as_text=True))
    assert "Việc lập gói tin sẽ dừng ở bước tiếp theo" in html.unescape(stopped.get_data(as_text=True))
    app = archivist.client.application
    assert [done.state for done in run_background_jobs(app)] == [JobState.CANCELLED]  # at its first step
    session.expire_all()
    assert session.get(HandoverBatch, batch_id).state is BatchState.DRAFT
    packages = Path(app.extensions["erms"].settings["DATA_DIR"]) / "packages"
    assert [path.name for path in packages.iterdir() if not path.name.startswith(".")] == []  # no half-written bag
    page = html.unescape(archivist.get(f"/handover/batches/{batch_id}").get_data(as_text=True))
    assert "Lần lập gói tin trước đã bị dừng giữa chừng: không có gói tin nào được giữ lại" in page
    assert "Gói tin hợp lệ" in html.unescape(build(archivist, batch_id).get_data(as_text=True))


def test_only_who_asked_for_a_build_stops_it(archivist, session, world, permanent, app):
    batch_id = create_batch(archivist, permanent())
    job = jobs.queue_build(session, world.actor("archivist"), batch_id, now=NOW)
    session.commit()
    colleague = Browser(app.test_client())
    colleague.login("head")
    assert colleague.post(f"/jobs/{job.id}/cancel", {}).status_code == 404
    session.expire_all()
    assert session.get(BackgroundJob, job.id).state is JobState.QUEUED
