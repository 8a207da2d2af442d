"""The home page's "Việc đang chờ bạn": the steps that wait for this person now, each linked to where it is done,
taken from the records' states (a step done by a colleague leaves the list though its notice stays), and never
another organisation's."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

from erms_browser import make_pdf

from classification import dossier_list as dossier_lists
from filing import transfers
from holdings import use_requests
from holdings.use_requests import Asked
from retention import destruction
from tests.factories import another_agency

# 10-year dossiers closed in 2026 may be destroyed from 1 January 2037.
LATER = datetime(2037, 3, 2, 3, 0, tzinfo=UTC)
WAITING = re.compile(r'<section class="panel" id="waiting">(.*?)</section>', re.S)


def waiting(browser) -> list[str]:
    """The steps on the person's home page, as "text -> link" (no link: the text alone)."""
    found = WAITING.search(browser.get("/").get_data(as_text=True))
    if found is None:
        return []
    steps = re.findall(r'<li class="entry">(?:<a href="([^"]+)">)?(.*?)(?:</a>)?</li>', found.group(1))
    return [f"{html.unescape(text)} -> {link}" if link else html.unescape(text) for link, text in steps]


def test_the_year_list_waits_for_the_registry_then_for_the_head(browsers, session, world, store, now, password_hash):
    other = another_agency(session, world, store, now, password_hash)
    registry, head = browsers("registry"), browsers("head")
    not_approved = "Danh mục hồ sơ năm 2026 chưa được phê duyệt: hãy trình người đứng đầu cơ quan phê duyệt."
    not_made = "Danh mục hồ sơ năm 2026 chưa được lập: hãy lập rồi trình người đứng đầu cơ quan phê duyệt."
    assert waiting(registry) == [not_made] and waiting(head) == []
    world.approved_list(year=2027)  # another year's list changes nothing of this year's step
    assert waiting(registry) == [not_made]
    listed = dossier_lists.create_list(session, world.actor("registry"), world.org.id, 2026, now=now)
    assert waiting(registry) == [f"{not_approved} -> /dossier-lists/{listed.id}"]
    heading = dossier_lists.add_heading(session, world.actor("registry"), listed.id, "I", "Tổng hợp", now=now)
    dossier_lists.add_entry(
        session,
        world.actor("registry"),
        listed.id,
        title="Hồ sơ hội nghị",
        unit_id=world.unit_a.id,
        retention_row_id=world.rows["10y"].id,
        heading_id=heading.id,
        now=now,
    )
    dossier_lists.submit_for_approval(session, world.actor("registry"), listed.id, now=now)
    assert waiting(registry) == []  # with the head now
    assert waiting(head) == [f"Danh mục hồ sơ năm 2026 đang chờ bạn phê duyệt. -> /dossier-lists/{listed.id}"]
    assert waiting(browsers("head2")) == [] and waiting(browsers("registry2")) == []  # another agency's
    assert waiting(browsers("officer1")) == []
    dossier_lists.approve(session, world.actor("head"), listed.id, "01/QĐ-UBND", now=now)
    assert waiting(head) == [] and waiting(registry) == []
    assert waiting(browsers("registry2")) == [] and other.org.id != world.org.id


def test_a_decided_transfer_waits_for_each_side_of_the_joint_check_until_signed(
    browsers, session, world, store, now, make_dossier
):
    world.approved_list()
    dossier = make_dossier("archived")
    (transfer,) = transfers.transfers_of(session, world.actor("archivist"))
    step = f"Lần nộp lưu của {world.unit_a.name} đang chờ bạn ký xác nhận kiểm tra chung. -> /transfers/{transfer.id}"
    registry, archivist = browsers("registry"), browsers("archivist")
    assert waiting(registry) == [step] and waiting(archivist) == [step]
    assert waiting(browsers("officer1")) == [] and waiting(browsers("head")) == []
    transfers.sign(session, world.actor("archivist"), transfer.id, store=store, now=now)
    assert waiting(archivist) == [] and waiting(registry) == [step]
    transfers.sign(session, world.actor("registry"), transfer.id, store=store, now=now)
    assert waiting(registry) == [] and transfer.items[0].dossier_id == dossier.id


def test_a_use_request_waits_for_the_head_until_decided(browsers, session, world, now, make_dossier):
    world.approved_list()
    archived = make_dossier("archived")
    asked = use_requests.ask(
        session, world.actor("officer2"), world.org.id, Asked(archived.file_code, "Nghiên cứu lịch sử"), now=now
    )
    head = browsers("head")
    assert waiting(head) == [
        f"Phiếu {asked.reference} đề nghị khai thác 1 hồ sơ lưu trữ đang chờ bạn quyết định: Nghiên cứu lịch sử"
        f" -> /use/{asked.id}"
    ]
    use_requests.decide(session, world.actor("head"), asked.id, True, now.date() + timedelta(days=5), "", now=now)
    assert waiting(head) == []


def test_a_destruction_list_waits_for_each_council_member_then_the_head_then_the_archivist(
    browsers, session, world, store, now, make_dossier
):
    world.approved_list()
    dossier = make_dossier("archived")
    archivist = world.actor("archivist")
    title = "Danh mục hết hạn"
    listed = destruction.propose(session, archivist, world.org.id, [dossier.id], title, "Hết hạn", now=LATER)
    council, head, archive = browsers("council1"), browsers("head"), browsers("archivist")
    link = f" -> /retention/lists/{listed.id}"
    assert waiting(council) == ["Danh mục tài liệu hủy “Danh mục hết hạn” đang chờ ý kiến của bạn." + link]
    assert waiting(head) == [] and [step for step in waiting(archive) if "hủy" in step] == []
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    assert waiting(council) == []  # given: the list waits for the others and the appraisal, not for this member
    scan = destruction.Paper("12/SNV", date(2037, 3, 2), io.BytesIO(make_pdf("12")), "")
    destruction.record_appraisal(session, archivist, listed.id, scan, store=store, now=LATER)
    assert waiting(head) == ["Danh mục tài liệu hủy “Danh mục hết hạn” đang chờ bạn quyết định." + link]
    decision = destruction.Paper("45/QĐ", date(2037, 3, 2), io.BytesIO(make_pdf("45")), "Nguyễn Thị Thu Hà")
    destruction.approve(session, world.actor("head"), listed.id, decision, store=store, now=LATER)
    assert waiting(head) == []
    assert [step for step in waiting(archive) if "hủy" in step] == [
        "Người đứng đầu đã quyết định hủy tài liệu theo danh mục “Danh mục hết hạn”: hãy tổ chức thực hiện." + link
    ]
