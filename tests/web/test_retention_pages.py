"""The archivist's retention pages: due list → proposal → council → appraisal → decision → execution."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime

import pytest
from erms_browser import Browser, file_field, make_pdf, run_background_jobs
from pypdf import PdfReader
from sqlalchemy import delete, select

from erms.errors import InvalidMetadata
from erms.models import CouncilOpinion, DestructionList, Dossier, Notification, StoredFile
from erms.models.appraisal import DestructionListState
from erms.models.dossier import DossierState
from erms.models.retention import HoldKind
from retention import appraisal, destruction
from tests.factories import place_hold

# 10-year dossiers closed in 2026 are due on 1 January 2037 (docs/standards.md decision 2).
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def later_app(make_app):
    """The app with a clock reading 2 March 2037."""
    return make_app(CLOCK=lambda: LATER)


@pytest.fixture
def browser(later_app):
    """Return a factory of logged-in browsers on the app whose clock reads 2 March 2037."""
    app = later_app

    def login(username: str) -> Browser:
        client = Browser(app.test_client())
        client.login(username)
        return client

    return login


def text(response) -> str:
    """Return the page as a person reads it: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def paper(number: str, **extra) -> dict:
    return {
        "number": number,
        "on": "2037-03-02",
        "attachment": file_field(make_pdf("scan " + str(len(number))), "scan.pdf"),
        **extra,
    }


def the_list(session) -> DestructionList:
    session.expire_all()
    return session.scalars(select(DestructionList)).one()


def test_the_archivist_walks_the_whole_destruction_chain(browser, later_app, session, make_dossier):
    doomed, survivor = make_dossier("archived", documents=2), make_dossier("archived")
    archivist = browser("archivist")
    due = text(archivist.get("/retention/due"))
    assert doomed.file_code in due and survivor.file_code in due
    preview = archivist.post("/retention/due/preview", {"dossier_id": str(doomed.id)})
    assert preview.status_code == 200
    assert "1 hồ sơ, 2 văn bản" in text(preview)
    assert re.search(r"\d+ trang, \d+(,\d)? (B|kB)\n", text(preview))  # the size as the reports write it
    report = archivist.post(
        "/retention/due/propose",
        {"dossier_id": str(doomed.id), "title": "Danh mục hủy 2037", "explanation": "Hết thời hạn bảo quản 10 năm."},
    )
    assert doomed.file_code in text(report) and "Đã đề nghị hủy" in text(report)
    list_id = the_list(session).id
    waiting = archivist.get(f"/retention/lists/{list_id}")  # no council opinion yet: not the archivist's turn
    assert "chưa thành viên nào cho ý kiến" in text(waiting)
    assert 'href="#appraisal"' not in waiting.get_data(as_text=True)
    assert f'action="/retention/lists/{list_id}/appraisal"' not in waiting.get_data(as_text=True)

    council = browser("council1")
    refused = council.post(f"/retention/lists/{list_id}/opinion", {"agrees": "no", "comment": " "})
    assert refused.status_code == 422 and "Hãy nêu lý do không đồng ý." in text(refused)
    assert council.post(f"/retention/lists/{list_id}/opinion", {"agrees": "yes"}).status_code == 302
    assert 'href="#appraisal"' in archivist.get(f"/retention/lists/{list_id}").get_data(as_text=True)
    assert archivist.post(f"/retention/lists/{list_id}/appraisal", paper("12/SNV-CCVTLT")).status_code == 302
    head = browser("head")
    assert (
        head.post(f"/retention/lists/{list_id}/decision", paper("45/QĐ-UBND", signer="Nguyễn Thị Thu Hà")).status_code
        == 302
    )
    assert archivist.post(f"/retention/lists/{list_id}/execute", {"confirm": "yes"}).status_code == 302
    waiting = archivist.get(f"/retention/lists/{list_id}")
    assert "Hệ thống đang thực hiện việc hủy" in text(waiting)
    assert '<meta http-equiv="refresh"' in waiting.get_data(as_text=True)
    assert the_list(session).state.value == "executing"  # the page answered at once; the worker does the rest
    assert [job.state.value for job in run_background_jobs(later_app)] == ["done"]

    session.expire_all()
    assert the_list(session).state.value == "executed"
    assert session.get(Dossier, doomed.id).state is DossierState.DESTROYED
    assert session.get(Dossier, survivor.id).state is DossierState.ARCHIVED
    record = archivist.get(f"/retention/lists/{list_id}/record.pdf")
    assert record.mimetype == "application/pdf"
    # Lines joined: a long dossier code wraps inside its table cell.
    printed = "".join(page.extract_text() for page in PdfReader(io.BytesIO(record.data)).pages).replace("\n", "")
    assert doomed.file_code in printed and survivor.file_code not in printed
    again = archivist.post(f"/retention/lists/{list_id}/execute", {"confirm": "yes"}, follow_redirects=True)
    assert "Danh mục tài liệu hết giá trị này đã được tiêu hủy." in text(again)
    # The destroyed dossier's page keeps its metadata and links no file; a kept link is answered in words.
    page = head.get(f"/dossiers/{doomed.id}")
    assert "/versions/" not in page.get_data(as_text=True) and "các tệp của hồ sơ không còn" in text(page)
    version = session.get(Dossier, doomed.id).links[0].document.versions[0]
    stale = head.get(f"/dossiers/{doomed.id}/versions/{version.id}", follow_redirects=True)
    assert stale.status_code == 200 and "Hồ sơ đã được hủy theo quyết định" in text(stale)


