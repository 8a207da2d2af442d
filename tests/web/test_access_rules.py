"""One change of access for many dossiers when the agency's rules change (PL6 IV.1.d): proposed for a unit's or some
years' dossiers at once, in force only once an authorised person other than the proposer confirms them together
from the home page; a dossier under that regime already is left as it is; bad choices change nothing."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from erms.models import AccessChange, AuditEvent, Dossier
from filing import access_rules


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def changes(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AccessChange.id)))


def test_a_units_dossiers_are_restricted_together_once_the_head_confirms(browsers, session, world, make_dossier):
    first, second, already = make_dossier("open"), make_dossier("closed"), make_dossier("open")
    already.rights = "restricted"
    theirs = make_dossier("open")
    theirs.unit_id = world.unit_b.id  # another unit's: not in the choice
    session.commit()
    officer = browsers("officer1")
    assert "Thay đổi quyền truy cập cho nhiều hồ sơ" in text_of(officer.get("/access/rules"))
    form = {"of_unit": str(world.unit_a.id), "first_year": "2026", "last_year": "2026", "kind": "restrict"}
    sent = officer.post("/access/rules", {**form, "reason": "Quy chế bảo vệ bí mật số 12/QĐ-UBND"})
    assert sent.status_code == 302
    shown = text_of(officer.get("/access/rules"))
    assert "Đã đề xuất thay đổi quyền truy cập cho 2 hồ sơ" in shown and already.file_code in shown
    session.expire_all()
    assert [session.get(Dossier, d.id).rights for d in (first, second, theirs)] == ["public"] * 3  # not yet

    home = browsers("head").get("/")
    (rule,) = session.scalars(select(AccessChange.rule).distinct()).all()
    assert f'action="/access/rules/{rule}"' in home.get_data(as_text=True)
    assert "2 hồ sơ: Hạn chế sử dụng (chỉ những người được chỉ định)" in text_of(
        home
    ) and "Quy chế bảo vệ bí mật số 12/QĐ-UBND" in text_of(home)
    refused = officer.post(f"/access/rules/{rule}", {"decision": "confirm"})  # the proposer confirms nothing
    assert refused.status_code == 403
    head = browsers("head")
    head.get("/")
    done = head.post(f"/access/rules/{rule}", {"decision": "confirm"})
    assert done.status_code == 302
    assert "Thay đổi quyền truy cập đã có hiệu lực với 2 hồ sơ." in text_of(head.get("/"))
    session.expire_all()
    assert [session.get(Dossier, d.id).rights for d in (first, second, theirs)] == [
        "restricted",
        "restricted",
        "public",
    ]
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "access.confirmed")) == 2
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.rule_proposed")).all()
    assert '"dossiers": 2' in event.details and '"unchanged": 1' in event.details
    assert head.post(f"/access/rules/{rule}", {"decision": "confirm"}).status_code == 404  # nothing left to decide


def test_a_bad_choice_is_refused_in_words_and_proposes_nothing(browsers, session, world, make_dossier, monkeypatch):
    make_dossier("open"), make_dossier("open")
    session.commit()
    officer = browsers("officer1")
    empty = officer.post("/access/rules", {"first_year": "hai nghìn", "kind": "", "reason": ""})
    assert empty.status_code == 422
    assert 'id="first_year-error"' in empty.get_data(as_text=True)
    backwards = officer.post(
        "/access/rules", {"first_year": "2026", "last_year": "2020", "kind": "open", "reason": "x"}
    )
    assert "Năm cuối không thể trước năm đầu." in text_of(backwards)
    nowhere = officer.post("/access/rules", {"kind": "share_unit", "unit_id": "999999", "reason": "Quy chế"})
    assert nowhere.status_code == 422 and "Hãy chọn một đơn vị khác" in text_of(nowhere)
    monkeypatch.setattr(access_rules, "MAX_DOSSIERS", 1)
    too_many = officer.post("/access/rules", {"kind": "restrict", "reason": "Quy chế"})
    assert "Có 2 hồ sơ phù hợp; mỗi lần chỉ thay đổi tối đa 1" in text_of(too_many)
    assert changes(session) == 0
    assert browsers("registry").get("/access/rules").status_code == 403  # the registry changes no access


def test_a_dossier_the_proposer_does_not_read_is_left_out_of_the_choice(browsers, session, world, make_dossier):
    public, restricted = make_dossier("open"), make_dossier("open")
    restricted.rights = "restricted"  # read by its unit's formers, the head and the people named: not the administrator
    session.commit()
    admin = browsers("admin")
    sent = admin.post("/access/rules", {"of_unit": str(world.unit_a.id), "kind": "restrict", "reason": "Quy chế"})
    assert sent.status_code == 302
    proposed = session.scalars(select(AccessChange.dossier_id)).all()
    assert proposed == [public.id]
    assert restricted.file_code not in text_of(admin.get("/access/rules"))  # not even named as left unchanged
