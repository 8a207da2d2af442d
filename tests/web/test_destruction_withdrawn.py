"""A destruction list the council does not agree to goes no further, and is withdrawn with a reason, destroying
nothing: its dossiers return to the due list and may be proposed again; the chain's dates follow one another and none
lies ahead; the destruction record prints the council's opinions (findings of the archive's year walked in
Chromium)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from erms.models import DestructionList, Dossier
from erms.models.appraisal import DestructionListState
from exports.pdf import destruction_record
from retention import destruction
from tests.retention.retention_helpers import paper as paper_of
from tests.web.test_retention_pages import LATER, paper, text


def proposed(session, world, dossier, title: str = "Danh mục hết giá trị 2037") -> DestructionList:
    listed = destruction.propose(
        session, world.actor("archivist"), world.org.id, [dossier.id], title, "Hết thời hạn bảo quản.", now=LATER
    )
    session.commit()
    return listed


def opinion(browser, listed, agrees: bool, comment: str = "") -> None:
    answer = browser.post(
        f"/retention/lists/{listed.id}/opinion", {"agrees": "yes" if agrees else "no", "comment": comment}
    )
    assert answer.status_code == 302, text(answer)


def test_a_list_the_council_disagrees_with_is_withdrawn_and_its_dossier_proposed_again(
    later,
    session,
    world,
    make_dossier,
):
    dossier = make_dossier("archived")
    listed = proposed(session, world, dossier)
    opinion(later("council1"), listed, False, "Còn giá trị tra cứu, đề nghị giữ lại.")
    archivist = later("archivist")
    page = text(archivist.get(f"/retention/lists/{listed.id}"))
    assert "Phần lớn ý kiến của Hội đồng đến nay không đồng ý hủy các tài liệu này" in page
    raw = archivist.get(f"/retention/lists/{listed.id}").get_data(as_text=True)
    assert 'href="#withdraw"' in raw and 'id="appraisal"' not in raw  # the next step offered is the withdrawal
    refused = archivist.post(f"/retention/lists/{listed.id}/appraisal", paper("12/SNV"))
    assert refused.status_code == 422
    assert "Hội đồng xác định giá trị tài liệu chưa đồng ý hủy các tài liệu này (0 trên 1 ý kiến đồng ý)" in text(
        refused
    )
    session.expire_all()
    assert session.get(DestructionList, listed.id).state is DestructionListState.PROPOSED
    # Withdrawn, with a reason (none is refused, and the council does not withdraw).
    assert "Rút lại danh mục (không hủy tài liệu nào)" in page
    assert archivist.post(f"/retention/lists/{listed.id}/withdraw", {"reason": " "}).status_code == 422
    assert later("council1").post(f"/retention/lists/{listed.id}/withdraw", {"reason": "x"}).status_code == 403
    done = archivist.post(f"/retention/lists/{listed.id}/withdraw", {"reason": "Hội đồng không đồng ý hủy."})
    assert done.status_code == 302
    shown = text(archivist.get(f"/retention/lists/{listed.id}"))
    assert "Đã rút lại: không hủy tài liệu nào" in shown and "Hội đồng không đồng ý hủy." in shown
    session.expire_all()
    assert session.get(Dossier, dossier.id).state.value == "archived"  # nothing destroyed
    assert dossier.file_code in text(archivist.get("/retention/due"))  # back on the due list
    again = proposed(session, world, dossier, "Danh mục hết giá trị, lập lại")
    assert again.id != listed.id and [item.dossier_id for item in again.items] == [dossier.id]
    assert [item.dossier_id for item in session.get(DestructionList, listed.id).items] == [dossier.id]  # its record
    # Once withdrawn, the list takes no further step.
    assert archivist.post(f"/retention/lists/{listed.id}/appraisal", paper("13/SNV")).status_code == 422


def test_the_head_withdraws_an_appraised_list_but_not_one_he_decided(later, session, world, make_dossier):
    first, second = make_dossier("archived"), make_dossier("archived")
    kept, decided = proposed(session, world, first), proposed(session, world, second, "Danh mục thứ hai")
    council, archivist, head = later("council1"), later("archivist"), later("head")
    for listed in (kept, decided):
        opinion(council, listed, True)
        assert archivist.post(f"/retention/lists/{listed.id}/appraisal", paper("12/SNV")).status_code == 302
    decision = paper("45/QĐ-UBND", signer="Nguyễn Thị Thu Hà")
    assert head.post(f"/retention/lists/{decided.id}/decision", decision).status_code == 302
    assert (
        head.post(f"/retention/lists/{kept.id}/withdraw", {"reason": "Cần giữ phục vụ thanh tra."}).status_code == 302
    )
    refused = head.post(f"/retention/lists/{decided.id}/withdraw", {"reason": "Đổi ý."})
    assert refused.status_code == 422 and "không còn rút lại danh mục được nữa" in text(refused)
    session.expire_all()
    states = [session.get(DestructionList, listed.id).state for listed in (kept, decided)]
    assert states == [DestructionListState.WITHDRAWN, DestructionListState.APPROVED]


def test_the_chains_dates_follow_one_another_and_none_lies_ahead(later, session, world, make_dossier):
    listed = proposed(session, world, make_dossier("archived"))
    opinion(later("council1"), listed, True)
    archivist, head = later("archivist"), later("head")
    url = f"/retention/lists/{listed.id}"
    for on, said in (
        ("2030-12-31", "Văn bản thẩm định không thể có ngày trước ngày lập danh mục (02/03/2037)."),
        ("2041-01-01", "Ngày này ở sau hôm nay."),
        ("2037-13-01", "Ngày tháng không hợp lệ (ngày/tháng/năm)."),
    ):
        refused = archivist.post(f"{url}/appraisal", {**paper("12/SNV"), "on": on})
        assert refused.status_code == 422 and said in text(refused), on
    assert archivist.post(f"{url}/appraisal", paper("12/SNV")).status_code == 302
    early = head.post(f"{url}/decision", {**paper("45/QĐ", signer="Bà Hà"), "on": "2037-03-01"})
    assert "Quyết định hủy không thể có ngày trước ngày của văn bản thẩm định (02/03/2037)." in text(early)
    session.expire_all()
    assert session.get(DestructionList, listed.id).state is DestructionListState.APPRAISED


def test_the_destruction_record_prints_the_councils_opinions(session, world, store, make_dossier):
    dossier = make_dossier("archived")
    listed = proposed(session, world, dossier)
    world.user("council2", world.users["council1"].memberships[0].role, None)
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=LATER)
    destruction.record_opinion(session, world.actor("council2"), listed.id, True, "Đồng ý, đã hết giá trị.", now=LATER)
    destruction.record_appraisal(
        session, world.actor("archivist"), listed.id, paper_of("12/SNV"), store=store, now=LATER
    )
    record = destruction.record_values(session, world.actor("archivist"), listed.id, now=LATER)
    printed = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(destruction_record.render(record))).pages)
    printed = " ".join(printed.split())
    assert "Ý kiến của Hội đồng xác định giá trị tài liệu (2/2 đồng ý): Nguyễn Văn council1: đồng ý;" in printed
    assert "Nguyễn Văn council2: đồng ý (Đồng ý, đã hết giá trị.)" in printed


def test_a_second_tab_proposing_what_the_first_proposed_says_where_it_went(later, session, world, make_dossier):
    dossier = make_dossier("archived")
    archivist = later("archivist")
    preview = archivist.post("/retention/due/preview", {"dossier_id": str(dossier.id)})
    assert preview.status_code == 200 and dossier.file_code in text(preview)
    proposed(session, world, dossier)  # from the first tab
    form = {"dossier_id": str(dossier.id), "title": "Danh mục", "explanation": "Hết hạn"}
    late = archivist.post("/retention/due/propose", form)
    said = text(late)
    assert late.status_code == 422 and "Hồ sơ đã có trong một danh mục tài liệu hết giá trị." in said
    assert "Không hồ sơ nào đã chọn còn trong danh sách đến hạn" in said
    assert 'href="/retention/lists"' in late.get_data(as_text=True)