def test_a_council_member_who_disagrees_must_say_why(world, session, make_dossier, now):
    dossier = make_dossier("archived")
    listed = destruction.propose(
        session, world.actor("archivist"), world.org.id, [dossier.id], "Danh mục", "Hết hạn", now=LATER
    )
    with pytest.raises(InvalidMetadata) as refused:
        destruction.record_opinion(session, world.actor("council1"), listed.id, False, "  ", now=LATER)
    assert [problem.template for problem in refused.value.problems] == ["Say why you disagree."]
    assert session.scalars(select(CouncilOpinion)).all() == []


def test_an_officer_may_not_open_the_retention_pages(browser, world, session, make_dossier):
    dossier = make_dossier("archived")
    listed = destruction.propose(
        session, world.actor("archivist"), world.org.id, [dossier.id], "Danh mục", "Hết hạn", now=LATER
    )
    officer = browser("officer1")
    for url in ("/retention/due", "/retention/lists", f"/retention/lists/{listed.id}"):
        assert officer.get(url).status_code == 403
    assert (
        officer.post(f"/retention/dossiers/{dossier.id}/holds", {"kind": "dispute", "reason": "Tranh chấp"}).status_code
        == 403
    )
    assert officer.get("/notices/").status_code == 200


def test_a_held_dossier_cannot_be_proposed_and_the_page_says_why(browser, session, make_dossier):
    held = make_dossier("archived")
    archivist = browser("archivist")
    placed = archivist.post(f"/retention/dossiers/{held.id}/holds", {"kind": "inspection", "reason": "Thanh tra 2037"})
    assert placed.status_code == 302
    page = text(archivist.get(f"/dossiers/{held.id}"))
    assert "Thanh tra 2037" in page and "Thanh tra" in page
    assert "Đang bị phong tỏa" in text(archivist.get("/retention/due"))
    refused = archivist.post(
        "/retention/due/propose", {"dossier_id": str(held.id), "title": "Danh mục", "explanation": "Hết hạn"}
    )
    assert refused.status_code == 422
    assert f"{held.file_code}: Hồ sơ đang bị phong tỏa: không được hủy." in text(refused)
    assert session.scalars(select(DestructionList)).all() == []


