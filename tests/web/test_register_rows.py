"""The registry works each register line where it is (issue 22): open its scanned file, send it to a unit or to one
of the unit's people (no one from elsewhere), record it handled today — no register number to type."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from erms import notices
from erms.models import AuditEvent, RegisterEntry
from erms.models.register import RegisterKind
from filing import access, dossiers, registers
from tests.factories import DOCUMENT, upload


@pytest.fixture
def line(world, session, store, now):
    return registered(world, session, store, now, RegisterKind.INCOMING)


def registered(world, session, store, now, kind: RegisterKind):
    """Register a document with a scanned file in ``kind``'s register, as the registry does."""
    registry = world.actor("registry")
    return registers.register_document(
        session, registry, world.org.id, kind, dict(DOCUMENT), upload(), store=store, now=now
    )


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_a_line_is_sent_to_one_person_of_a_unit_and_only_that_person_is_told(browsers, session, world, line):
    registry = browsers("registry")
    register = registry.get("/registers/incoming").get_data(as_text=True)
    assert f'href="/registers/entries/{line.id}"' in register and f"/registers/entries/{line.id}/file" in register
    page = registry.get(f"/registers/entries/{line.id}").get_data(as_text=True)
    officer1, officer2 = world.users["officer1"].id, world.users["officer2"].id
    assert f'value="{world.unit_a.id}:{officer1}"' in page and f'value="{world.unit_a.id}:{officer2}"' not in page
    form = {"series": "regular", "number": str(line.number)}
    wrong = registry.post("/registers/incoming/assign", {**form, "target": f"{world.unit_a.id}:{officer2}"})
    assert wrong.status_code == 422 and "Hãy chọn người làm việc tại đơn vị đó." in text(wrong)
    session.expire_all()
    assert session.get(RegisterEntry, line.id).assigned_unit_id is None
    sent = registry.post("/registers/incoming/assign", {**form, "target": f"{world.unit_a.id}:{officer1}"})
    assert sent.status_code == 302
    session.expire_all()
    entry = session.get(RegisterEntry, line.id)
    assert (entry.assigned_unit_id, entry.assigned_user_id) == (world.unit_a.id, officer1)
    told = lambda name: [n for n in notices.newest(session, world.users[name].id) if n.kind == "document_assigned"]  # noqa: E731
    assert len(told("officer1")) == 1 and told("unithead") == [] and told("officer2") == []
    register = text(registry.get("/registers/incoming"))
    assert "Nguyễn Văn officer1" in register
    assert f"Đã chuyển văn bản số 1 cho Nguyễn Văn officer1 ({world.unit_a.name})." in register  # not "to the unit"


def test_handled_today_from_the_row_and_the_file_opened_by_who_may(browsers, session, world, line, now):
    registry = browsers("registry")
    done = registry.post(
        "/registers/incoming/handled", {"series": "regular", "number": str(line.number), "handled_on": "15/06/2026"}
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(RegisterEntry, line.id).handled_on.isoformat() == "2026-06-15"
    opened = registry.get(f"/registers/entries/{line.id}/file")
    assert opened.status_code == 200 and opened.headers["Content-Disposition"].startswith("attachment")
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "document.downloaded", AuditEvent.subject_id == line.document_id)
    )
    assert browsers("officer1").get(f"/registers/entries/{line.id}/file").status_code == 404  # not sent to unit A
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    assert browsers("officer1").get(f"/registers/entries/{line.id}/file").status_code == 200
    assert browsers("officer2").get(f"/registers/entries/{line.id}/file").status_code == 404


def test_a_document_restricted_on_its_own_is_not_opened_from_its_register_line(
    browsers, session, world, line, now, make_dossier
):
    registry = world.actor("registry")
    registers.assign_unit(
        session, registry, world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    dossier = make_dossier("open", documents=0)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, line.document_id, now=now)
    change = access.propose(
        session,
        world.actor("officer1"),
        dossier.id,
        {"kind": "restrict", "document_id": str(line.document_id), "reason": "Riêng"},
        now=now,
    )
    access.decide(session, world.actor("head"), change.id, True, now=now)
    session.commit()
    # Restricted on its own: those who form its dossier (unit A's officer) and the head open it; the registry,
    # who reads the register line, no longer does, as it cannot from the dossier's page either.
    assert browsers("registry").get(f"/registers/entries/{line.id}/file").status_code == 404
    assert browsers("officer1").get(f"/registers/entries/{line.id}/file").status_code == 200
    assert browsers("head").get(f"/registers/entries/{line.id}/file").status_code == 200


