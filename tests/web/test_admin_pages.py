"""Administration from the web (issue 21): an organisation's administrator manages its unit tree and its people;
a person moved to another unit loses the old unit's dossiers at once; bad input changes nothing."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from erms_browser import PASSWORD, Browser
from sqlalchemy import func, select

from erms.models import AuditEvent, Notification, Role, RoleMembership, Unit, User
from erms.models.dossier import Medium
from holdings import use_requests
from holdings.use_requests import Asked


@pytest.fixture
def admin(app):
    browser = Browser(app.test_client())
    browser.login("admin")
    return browser


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_administrator_builds_the_unit_tree(admin, world, session):
    added = admin.post(
        f"/admin/organisations/{world.org.id}/units",
        {"code": "TCKH-NS", "name": "Tổ ngân sách", "parent": str(world.unit_b.id)},
    )
    assert added.status_code == 302
    section = session.scalar(select(Unit).where(Unit.code == "TCKH-NS"))
    assert section.parent_id == world.unit_b.id and section.organisation_id == world.org.id
    shown = page_text(admin.get(f"/admin/organisations/{world.org.id}"))
    assert "TCKH Phòng Tài chính - Kế hoạch" in shown and "TCKH-NS Tổ ngân sách" in shown
    looped = admin.post(
        f"/admin/units/{world.unit_b.id}", {"name": "Phòng TCKH", "parent": str(section.id), "active": "yes"}
    )
    assert looped.status_code == 422
    assert "Không thể đặt một đơn vị dưới chính nó hoặc dưới một đơn vị thuộc nó." in page_text(looped)
    assert (
        session.get(Unit, world.unit_b.id).parent_id is None and session.get(Unit, world.unit_b.id).name != "Phòng TCKH"
    )


def test_a_unit_with_people_is_not_closed(admin, world, session):
    refused = admin.post(f"/admin/units/{world.unit_a.id}", {"name": world.unit_a.name, "parent": "", "active": "no"})
    assert refused.status_code == 422 and "2 người vẫn có vai trò trong đơn vị này" in page_text(refused)
    assert session.get(Unit, world.unit_a.id).active


def test_a_new_person_logs_in_with_the_role_given(admin, app, world, session):
    created = admin.post(
        f"/admin/organisations/{world.org.id}/people",
        {
            "full_name": "Phạm Thị Lan",
            "username": "lan.pt",
            "position": "Chuyên viên",
            "password": "mat-khau-lan-2026",
            "role": "officer",
            "unit_id": str(world.unit_b.id),
        },
    )
    assert created.status_code == 302
    lan = session.scalar(select(User).where(User.username == "lan.pt"))
    assert [(m.role.value, m.unit_id) for m in lan.memberships] == [("officer", world.unit_b.id)]
    browser = Browser(app.test_client())
    assert browser.login("lan.pt", "mat-khau-lan-2026").status_code == 302
    assert browser.change_password("mat-khau-lan-2026", "mat-khau-cua-lan-2026").status_code == 302
    assert "Phạm Thị Lan" in page_text(browser.get("/"))


def test_a_refused_person_form_names_every_problem_and_creates_nothing(admin, world, session):
    before = session.scalar(select(func.count()).select_from(User))
    refused = admin.post(
        f"/admin/organisations/{world.org.id}/people",
        {"full_name": "", "username": "Lan PT", "password": "ngan", "role": "officer", "unit_id": ""},
    )
    text = page_text(refused)
    assert refused.status_code == 422
    assert "Tên đăng nhập chỉ gồm chữ thường, chữ số, dấu chấm và gạch ngang" in text
    assert "Mật khẩu phải có ít nhất 8 ký tự." in text
    assert "Chuyên viên hoặc lãnh đạo đơn vị làm việc trong một đơn vị: hãy chọn đơn vị." in text
    assert session.scalar(select(func.count()).select_from(User)) == before
    # The administration, the register and the archive are the whole organisation's: not given for one unit.
    for role in ("admin", "registry", "archivist"):
        one_unit = admin.post(
            f"/admin/organisations/{world.org.id}/people",
            {"full_name": "Trần Văn An", "username": f"an.{role}", "password": "mat-khau-an-2026", "role": role}
            | {"unit_id": str(world.unit_a.id)},
        )
        assert one_unit.status_code == 422, role
        assert "Vai trò này thuộc về cả cơ quan: không chọn đơn vị." in page_text(one_unit), role
    assert session.scalar(select(func.count()).select_from(User)) == before


def test_a_person_moved_to_another_unit_loses_the_old_units_dossiers_at_once(admin, app, world, session, make_dossier):
    opened = make_dossier("open")
    officer = Browser(app.test_client())
    officer.login("officer1")
    assert officer.get(f"/dossiers/{opened.id}").status_code == 200
    moved = admin.post(f"/admin/people/{world.users['officer1'].id}/move", {"unit_id": str(world.unit_b.id)})
    assert moved.status_code == 302
    assert officer.get(f"/dossiers/{opened.id}").status_code == 302  # the session ended: log in again
    officer.login("officer1")
    assert officer.get(f"/dossiers/{opened.id}").status_code == 404
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.moved")).one()
    assert json.loads(event.details) == {"from_units": ["VP"], "to_unit": "TCKH"}
    assert opened.creator_id == world.users["officer1"].id  # authorship stays


def test_a_deactivated_person_cannot_log_in_and_keeps_their_name(admin, app, world, session):
    officer = Browser(app.test_client())
    officer.login("officer2")
    assert admin.post(f"/admin/people/{world.users['officer2'].id}/active", {"active": "no"}).status_code == 302
    assert officer.get("/").status_code == 302
    assert Browser(app.test_client()).login("officer2").status_code == 401
    assert session.get(User, world.users["officer2"].id).full_name == "Nguyễn Văn officer2"


def test_the_administrator_does_not_deactivate_themself(admin, world, session):
    refused = admin.post(f"/admin/people/{world.users['admin'].id}/active", {"active": "no"}, follow_redirects=True)
    assert "Bạn không thể vô hiệu hóa tài khoản của chính mình." in page_text(refused)
    assert session.get(User, world.users["admin"].id).active


def test_nobody_gives_themselves_a_role(admin, world, session):
    me = world.users["admin"]
    assert "Không ai tự giao vai trò cho chính mình" in page_text(admin.get(f"/admin/people/{me.id}"))
    refused = admin.post(
        f"/admin/people/{me.id}/roles", {"organisation_id": str(world.org.id), "role": "head", "unit_id": ""}
    )
    assert "Không ai tự giao vai trò cho chính mình: một quản trị viên khác giao." in page_text(refused)
    session.refresh(me)
    assert [membership.role for membership in me.memberships] == [Role.ADMIN]


def test_a_password_reset_ends_the_persons_sessions(admin, app, world):
    officer = Browser(app.test_client())
    officer.login("officer1")
    assert (
        admin.post(
            f"/admin/people/{world.users['officer1'].id}/password", {"password": "mat-khau-moi-2026"}
        ).status_code
        == 302
    )
    assert officer.get("/").status_code == 302
    assert Browser(app.test_client()).login("officer1", PASSWORD).status_code == 401
    assert Browser(app.test_client()).login("officer1", "mat-khau-moi-2026").status_code == 302


def test_the_last_role_is_not_taken_away(admin, world, session):
    officer = world.users["officer2"]
    (membership,) = officer.memberships
    refused = admin.post(f"/admin/people/{officer.id}/roles/{membership.id}/remove", follow_redirects=True)
    assert "Đây là vai trò cuối cùng của người này: hãy vô hiệu hóa tài khoản." in page_text(refused)
    assert (
        session.scalar(select(func.count()).select_from(RoleMembership).where(RoleMembership.user_id == officer.id))
        == 1
    )


@pytest.mark.parametrize("role", ["officer1", "head", "archivist", "registry"])
def test_the_administration_is_closed_to_everyone_else(app, world, role):
    browser = Browser(app.test_client())
    browser.login(role)
    assert browser.get("/admin/").status_code == 403
    assert browser.post(f"/admin/people/{world.users['officer2'].id}/active", {"active": "no"}).status_code == 403
    assert "/admin/" not in browser.get("/").get_data(as_text=True)


def test_the_deployment_administrator_adds_an_organisation_and_its_first_people(app, session, now, password_hash):
    session.add(
        User(
            username="quantri",
            full_name="Quản trị hệ thống",
            password_hash=password_hash,
            created_at=now,
            system_admin=True,
        )
    )
    session.flush()
    root = Browser(app.test_client())
    root.login("quantri")
    assert "/admin/" in root.get("/").get_data(as_text=True) and root.get("/dossier-lists/").status_code == 403
    refused = root.post("/admin/organisations", {"code": "H26", "name": "", "parent_name": ""})
    assert refused.status_code == 422
    assert "Mã định danh cơ quan có dạng 000.00.00.G09." in page_text(refused)
    created = root.post(
        "/admin/organisations",
        {"code": "000.00.31.H26", "name": "UBND quận Hoàn Kiếm", "parent_name": "UBND TP Hà Nội"},
    )
    organisation_id = int(created.headers["Location"].rsplit("/", 1)[1])
    root.post(f"/admin/organisations/{organisation_id}/units", {"code": "VP", "name": "Văn phòng", "parent": ""})
    unit = session.scalar(select(Unit).where(Unit.organisation_id == organisation_id))
    person = {"full_name": "Trần Văn Nam", "username": "nam.tv", "password": "mat-khau-nam-2026", "role": "admin"}
    assert root.post(f"/admin/organisations/{organisation_id}/people", {**person, "unit_id": ""}).status_code == 302
    assert "Trần Văn Nam" in page_text(root.get(f"/admin/organisations/{organisation_id}"))
    # The new organisation's administrator manages it, and only it.
    nam = Browser(app.test_client())
    nam.login("nam.tv", "mat-khau-nam-2026")
    nam.change_password("mat-khau-nam-2026", "mat-khau-cua-nam-2026")
    assert nam.get(f"/admin/organisations/{organisation_id}").status_code == 200
    assert (
        nam.post(f"/admin/units/{unit.id}", {"name": "Văn phòng UBND", "parent": "", "active": "yes"}).status_code
        == 302
    )
    home_organisation = session.scalar(select(Unit.organisation_id).where(Unit.code == "TCKH"))
    assert nam.get(f"/admin/organisations/{home_organisation}").status_code == 404
    assert nam.post("/admin/organisations", {"code": "000.00.31.H27", "name": "Khác"}).status_code == 403


def test_an_organisations_administrator_never_changes_the_deployment_administrators_account(
    admin, app, world, session, now, password_hash
):
    root = User(
        username="quantri", full_name="Quản trị", password_hash=password_hash, created_at=now, system_admin=True
    )
    root.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.HEAD))
    session.add(root)
    session.flush()
    membership = root.memberships[0]
    attempts = [
        (f"/admin/people/{root.id}/password", {"password": "chiem-quyen-2026"}),
        (f"/admin/people/{root.id}/active", {"active": "no"}),
        (f"/admin/people/{root.id}", {"full_name": "Bị đổi tên", "position": ""}),
        (
            f"/admin/people/{root.id}/roles",
            {"organisation_id": str(world.org.id), "role": "officer", "unit_id": str(world.unit_a.id)},
        ),
        (f"/admin/people/{root.id}/roles/{membership.id}/remove", {}),
    ]
    assert [admin.post(url, form).status_code for url, form in attempts] == [403] * len(attempts)
    session.refresh(root)
    assert (root.active, root.full_name, root.password_hash, len(root.memberships)) == (
        True,
        "Quản trị",
        password_hash,
        1,
    )


def test_an_organisation_keeps_its_only_administrator(admin, world, session):
    me = world.users["admin"]
    # A second role (given by someone else: nobody gives themselves one), so the admin role is not the last.
    session.add(RoleMembership(user_id=me.id, organisation_id=world.org.id, unit_id=world.unit_a.id, role=Role.OFFICER))
    session.flush()
    session.refresh(me)
    own_admin = next(m for m in me.memberships if m.role is Role.ADMIN)
    refused = admin.post(f"/admin/people/{me.id}/roles/{own_admin.id}/remove", follow_redirects=True)
    assert "Đây là người quản trị duy nhất của cơ quan" in page_text(refused)
    session.refresh(me)
    assert any(m.role is Role.ADMIN for m in me.memberships)


def test_an_incomplete_unit_form_changes_nothing_and_a_unit_with_open_units_under_it_stays_open(admin, world, session):
    admin.post(
        f"/admin/organisations/{world.org.id}/units",
        {"code": "TCKH-NS", "name": "Tổ ngân sách", "parent": str(world.unit_b.id)},
    )
    half = admin.post(f"/admin/units/{world.unit_b.id}", {"name": "Phòng TCKH"})
    assert half.status_code == 422
    odd = admin.post(f"/admin/units/{world.unit_b.id}", {"name": "Phòng TCKH", "parent": "abc", "active": "yes"})
    assert odd.status_code == 422
    officer2 = world.users["officer2"]
    admin.post(f"/admin/people/{officer2.id}/move", {"unit_id": str(world.unit_a.id)})
    closing = admin.post(f"/admin/units/{world.unit_b.id}", {"name": "Phòng TCKH", "parent": "", "active": "no"})
    assert closing.status_code == 422 and "Các đơn vị trực thuộc đơn vị này vẫn đang hoạt động" in page_text(closing)
    unit = session.get(Unit, world.unit_b.id)
    assert (unit.active, unit.name, unit.parent_id) == (True, "Phòng Tài chính - Kế hoạch", None)


@pytest.fixture
def second(app, world, session, now, password_hash) -> Browser:
    """A second administrator of the organisation, logged in."""
    other = User(username="admin.b", full_name="Lê Văn B", password_hash=password_hash, created_at=now)
    other.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.ADMIN))
    session.add(other)
    session.flush()
    browser = Browser(app.test_client())
    browser.login("admin.b")
    return browser


def test_two_administrators_saving_one_account_the_second_is_told_and_changes_nothing(admin, second, world, session):
    person = world.users["officer1"]
    shown = {"seen_full_name": person.full_name, "seen_position": person.position}
    first = admin.post(f"/admin/people/{person.id}", {**shown, "full_name": "Nguyễn Văn Một", "position": ""})
    assert first.status_code == 302
    late = second.post(
        f"/admin/people/{person.id}", {**shown, "full_name": "Nguyễn Văn Hai", "position": "Chuyên viên"}
    )
    assert late.status_code == 409 and "Nguyễn Văn admin" in page_text(late)
    session.refresh(person)
    assert (person.full_name, person.position) == ("Nguyễn Văn Một", "")


def test_an_account_form_refused_then_sent_again_keeps_the_position_another_administrator_saved(
    admin, second, world, session
):
    person = world.users["officer1"]
    shown = {"seen_full_name": person.full_name, "seen_position": person.position}
    first = {**shown, "full_name": person.full_name, "position": "Trưởng phòng"}
    saved = admin.post(f"/admin/people/{person.id}", first)
    assert saved.status_code == 302
    late = second.post(f"/admin/people/{person.id}", {**shown, "full_name": "Nguyễn Văn Hai", "position": ""})
    assert late.status_code == 409
    # The refused form keeps the name typed and shows the position as saved meanwhile: sent again, both are kept.
    again = dict(re.findall(r'name="(seen_\w+|full_name|position)"[^>]*value="([^"]*)"', late.get_data(as_text=True)))
    assert (again["full_name"], again["position"]) == ("Nguyễn Văn Hai", "Trưởng phòng")
    assert second.post(f"/admin/people/{person.id}", again).status_code == 302
    session.refresh(person)
    assert (person.full_name, person.position) == ("Nguyễn Văn Hai", "Trưởng phòng")


def test_an_account_form_refused_names_the_empty_name_and_the_long_position_at_once(admin, world, session):
    person = world.users["officer1"]
    shown = {"seen_full_name": person.full_name, "seen_position": person.position}
    refused = admin.post(f"/admin/people/{person.id}", {**shown, "full_name": " ", "position": "x" * 10_000})
    text = page_text(refused)
    assert refused.status_code == 422 and "Trường này là bắt buộc." in text and "Tối đa 100 ký tự." in text
    session.refresh(person)
    assert person.full_name == "Nguyễn Văn officer1"


def test_deactivating_a_person_with_paper_on_loan_says_so_and_tells_the_archivists(
    admin, world, session, now, make_dossier
):
    paper = make_dossier("archived")
    paper.medium = Medium.PAPER
    asked = use_requests.ask(
        session, world.actor("officer2"), world.org.id, Asked(paper.file_code, "Nghiên cứu lịch sử"), now=now
    )
    use_requests.decide(session, world.actor("head"), asked.id, True, date(2026, 6, 30), "", now=now)
    use_requests.lend(session, world.actor("archivist"), asked.items[0].id, now=now)
    session.commit()
    leaver = world.users["officer2"]
    page = page_text(admin.get(f"/admin/people/{leaver.id}"))
    assert "Người này vẫn còn mượn hồ sơ giấy của lưu trữ" in page
    assert f"{paper.file_code}, phiếu {asked.reference}, hạn trả ngày 30/06/2026" in page
    done = page_text(admin.post(f"/admin/people/{leaver.id}/active", {"active": "no"}, follow_redirects=True))
    assert "Người này vẫn còn mượn 1 hồ sơ giấy: văn thư lưu trữ đã được thông báo." in done
    told = session.execute(select(Notification.user_id, Notification.params).where(Notification.kind == "use_leaver"))
    ((archivist_id, params),) = told.all()
    assert archivist_id == world.users["archivist"].id
    assert json.loads(params)["code"] == paper.file_code and json.loads(params)["date"] == "30/06/2026"
    page = page_text(admin.get(f"/admin/people/{world.users['officer1'].id}"))
    assert "vẫn còn mượn" not in page  # nothing on loan: nothing said


def test_two_open_units_are_not_called_the_same_whatever_the_case_or_spaces(admin, world, session):
    taken = world.unit_a.name
    for lookalike in (taken.upper(), taken.replace(" ", "  ")):
        refused = admin.post(
            f"/admin/organisations/{world.org.id}/units", {"code": "VP2", "name": lookalike, "parent": ""}
        )
        assert refused.status_code == 422 and f"Đơn vị VP đã mang tên {taken}." in page_text(refused)
    renamed = admin.post(
        f"/admin/units/{world.unit_b.id}", {"name": f" {taken.lower()} ", "parent": "", "active": "yes"}
    )
    assert renamed.status_code == 422 and session.get(Unit, world.unit_b.id).name != taken
    tidied = admin.post(f"/admin/units/{world.unit_b.id}", {"name": "Phòng  Tài chính", "parent": "", "active": "yes"})
    session.expire_all()
    assert tidied.status_code == 302 and session.get(Unit, world.unit_b.id).name == "Phòng Tài chính"


def test_a_persons_name_and_position_are_kept_on_one_line_and_a_blank_looking_name_is_refused(admin, world, session):
    people_url = f"/admin/organisations/{world.org.id}/people"
    form = {"username": "c.lv", "position": "Chuyên\nviên ", "password": "mat-khau-c-2026", "role": "officer",
            "unit_id": str(world.unit_b.id)}  # fmt: skip
    blank = admin.post(people_url, {**form, "full_name": "\u200b"})
    assert blank.status_code == 422 and "Không có chữ nào hiện ra" in page_text(blank)
    assert admin.post(people_url, {**form, "full_name": "Lê\nVăn   C"}).status_code == 302
    made = session.scalar(select(User).where(User.username == "c.lv"))
    assert (made.full_name, made.position) == ("Lê Văn C", "Chuyên viên")