def test_a_hold_placed_after_approval_keeps_its_dossier_and_the_rest_is_destroyed(
    browser, later_app, world, session, store, make_dossier
):
    dossier, other = make_dossier("archived"), make_dossier("archived")
    archivist_actor = world.actor("archivist")
    chosen = [dossier.id, other.id]
    listed = destruction.propose(session, archivist_actor, world.org.id, chosen, "Danh mục", "Hết hạn", now=LATER)
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    scan = destruction.Paper("12/SNV", date(2037, 3, 2), io.BytesIO(make_pdf("12")), "")
    destruction.record_appraisal(session, archivist_actor, listed.id, scan, store=store, now=LATER)
    decision = destruction.Paper("45/QĐ", date(2037, 3, 2), io.BytesIO(make_pdf("45")), "Nguyễn Thị Thu Hà")
    destruction.approve(session, world.actor("head"), listed.id, decision, store=store, now=LATER)
    head = browser("head")
    assert (
        head.post(
            f"/retention/dossiers/{dossier.id}/holds", {"kind": "legal", "reason": "Vụ án đang điều tra"}
        ).status_code
        == 302
    )
    archivist = browser("archivist")
    page = text(archivist.get(f"/retention/lists/{listed.id}"))
    assert "1 hồ sơ trong danh mục đang bị phong tỏa từ sau quyết định: hồ sơ này được giữ lại, không hủy" in page
    assert archivist.post(f"/retention/lists/{listed.id}/execute", {"confirm": "yes"}).status_code == 302
    assert [job.state.value for job in run_background_jobs(later_app)] == ["done"]
    session.expire_all()
    assert session.get(Dossier, dossier.id).state is DossierState.ARCHIVED
    assert session.get(Dossier, other.id).state is DossierState.DESTROYED
    assert the_list(session).state.value == "executed"


def test_the_header_counts_notices_not_seen_yet(browser, world, session, make_dossier):
    make_dossier("archived")
    session.execute(delete(Notification))  # the submission's notice: this test is about the job's
    assert appraisal.flag_due_dossiers(session, date(2037, 1, 1), now=LATER) == 1
    archivist = browser("archivist")
    count = re.compile(r'Thông báo <span class="count">(\d+)</span>')
    assert count.search(archivist.get("/").get_data(as_text=True)).group(1) == "1"
    first = html.unescape(archivist.get("/notices/").get_data(as_text=True))
    assert '<span class="tag">mới</span> Có 1 hồ sơ đã đến hạn xác định giá trị.' in first
    assert count.search(first).group(1) == "0"  # shown, so seen
    again = html.unescape(archivist.get("/notices/").get_data(as_text=True))
    assert "Có 1 hồ sơ đã đến hạn xác định giá trị." in again and '<span class="tag">mới</span>' not in again


def next_steps(client, list_id: int) -> list[str]:
    """The links of the list page's next step, above its dossiers (its forms are below every dossier of the list)."""
    page = client.get(f"/retention/lists/{list_id}").get_data(as_text=True)
    found = re.search(r'<p class="next-step" id="next-step">(.*?)</p>', page, re.S)
    if found is None:
        return []
    assert found.start() < page.index('id="decisions"')
    return re.findall(r'href="(#[a-z]+)"', found.group(1))


