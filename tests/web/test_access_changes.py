"""Access per dossier (issue 21, NĐ 30 PL6 III.3.b/c, IV.1.a/c/d): a share or a restriction is proposed, shown as a
pending warning, and changes nothing until an authorised person confirms it; then the dossier page, its downloads,
the lists and the search all obey it."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from erms_browser import Browser
from pypdf import PdfReader
from sqlalchemy import func, select

from erms import search
from erms.errors import InvalidMetadata
from erms.models import AccessChange, AccessChangeState, AuditEvent, Dossier
from filing import access, dossiers
from tests.factories import DOCUMENT, upload
from tests.web.test_api import caller


@pytest.fixture
def dossier(make_dossier, session, world, store, now):
    """An open dossier of unit A holding a document whose words only it has, committed and indexed."""
    opened = make_dossier("open", documents=0)
    dossiers.add_document(
        session,
        world.actor("officer1"),
        opened.id,
        dict(DOCUMENT, subject="Phương án bồi thường giải phóng mặt bằng"),
        upload(b"boi thuong giai phong mat bang", "phuong-an.txt"),
        store=store,
        now=now,
    )
    session.commit()
    reindex(session)
    return opened


def reindex(session) -> None:
    """Index what the requests committed, as the worker would (its session reads the rows afresh)."""
    session.expire_all()
    search.catch_up(session)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def finds(browser: Browser, words: str) -> bool:
    return "Phương án bồi thường" in page_text(browser.get(f"/search/?q={words}"))


def propose(browser: Browser, dossier_id: int, **form) -> object:
    return browser.post(f"/access/dossiers/{dossier_id}", {"reason": "Phối hợp xử lý", **form})


def decide(browser: Browser, session, decision: str = "confirm") -> object:
    change = session.scalars(select(AccessChange).order_by(AccessChange.id.desc())).first()
    return browser.post(f"/access/changes/{change.id}", {"decision": decision})


def test_a_share_does_nothing_until_confirmed_then_opens_the_dossier_to_the_other_unit(
    browsers, dossier, session, world
):
    officer1, officer2, unithead = browsers("officer1"), browsers("officer2"), browsers("unithead")
    assert propose(officer1, dossier.id, kind="share_unit", unit_id=str(world.unit_b.id)).status_code == 302
    reindex(session)
    assert officer2.get(f"/dossiers/{dossier.id}").status_code == 404 and not finds(officer2, "boi+thuong")
    warning = page_text(officer1.get(f"/dossiers/{dossier.id}"))
    assert "Thay đổi quyền truy cập đang chờ xác nhận: Chia sẻ với đơn vị khác: Phòng Tài chính - Kế hoạch" in warning
    assert "Chia sẻ với đơn vị khác: Phòng Tài chính - Kế hoạch" in page_text(unithead.get("/"))
    assert decide(officer1, session).status_code == 403  # the proposer's role confirms nothing
    assert decide(unithead, session).status_code == 302
    reindex(session)
    assert officer2.get(f"/dossiers/{dossier.id}").status_code == 200 and finds(officer2, "boi+thuong")
    version = dossier.links[0].document.versions[0]
    assert officer2.get(f"/dossiers/{dossier.id}/versions/{version.id}").status_code == 200
    share = session.scalars(select(AccessChange).where(AccessChange.state == AccessChangeState.CONFIRMED)).one()
    propose(officer1, dossier.id, kind="end_share", share_id=str(share.id))
    decide(unithead, session)
    reindex(session)
    assert officer2.get(f"/dossiers/{dossier.id}").status_code == 404 and not finds(officer2, "boi+thuong")
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("access.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["access.proposed", "access.confirmed", "access.proposed", "access.confirmed"]


def test_a_restricted_dossier_is_read_only_by_its_unit_the_head_and_the_people_named(browsers, dossier, session, world):
    registry, archivist, head, officer1 = (
        browsers("registry"),
        browsers("archivist"),
        browsers("head"),
        browsers("officer1"),
    )
    assert finds(registry, "boi+thuong")
    propose(officer1, dossier.id, kind="restrict")
    assert registry.get(f"/dossiers/{dossier.id}").status_code == 200  # pending: nothing changed yet
    decide(head, session)
    reindex(session)
    for outsider in (registry, archivist):
        assert outsider.get(f"/dossiers/{dossier.id}").status_code == 404
        assert not finds(outsider, "boi+thuong") and dossier.file_code not in page_text(outsider.get("/"))
    assert officer1.get(f"/dossiers/{dossier.id}").status_code == 200 and finds(officer1, "boi+thuong")
    assert head.get(f"/dossiers/{dossier.id}").status_code == 200 and finds(head, "boi+thuong")
    propose(officer1, dossier.id, kind="share_person", user_id=str(world.users["registry"].id))
    decide(head, session)
    reindex(session)
    assert registry.get(f"/dossiers/{dossier.id}").status_code == 200 and finds(registry, "boi+thuong")
    assert archivist.get(f"/dossiers/{dossier.id}").status_code == 404


def test_the_proposer_never_confirms_their_own_change(browsers, dossier, session):
    unithead = browsers("unithead")
    propose(unithead, dossier.id, kind="restrict")
    refused = decide(unithead, session)
    assert refused.status_code == 302
    assert "Một người có thẩm quyền khác xác nhận thay đổi do bạn đề xuất." in page_text(
        unithead.get(refused.headers["Location"])
    )
    assert session.get(Dossier, dossier.id).rights == "public"
    assert decide(browsers("head"), session, "reject").status_code == 302
    assert session.get(Dossier, dossier.id).rights == "public"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "share_unit", "unit_id": "VP"}, "Hãy chọn một đơn vị khác của cơ quan."),
        ({"kind": "share_person", "user_id": "99999"}, "Hãy chọn một người của cơ quan."),
        ({"kind": "share_unit", "until": "2020-01-01"}, "Ngày cuối của việc chia sẻ không thể ở trong quá khứ."),
        ({"kind": "open"}, "Hồ sơ đã theo chế độ này."),
        ({"kind": "bogus"}, "Hãy chọn một giá trị trong danh sách."),
        ({"kind": "restrict", "reason": ""}, "Trường này là bắt buộc."),
    ],
)
def test_a_wrong_proposal_is_refused_in_words_and_changes_nothing(browsers, dossier, session, world, form, message):
    if form.get("unit_id") == "VP":
        form = {**form, "unit_id": str(world.unit_a.id)}  # the dossier's own unit
    if "until" in form:
        form = {**form, "unit_id": str(world.unit_b.id)}
    officer1 = browsers("officer1")
    refused = propose(officer1, dossier.id, **form)
    # The form comes back on its own page with the problem and what was typed.
    assert refused.status_code == 422
    assert message in page_text(refused)
    if form.get("reason", "x"):
        assert "Phối hợp xử lý</textarea>" in refused.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AccessChange)) == 0


def test_a_share_ends_after_its_last_day(browsers, dossier, session, world, now):
    last_day = now.date() + timedelta(days=3)
    propose(
        browsers("officer1"), dossier.id, kind="share_unit", unit_id=str(world.unit_b.id), until=last_day.isoformat()
    )
    decide(browsers("unithead"), session)
    officer2 = browsers("officer2")
    assert access.end_expired(session, last_day, now=now) == 0
    assert officer2.get(f"/dossiers/{dossier.id}").status_code == 200
    assert access.end_expired(session, last_day + timedelta(days=1), now=now) == 1
    session.flush()
    assert officer2.get(f"/dossiers/{dossier.id}").status_code == 404
    ended = select(AuditEvent.subject_id).where(AuditEvent.action == "access.share_ended")
    assert session.scalars(ended).all() == [dossier.id]


def test_the_regime_is_not_changed_by_editing_the_dossier(client, dossier, session, world, now):
    client.login("officer1")
    fields = {"title": dossier.title, "start_date": "2026-01-05", "language": "Tiếng Việt", "rights": "restricted"}
    assert client.post(f"/dossiers/{dossier.id}/edit", fields).status_code == 302  # the form has no such field
    assert session.get(Dossier, dossier.id).rights == "public"
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.update_dossier(session, world.actor("officer1"), dossier.id, {"rights": "restricted"}, now=now)
    assert [problem.field for problem in refused.value.problems] == ["rights"]


def test_a_document_restricted_on_its_own_keeps_its_summary_and_files_to_the_people_named(
    browsers, dossier, session, world
):
    registry, officer1, head = browsers("registry"), browsers("officer1"), browsers("head")
    document = dossier.links[0].document
    version = document.versions[0]
    propose(officer1, dossier.id, kind="restrict", document_id=str(document.id))
    assert "Phương án bồi thường" in page_text(registry.get(f"/dossiers/{dossier.id}"))  # pending: nothing yet
    decide(head, session)
    reindex(session)
    page = page_text(registry.get(f"/dossiers/{dossier.id}"))
    assert "Phương án bồi thường" not in page and "hạn chế sử dụng: trích yếu và tệp chỉ dành cho" in page
    assert registry.get(f"/dossiers/{dossier.id}/versions/{version.id}").status_code == 404
    assert not finds(registry, "boi+thuong")
    assert officer1.get(f"/dossiers/{dossier.id}/versions/{version.id}").status_code == 200 and finds(
        officer1, "boi+thuong"
    )
    propose(
        officer1, dossier.id, kind="share_person", document_id=str(document.id), user_id=str(world.users["registry"].id)
    )
    decide(head, session)
    reindex(session)
    assert registry.get(f"/dossiers/{dossier.id}/versions/{version.id}").status_code == 200
    assert not finds(registry, "boi+thuong")  # a person named reads it from the dossier's page, not the search
    assert session.get(Dossier, dossier.id).rights == "public"


def test_a_person_is_named_on_a_document_only_once_they_read_its_dossier(browsers, dossier, world, session):
    officer1 = browsers("officer1")
    document_id, outsider = dossier.links[0].document_id, world.users["officer2"].id
    refused = propose(officer1, dossier.id, kind="share_person", document_id=str(document_id), user_id=str(outsider))
    assert refused.status_code == 422
    shown = page_text(refused)
    assert "Người này không được đọc hồ sơ: hãy chia sẻ hồ sơ với họ trước." in shown
    assert session.scalar(select(func.count()).select_from(AccessChange)) == 0


def test_a_restricted_documents_note_and_keywords_are_withheld_with_its_summary(
    app, browsers, dossier, session, token_of
):
    document = dossier.links[0].document
    document.description, document.keyword = "Ghi chú về phương án bồi thường", "bồi thường đợt hai"
    session.commit()
    registry, officer1, head = browsers("registry"), browsers("officer1"), browsers("head")
    propose(officer1, dossier.id, kind="restrict", document_id=str(document.id))
    decide(head, session)
    page_url = f"/dossiers/{dossier.id}/documents/{document.id}"
    page = page_text(registry.get(page_url))
    assert "Ghi chú về phương án" not in page and "bồi thường đợt hai" not in page
    assert page.count("(không hiển thị, như trích yếu)") == 2
    own = page_text(officer1.get(page_url))
    assert "Ghi chú về phương án bồi thường" in own and "bồi thường đợt hai" in own
    api = caller(app)
    theirs = api("GET", f"/documents/{document.id}", token_of("registry")).json
    assert (theirs["subject"], theirs["description"], theirs["keyword"]) == ("", "", "")
    assert api("GET", f"/documents/{document.id}", token_of("officer1")).json["keyword"] == "bồi thường đợt hai"
    whole = registry.get(f"/dossiers/{dossier.id}/dossier.pdf")
    assert whole.status_code == 200
    printed = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(whole.data)).pages)
    assert "Ghi chú về phương án" not in printed and "đợt hai" not in printed and "hạn chế sử dụng" in printed


def test_the_proposal_has_a_page_of_its_own_and_the_dossier_page_carries_no_list_of_people(browsers, dossier, world):
    officer1, registry = browsers("officer1"), browsers("registry")
    page = officer1.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert f'href="/access/dossiers/{dossier.id}"' in page
    assert 'name="user_id"' not in page and world.users["registry"].full_name not in page
    form = officer1.get(f"/access/dossiers/{dossier.id}")
    assert form.status_code == 200
    assert f'<option value="{world.users["registry"].id}">{world.users["registry"].full_name}</option>' in (
        form.get_data(as_text=True)
    )
    # Whoever may not propose finds neither the link nor the form.
    assert f'href="/access/dossiers/{dossier.id}"' not in registry.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert registry.get(f"/access/dossiers/{dossier.id}").status_code == 403
