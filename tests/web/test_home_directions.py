"""The leader reaches an incoming document's handling from his home page, and its unit learns of his direction: the
head (and a unit's head, for what was sent to his unit) sees the lines waiting for his direction, each linked to its
register line's handling, until he directed it; the register's rows link to their lines for him; the unit's list of
its incoming documents links to each line and says which were directed; the direction tells who handles it."""

from __future__ import annotations

import html
import re

from erms import notices
from erms.models.register import RegisterKind
from filing import access, registers
from tests.factories import DOCUMENT, another_agency, upload
from tests.web.test_document_rights_pages import sent  # noqa: F401
from tests.web.test_leak_review import SUMMARY, registered, text_of
from tests.web.test_opinion_attacks import DIRECTION


def section(browser, name: str) -> str:
    """Return the HTML of the home page's section ``name`` ("" when the page has none)."""
    page = browser.get("/").get_data(as_text=True)
    found = re.search(rf'<section class="panel" id="{name}">(.*?)</section>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def direct(browser, line) -> None:
    response = browser.post(f"/registers/entries/{line.id}/opinions", {"kind": "direction", "text": DIRECTION})
    assert response.status_code == 302


def told(session, world, name: str) -> list[str]:
    """Return the direction notices the person got, each as "message -> subject"."""
    return [
        f"{notice.params} -> {notice.subject_type}:{notice.subject_id}"
        for notice in notices.newest(session, world.users[name].id)
        if notice.kind == "document_directed"
    ]


def test_the_head_directs_a_just_registered_document_from_his_home_until_he_has(browsers, session, world, store, now):
    line = registered(session, world, store, now, "88", world.unit_a)
    session.commit()
    head, unit_head = browsers("head"), browsers("unithead")
    for leader in (head, unit_head):
        waiting = section(leader, "to-direct")
        assert f'href="/registers/entries/{line.id}#handling"' in waiting and SUMMARY in waiting
        assert "Văn bản đến chờ ý kiến chỉ đạo" in text_of(leader.get("/"))
    assert 'href="/registers/incoming"' in section(head, "to-direct")  # "Xem tất cả": the head reads the register
    assert "/registers/incoming" not in section(unit_head, "to-direct")  # a unit's head does not
    for other in ("officer1", "registry", "archivist"):
        assert section(browsers(other), "to-direct") == "", other
    direct(head, line)
    assert section(head, "to-direct") == "" and section(unit_head, "to-direct") == ""


def test_the_leaders_home_lists_nothing_he_may_not_read_or_direct(browsers, session, world, store, now, sent):  # noqa: F811
    ours = registered(session, world, store, now, "88", world.unit_a)
    unit_b = registered(session, world, store, now, "89", world.unit_b)
    top_secret = sent(world.unit_a, marking="tuyet_mat", subject="Phương án tác chiến phòng thủ khu vực")
    other = another_agency(session, world, store, now)
    theirs = registers.register_document(
        session,
        other.actors["registry2"],
        other.org.id,
        RegisterKind.INCOMING,
        dict(DOCUMENT, subject="Công văn của quận Ba Đình", code_number="777"),
        upload(b"%PDF-1.4 ba dinh", "ba-dinh.pdf"),
        store=store,
        now=now,
    )
    session.commit()
    unit_head = section(browsers("unithead"), "to-direct")
    assert f"/registers/entries/{ours.id}#" in unit_head
    for hidden in (unit_b, top_secret, theirs):  # another unit's, a tuyệt mật one's summary, another agency's
        assert f"/registers/entries/{hidden.id}#" not in unit_head
    assert "Phương án tác chiến" not in unit_head and "Ba Đình" not in unit_head
    head = section(browsers("head"), "to-direct")
    for shown in (ours, unit_b, top_secret):  # every unit's, and the tuyệt mật one's: the head is authorised
        assert f"/registers/entries/{shown.id}#" in head
    assert f"/registers/entries/{theirs.id}#" not in head and "Ba Đình" not in head


def test_the_register_rows_link_to_their_lines_for_the_head(browsers, session, world, store, now):
    line = registered(session, world, store, now, "88", world.unit_a)
    session.commit()
    register = browsers("head").get("/registers/incoming").get_data(as_text=True)
    assert f'<a href="/registers/entries/{line.id}">{line.number}</a>' in register


def test_the_unit_opens_each_incoming_document_from_its_home_and_sees_it_was_directed(
    browsers, session, world, store, now
):
    line = registered(session, world, store, now, "88", world.unit_a)
    session.commit()
    officer = browsers("officer1")
    incoming = section(officer, "incoming")
    assert f'href="/registers/entries/{line.id}"' in incoming and "Có ý kiến chỉ đạo" not in incoming
    direct(browsers("head"), line)
    incoming = section(officer, "incoming")
    assert f'href="/registers/entries/{line.id}#handling">Có ý kiến chỉ đạo</a>' in incoming
    assert DIRECTION in text_of(officer.get(f"/registers/entries/{line.id}"))


def test_a_direction_tells_who_handles_the_document_and_no_one_else(browsers, session, world, store, now):
    to_unit = registered(session, world, store, now, "88", world.unit_a)
    to_person = registered(session, world, store, now, "89", world.unit_b)
    registers.assign_unit(
        session,
        world.actor("registry"),
        world.org.id,
        to_person.year,
        to_person.series,
        to_person.number,
        world.unit_a.id,
        now=now,
        elsewhere=True,
        user_id=world.users["officer1"].id,
    )
    session.commit()
    head = browsers("head")
    direct(head, to_unit)  # sent to the whole unit: its head shares the work out
    assert told(session, world, "unithead") == [
        f'{{"number": {to_unit.number}, "who": "Nguyễn Văn head"}} -> register_entry:{to_unit.id}'
    ]
    direct(head, to_person)  # sent to a person: that person
    assert [item.split(" -> ")[1] for item in told(session, world, "officer1")] == [f"register_entry:{to_person.id}"]
    assert len(told(session, world, "unithead")) == 1
    for nobody in ("head", "registry", "officer2", "archivist"):
        assert told(session, world, nobody) == [], nobody
    notice = text_of(browsers("officer1").get("/notices/"))
    assert f"Văn bản đến số {to_person.number} đã có ý kiến chỉ đạo của Nguyễn Văn head" in notice
    assert DIRECTION not in notice  # the notice names the line, never the direction
    page = browsers("officer1").get("/notices/").get_data(as_text=True)
    assert f'href="/registers/entries/{to_person.id}"' in page


def test_a_direction_given_before_the_document_was_sent_on_tells_the_registry(browsers, session, world, store, now):
    line = registers.register_document(
        session, world.actor("registry"), world.org.id, RegisterKind.INCOMING, dict(DOCUMENT, code_number="90"),
        upload(b"%PDF-1.4 chua giao", "chua-giao.pdf"), store=store, now=now,
    )  # fmt: skip
    session.commit()
    direct(browsers("head"), line)
    assert [item.split(" -> ")[1] for item in told(session, world, "registry")] == [f"register_entry:{line.id}"]
    notice = text_of(browsers("registry").get("/notices/"))
    said = f"Văn bản đến số {line.number} đã có ý kiến chỉ đạo của Nguyễn Văn head khi chưa chuyển cho đơn vị nào"
    assert said in notice and DIRECTION not in notice
    for nobody in ("head", "unithead", "officer1", "officer2"):
        assert told(session, world, nobody) == [], nobody


def test_a_unit_head_directing_his_units_document_tells_its_people(browsers, session, world, store, now):
    line = registered(session, world, store, now, "88", world.unit_a)
    session.commit()
    direct(browsers("unithead"), line)
    assert len(told(session, world, "officer1")) == 1 and told(session, world, "unithead") == []
    assert told(session, world, "officer2") == [] and told(session, world, "head") == []


def test_a_pending_change_of_access_waits_on_the_heads_home(browsers, session, world, make_dossier, now):
    dossier = make_dossier("open")
    form = {"kind": "share_unit", "unit_id": str(world.unit_b.id), "reason": "Phối hợp xử lý"}
    access.propose(session, world.actor("officer1"), dossier.id, form, now=now)
    session.commit()
    waiting = section(browsers("head"), "access-changes")
    assert f'href="/dossiers/{dossier.id}#access"' in waiting and "Phòng Tài chính - Kế hoạch" in waiting


def test_the_opinion_form_starts_on_a_direction_until_the_document_has_one(browsers, session, world, store, now):
    """The head opening a line from his list types his direction and records it: it is not saved as a comment by
    leaving the kind as it was; once directed, the form no longer presumes one (a further opinion is his choice)."""
    line = registered(session, world, store, now, "89", world.unit_a)
    session.commit()
    head = browsers("head")
    chosen = re.compile(r'<option value="(\w+)" selected')
    assert chosen.findall(head.get(f"/registers/entries/{line.id}").get_data(as_text=True)) == ["direction"]
    direct(head, line)
    assert chosen.findall(head.get(f"/registers/entries/{line.id}").get_data(as_text=True)) == []
    assert "/registers/entries/" not in section(head, "to-direct")