def test_each_step_of_a_destruction_list_is_offered_at_the_top_to_whoever_takes_it(
    browser, world, session, store, make_dossier
):
    dossier = make_dossier("archived")
    archivist_actor = world.actor("archivist")
    listed = destruction.propose(session, archivist_actor, world.org.id, [dossier.id], "Danh mục", "Hết hạn", now=LATER)
    council, archivist, head = browser("council1"), browser("archivist"), browser("head")
    assert next_steps(council, listed.id) == ["#opinion"]
    assert next_steps(archivist, listed.id) == [] and next_steps(head, listed.id) == []  # the council's turn first
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    assert next_steps(council, listed.id) == [] and next_steps(archivist, listed.id) == ["#appraisal"]
    scan = destruction.Paper("12/SNV", date(2037, 3, 2), io.BytesIO(make_pdf("12")), "")
    destruction.record_appraisal(session, archivist_actor, listed.id, scan, store=store, now=LATER)
    assert next_steps(head, listed.id) == ["#decision"] and next_steps(archivist, listed.id) == []
    decision = destruction.Paper("45/QĐ", date(2037, 3, 2), io.BytesIO(make_pdf("45")), "Nguyễn Thị Thu Hà")
    destruction.approve(session, world.actor("head"), listed.id, decision, store=store, now=LATER)
    assert next_steps(archivist, listed.id) == ["#execute"] and next_steps(head, listed.id) == []


def test_a_held_dossier_chosen_is_left_out_of_the_destruction_proposal_and_said_so(
    browser, session, world, make_dossier, now
):
    held, free = make_dossier("archived"), make_dossier("archived")
    place_hold(session, world, held.id, now, HoldKind.INSPECTION, "Thanh tra năm 2037")
    session.commit()
    archivist = browser("archivist")
    preview = archivist.post("/retention/due/preview", {"dossier_id": [str(held.id), str(free.id)]})
    page = preview.get_data(as_text=True)
    proposal = page[page.index('id="propose"') :]
    assert f'name="dossier_id" value="{free.id}"' in proposal and f'value="{held.id}"' not in proposal
    assert "1 hồ sơ được chọn đang bị phong tỏa" in text(preview)
    only_held = archivist.post("/retention/due/preview", {"dossier_id": str(held.id)})
    assert 'action="/retention/due/propose"' not in only_held.get_data(as_text=True)
    assert 'action="/retention/due/keep"' in only_held.get_data(as_text=True)  # it can still be kept


def test_the_appraisal_attached_must_be_a_pdf_or_a_scanned_image(browser, world, session, make_dossier):
    dossier = make_dossier("archived")
    archivist_actor = world.actor("archivist")
    listed = destruction.propose(session, archivist_actor, world.org.id, [dossier.id], "Danh mục", "Hết hạn", now=LATER)
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    session.commit()
    archivist = browser("archivist")
    fake = {**paper("12/SNV"), "attachment": file_field(b"hello", "tham-dinh.pdf")}
    refused = archivist.post(f"/retention/lists/{listed.id}/appraisal", fake)
    assert refused.status_code == 422
    assert "Tệp đính kèm không phải PDF hay ảnh quét (JPEG, PNG, TIFF)" in text(refused)
    session.expire_all()
    assert the_list(session).state.value == "proposed" and the_list(session).appraisal_file_id is None
    jpeg = {**paper("12/SNV"), "attachment": file_field(b"\xff\xd8\xff\xe0 scan of the appraisal", "tham-dinh.jpg")}
    assert archivist.post(f"/retention/lists/{listed.id}/appraisal", jpeg).status_code == 302
    session.expire_all()
    assert session.get(StoredFile, the_list(session).appraisal_file_id).media_type == "image/jpeg"


def test_a_list_executed_with_every_dossier_held_back_does_not_read_as_destroyed(browser, world, session, make_dossier):
    dossier = make_dossier("archived")
    listed = destruction.propose(
        session, world.actor("archivist"), world.org.id, [dossier.id], "Danh mục", "Hết hạn", now=LATER
    )
    for item in listed.items:  # as an execution leaves an item a hold reached first
        item.done = item.held = item.withdrawn = True
    listed.state = DestructionListState.EXECUTED
    session.commit()
    archivist = browser("archivist")
    said = "Đã thực hiện: không hồ sơ nào bị hủy (đều được giữ lại do đang bị phong tỏa)"
    assert said in text(archivist.get(f"/retention/lists/{listed.id}"))
    assert said in text(archivist.get("/retention/lists"))