def test_an_outgoing_line_is_not_called_an_arrival(browsers, world, session, store, now):
    outgoing = registered(world, session, store, now, RegisterKind.OUTGOING)
    session.commit()
    page = text(browsers("registry").get(f"/registers/entries/{outgoing.id}"))
    assert f"Số {outgoing.number} ·" in page and "Số đến" not in page


def test_the_register_leads_straight_to_its_form_for_the_registry_only(browsers, line):
    """The form sits under both tables and two other forms: a first-time registry clerk did not find it."""
    page = text(browsers("registry").get("/registers/incoming"))
    assert page.index("Đăng ký văn bản mới") < page.index("Văn bản thường")  # above the first table
    assert 'href="#register"' in browsers("registry").get("/registers/incoming").get_data(as_text=True)
    assert "Số trong sổ do hệ thống tự cấp khi bấm “Đăng ký”." in page
    assert "Đăng ký văn bản mới" not in text(browsers("head").get("/registers/incoming"))


def test_a_unit_marked_handled_today_by_mistake_is_undone_from_the_message(browsers, session, world, line, now):
    """One click on "Handled today" took the document off the unit's list: the message under it puts it back."""
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    session.commit()
    officer1, undo = browsers("officer1"), f"/registers/entries/{line.id}/handled/undo"
    assert 'id="incoming"' in officer1.get("/").get_data(as_text=True)
    marked = officer1.post(f"/registers/entries/{line.id}/handled", follow_redirects=True).get_data(as_text=True)
    assert 'id="incoming"' not in marked  # off the list, and the message offers to take it back
    assert f'<form method="post" action="{undo}" class="inline">' in marked and "Hoàn tác</button>" in marked
    assert browsers("officer2").post(undo).status_code == 404  # another unit's people cannot clear it
    back = officer1.post(undo, follow_redirects=True)
    assert back.request.path == "/" and f"Văn bản số {line.number} đã trở lại danh sách" in text(back)
    assert 'id="incoming"' in back.get_data(as_text=True) and DOCUMENT["subject"] in text(back)
    session.expire_all()
    assert session.get(RegisterEntry, line.id).handled_on is None
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == line.document_id, AuditEvent.action.like("%handled%"))
    ).all()
    assert actions == ["document.handled", "document.handled_undone"]
    again = officer1.post(undo, follow_redirects=True)  # nothing left to undo: said, nothing recorded
    assert "không có ghi nhận giải quyết hôm nay" in text(again)
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("%handled%"))) == 2


def test_a_line_sent_to_a_whole_unit_names_it_comes_back_to_the_line_and_says_who_sent_it(browsers, world, line):
    registry, unit = browsers("registry"), world.unit_a.name
    page = registry.get(f"/registers/entries/{line.id}").get_data(as_text=True)
    assert f'<option value="{world.unit_a.id}">{unit} — cả đơn vị</option>' in page  # not a bare "Cả đơn vị"
    form = {"series": "regular", "number": str(line.number), "target": str(world.unit_a.id), "line": str(line.id)}
    sent = registry.post("/registers/incoming/assign", form, follow_redirects=True)
    assert sent.request.path == f"/registers/entries/{line.id}"  # back on the line, the message on top
    assert f"Đã chuyển văn bản số {line.number} cho {unit}." in text(sent)
    handling = text(sent).split("Quá trình xử lý")[1]
    assert f"Phân phối xử lý cho {unit} {world.users['registry'].full_name}" in handling  # the sender, not "—"


def test_an_officer_files_a_document_sent_to_them_from_its_line_in_one_step(
    browsers, session, world, line, make_dossier, now
):
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, line.year, line.series, line.number, world.unit_a.id, now=now
    )
    mine = make_dossier("open")
    session.commit()
    officer = browsers("officer1")
    page = officer.get(f"/registers/entries/{line.id}").get_data(as_text=True)
    assert f'action="/registers/entries/{line.id}/file"' in page and f'<option value="{mine.id}">' in page
    filed = officer.post(f"/registers/entries/{line.id}/file", {"dossier_id": str(mine.id)})
    assert filed.status_code == 302 and filed.headers["Location"].startswith(f"/dossiers/{mine.id}")
    session.expire_all()
    assert line.document_id in [link.document_id for link in session.get(type(mine), mine.id).links]
    again = officer.get(f"/registers/entries/{line.id}").get_data(as_text=True)
    assert f'<option value="{mine.id}">' not in again  # held already: no longer offered
    theirs = make_dossier("open")
    theirs.unit_id = world.unit_b.id
    session.commit()
    refused = officer.post(f"/registers/entries/{line.id}/file", {"dossier_id": str(theirs.id)})
    assert refused.status_code == 404  # another unit's dossier is no dossier to them
    assert "Đưa vào một hồ sơ của bạn" not in text(browsers("registry").get(f"/registers/entries/{line.id}"))
