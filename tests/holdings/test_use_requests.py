"""Requests to use archived records (issue 28): asked with a purpose, decided by the head, files read through a share
that ends after the day approved, paper lent against a slip and taken back, overdue loans told once, all audited."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from erms import notices
from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, Notification, UseRequest
from erms.models.dossier import Medium
from filing import access, dossiers
from holdings import use_requests
from holdings.use_requests import Asked
from reports import service
from tests.factories import another_agency


def ask(session, world, now, username: str, codes: str, purpose: str = "Nghiên cứu lịch sử địa phương", **more):
    return use_requests.ask(session, world.actor(username), world.org.id, Asked(codes, purpose, **more), now=now)


def actions(session, subject_type: str, subject_id: int) -> list[str]:
    query = select(AuditEvent.action).where(
        AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id
    )
    return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_staff_member_reads_an_archived_dossier_until_the_day_approved_and_no_longer(
    world, session, now, make_dossier
):
    archived = make_dossier("archived")  # unit A's; officer2 works in unit B
    reader, head = world.actor("officer2"), world.actor("head")
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, reader, archived.id)
    asked = ask(session, world, now, "officer2", f"  {archived.file_code}\n")
    assert (asked.reference, asked.state.value) == ("1/2026", "requested")
    assert [(item.online, item.paper) for item in asked.items] == [(True, False)]
    (told,) = [n for n in notices.newest(session, world.users["head"].id) if n.kind == "use_requested"]
    assert (told.subject_type, told.subject_id) == ("use_request", asked.id)
    with pytest.raises(NotFound):  # approval is the head's; the request is not even the officer's to read
        use_requests.decide(session, world.actor("officer1"), asked.id, True, now.date(), "", now=now)
    with pytest.raises(PermissionDenied):  # the archivist reads the register but does not decide
        use_requests.decide(session, world.actor("archivist"), asked.id, True, now.date(), "", now=now)
    last_day = now.date() + timedelta(days=10)
    use_requests.decide(session, head, asked.id, True, last_day, "Đồng ý", now=now)
    assert dossiers.get_dossier(session, reader, archived.id).id == archived.id
    assert archived.id in {d.id for d in dossiers.visible_dossiers(session, reader)}
    (decided,) = [n for n in notices.newest(session, world.users["officer2"].id) if n.kind == "use_decided"]
    assert f"{last_day:%d/%m/%Y}" in decided.params
    with pytest.raises(RuleViolation, match="already been decided"):
        use_requests.decide(session, head, asked.id, False, None, "Không", now=now)

    assert access.end_expired(session, last_day, now=now) == 0  # read through the last day
    assert dossiers.get_dossier(session, reader, archived.id)
    assert access.end_expired(session, last_day + timedelta(days=1), now=now) == 1
    session.expire_all()
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, reader, archived.id)
    assert actions(session, "use_request", asked.id) == ["use.requested", "use.approved"]
    assert actions(session, "dossier", archived.id)[-2:] == ["use.shared", "access.share_ended"]


def test_bad_requests_are_refused_field_by_field_and_write_nothing(world, session, now, make_dossier):
    archived, still_open = make_dossier("archived"), make_dossier("open")
    before = session.scalar(select(func.count()).select_from(UseRequest))
    for codes, purpose, field, message in (
        ("", "Tra cứu", "codes", "at least one dossier"),
        ("KHONG.CO.MA", "Tra cứu", "codes", "Not held by the agency archive: KHONG.CO.MA"),
        (still_open.file_code, "Tra cứu", "codes", "Not held by the agency archive"),
        (" ".join(f"MA{n}" for n in range(51)), "Tra cứu", "codes", "At most 50"),
        (archived.file_code, "   ", "purpose", "what the records are needed for"),
        (archived.file_code, "x" * 501, "purpose", "At most 500"),
        (archived.file_code, "Tra\x00cứu", "purpose", "control character"),
    ):
        with pytest.raises(InvalidMetadata) as refused:
            ask(session, world, now, "officer2", codes, purpose)
        assert [problem.field for problem in refused.value.problems] == [field]
        assert message in str(refused.value)
    with pytest.raises(InvalidMetadata) as refused:  # a text too long and a code unknown: both said at once
        ask(session, world, now, "officer2", "KHONG.CO.MA", "x" * 501)
    assert [problem.field for problem in refused.value.problems] == ["purpose", "codes"]
    with pytest.raises(InvalidMetadata, match="read these already"):  # their own unit's files: nothing to ask
        ask(session, world, now, "officer1", archived.file_code)
    with pytest.raises(PermissionDenied):  # only the registry and the archivist record a citizen's request
        ask(session, world, now, "officer2", archived.file_code, for_citizen=True, reader_name="Trần Thị B")
    with pytest.raises(InvalidMetadata) as refused:
        ask(session, world, now, "registry", archived.file_code, for_citizen=True)
    assert {problem.field for problem in refused.value.problems} == {"reader_name", "reader_identity"}
    asked = ask(session, world, now, "officer2", archived.file_code)
    for until, note, message in (
        (None, "", "last day"),
        (now.date() - timedelta(days=1), "", "between today and"),
        (now.date() + timedelta(days=91), "", "at most 90 days"),
    ):
        with pytest.raises(InvalidMetadata, match=message):
            use_requests.decide(session, world.actor("head"), asked.id, True, until, note, now=now)
    with pytest.raises(InvalidMetadata, match="reason for refusing"):
        use_requests.decide(session, world.actor("head"), asked.id, False, None, " ", now=now)
    assert session.get(UseRequest, asked.id).state.value == "requested"
    assert session.scalar(select(func.count()).select_from(UseRequest)) == before + 1


def test_a_refused_request_shares_nothing_and_says_why(world, session, now, make_dossier):
    archived = make_dossier("archived")
    asked = ask(session, world, now, "officer2", archived.file_code)
    use_requests.decide(session, world.actor("head"), asked.id, False, None, "Hồ sơ đang chỉnh lý", now=now)
    assert asked.state.value == "refused" and all(item.share_id is None for item in asked.items)
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, world.actor("officer2"), archived.id)
    (told,) = [n for n in notices.newest(session, world.users["officer2"].id) if n.kind == "use_decided"]
    assert "Hồ sơ đang chỉnh lý" in told.params


def test_a_citizens_paper_dossier_is_lent_taken_back_and_told_when_late(world, session, now, make_dossier):
    paper = make_dossier("archived")
    paper.medium = Medium.PAPER
    registry, archivist, head = world.actor("registry"), world.actor("archivist"), world.actor("head")
    asked = ask(
        session,
        world,
        now,
        "registry",
        paper.file_code,
        "Xác minh hồ sơ đất đai",
        for_citizen=True,
        reader_name="Trần Thị Bình",
        reader_identity="001190012345",
        reader_address="Phường Láng Thượng",
    )
    assert asked.requester_id is None and use_requests.reader_of(asked) == "Trần Thị Bình"
    (item,) = asked.items
    assert (item.online, item.paper) == (False, True)
    with pytest.raises(RuleViolation, match="approved request"):
        use_requests.lend(session, archivist, item.id, now=now)
    due = now.date() + timedelta(days=7)
    use_requests.decide(session, head, asked.id, True, due, "", now=now)
    assert item.share_id is not None  # its record (the place, the sheets) is the reader's account's until the day
    with pytest.raises(PermissionDenied):  # lending is the archivist's
        use_requests.lend(session, registry, item.id, now=now)
    use_requests.lend(session, archivist, item.id, now=now)
    with pytest.raises(RuleViolation, match="already lent"):
        use_requests.lend(session, archivist, item.id, now=now)
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, world.actor("officer2"), paper.id)
    again = ask(session, world, now, "officer2", paper.file_code, "Thanh tra")
    use_requests.decide(session, head, again.id, True, due, "", now=now)
    assert dossiers.get_dossier(session, world.actor("officer2"), paper.id).id == paper.id  # its record, till the day
    with pytest.raises(RuleViolation, match="out on another loan"):
        use_requests.lend(session, archivist, again.items[0].id, now=now)
    assert use_requests.out_on_other_loans(session, again) == {paper.id}  # its page offers no "lend"
    assert use_requests.out_on_other_loans(session, asked) == set()  # lent on this one

    assert use_requests.remind_overdue(session, due, now=now) == 0  # due back that day: not late yet
    assert use_requests.remind_overdue(session, due + timedelta(days=1), now=now) == 1
    assert use_requests.remind_overdue(session, due + timedelta(days=2), now=now) == 1  # still late, told once
    told = session.scalars(select(Notification.user_id).where(Notification.kind == "use_overdue")).all()
    assert sorted(told) == sorted([world.users["registry"].id, world.users["archivist"].id])
    counts = use_requests.register(session, head, world.org.id, 2026, due + timedelta(days=1)).counts
    assert (counts["requests"], counts["citizens"], counts["lent"], counts["out"], counts["overdue"]) == (2, 1, 1, 1, 1)

    use_requests.take_back(session, archivist, item.id, now=now)
    with pytest.raises(RuleViolation, match="not out"):
        use_requests.take_back(session, archivist, item.id, now=now)
    assert use_requests.out_on_other_loans(session, again) == set()
    use_requests.lend(session, archivist, again.items[0].id, now=now)  # back on the shelf: lent again
    assert actions(session, "use_request", asked.id) == ["use.requested", "use.approved", "use.lent", "use.returned"]
    counts = use_requests.register(session, head, world.org.id, 2026, due + timedelta(days=1)).counts
    assert (counts["lent"], counts["out"], counts["overdue"]) == (2, 1, 1)


def test_a_hybrid_dossier_is_read_online_and_its_paper_lent(world, session, now, make_dossier):
    hybrid = make_dossier("archived")
    hybrid.medium = Medium.HYBRID
    asked = ask(session, world, now, "officer2", hybrid.file_code)
    use_requests.decide(session, world.actor("head"), asked.id, True, now.date(), "", now=now)
    (item,) = asked.items
    assert (item.online, item.paper, item.share_id is not None) == (True, True, True)
    slip = use_requests.slip_of(session, world.actor("archivist"), asked.id, now=now)
    assert slip.id == asked.id and "use.slip_printed" in actions(session, "use_request", asked.id)


def test_requests_are_read_by_those_they_name_and_the_register_keepers_only(world, session, now, make_dossier, store):
    archived = make_dossier("archived")
    asked = ask(session, world, now, "officer2", archived.file_code)
    for username in ("officer2", "registry", "archivist", "head"):
        assert use_requests.get(session, world.actor(username), asked.id).id == asked.id
    for username in ("officer1", "unithead", "council1", "admin"):
        with pytest.raises(NotFound):
            use_requests.get(session, world.actor(username), asked.id)
    abroad = another_agency(session, world, store, now)
    with pytest.raises(NotFound):
        use_requests.get(session, abroad.actors["head2"], asked.id)
    with pytest.raises(NotFound):
        use_requests.decide(session, abroad.actors["head2"], asked.id, True, now.date(), "", now=now)
    with pytest.raises(PermissionDenied):
        use_requests.register(session, world.actor("officer2"), world.org.id, 2026, now.date())
    assert [r.id for r in use_requests.mine(session, world.actor("officer2"))] == [asked.id]
    assert [r.id for r in use_requests.waiting(session, world.actor("head"))] == [asked.id]
    assert use_requests.waiting(session, abroad.actors["head2"]) == []


def test_a_dossier_that_left_the_archive_is_not_served(world, session, now, make_dossier):
    archived = make_dossier("archived")
    asked = ask(session, world, now, "officer2", archived.file_code)
    archived.state = archived.state.__class__("transferred")  # handed over to the historical archive since
    with pytest.raises(RuleViolation, match="No longer held by the agency archive"):
        use_requests.decide(session, world.actor("head"), asked.id, True, date(2026, 6, 20), "", now=now)


def test_the_head_approves_all_but_some_dossiers_which_are_neither_shared_nor_lent(world, session, now, make_dossier):
    online, paper, secret = make_dossier("archived"), make_dossier("archived"), make_dossier("archived")
    paper.medium = secret.medium = Medium.PAPER
    head, archivist, reader = world.actor("head"), world.actor("archivist"), world.actor("officer2")
    asked = ask(session, world, now, "officer2", f"{online.file_code} {paper.file_code} {secret.file_code}")
    by_dossier = {item.dossier_id: item for item in asked.items}
    due = now.date() + timedelta(days=14)
    every = [item.id for item in asked.items]
    refusals = {  # message: (the dossiers left out, the note)
        "To refuse every dossier, refuse the request.": (every, "Không"),
        "Choose dossiers of this request.": ([0], "Không"),
        "Give the reason for refusing these dossiers.": ([by_dossier[secret.id].id], ""),
    }
    for message, (left_out, note) in refusals.items():
        with pytest.raises(InvalidMetadata) as refused:
            use_requests.decide(session, head, asked.id, True, due, note, now=now, refused_items=left_out)
        assert message in {problem.template for problem in refused.value.problems}
        assert asked.state.value == "requested" and not any(item.refused for item in asked.items)

    use_requests.decide(
        session, head, asked.id, True, due, "Hồ sơ mật", now=now, refused_items=[by_dossier[secret.id].id]
    )
    assert [item.refused for item in asked.items] == [False, False, True]
    assert dossiers.get_dossier(session, reader, online.id).id == online.id
    assert dossiers.get_dossier(session, reader, paper.id).id == paper.id
    with pytest.raises(NotFound):
        dossiers.get_dossier(session, reader, secret.id)
    assert by_dossier[secret.id].share_id is None
    with pytest.raises(RuleViolation, match="was refused on this request"):
        use_requests.lend(session, archivist, by_dossier[secret.id].id, now=now)
    use_requests.lend(session, archivist, by_dossier[paper.id].id, now=now)
    assert [item.dossier_id for item in use_requests.served(asked)] == [online.id, paper.id]
    (told,) = [n for n in notices.newest(session, world.users["officer2"].id) if n.kind == "use_decided"]
    assert "but for" in told.template and "Hồ sơ mật" in told.params
    (to_lend,) = [n for n in notices.newest(session, world.users["archivist"].id) if n.kind == "use_to_lend"]
    assert '"count": 1' in to_lend.params  # the secret dossier is not prepared
    counts = use_requests.register(session, head, world.org.id, 2026, now.date()).counts
    assert (counts["approved"], counts["online"], counts["lent"]) == (1, 1, 1)
    (approved,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "use.approved")).all()
    assert secret.file_code in approved.details


def test_a_refusal_leaves_out_nothing_in_particular(world, session, now, make_dossier):
    first, second = make_dossier("archived"), make_dossier("archived")
    asked = ask(session, world, now, "officer2", f"{first.file_code} {second.file_code}")
    use_requests.decide(
        session, world.actor("head"), asked.id, False, None, "Không", now=now, refused_items=[asked.items[0].id]
    )
    assert asked.state.value == "refused" and not any(item.refused for item in asked.items)
    assert use_requests.served(asked) == []


def test_the_yearly_report_counts_the_use_of_the_archive_for_the_whole_organisation(world, session, now, make_dossier):
    first, second = make_dossier("archived"), make_dossier("archived")
    asked = ask(session, world, now, "officer2", first.file_code)
    use_requests.decide(session, world.actor("head"), asked.id, True, now.date() + timedelta(days=5), "", now=now)
    ask(session, world, now, "officer2", second.file_code)  # waiting

    def yearly(username: str, unit=None) -> str:
        printed = service.yearly_report(
            session, world.actor(username), world.org.id, unit, 2026, now=now, handover_years=5
        )
        return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages).split())

    text = yearly("head")
    assert "Khai thác, sử dụng tài liệu lưu trữ năm 2026" in text
    assert "Phiếu yêu cầu khai thác, sử dụng tài liệu 2" in text and "Đã duyệt 1" in text
    assert "Đang chờ duyệt 1" in text and "Hồ sơ phục vụ đọc trực tuyến 1" in text
    # A unit's report counts its unit's records only: the archive's register is the organisation's.
    assert "Khai thác, sử dụng tài liệu" not in yearly("unithead", world.unit_a.id)


def test_a_refusal_made_by_mistake_is_taken_back_and_decided_again(world, session, now, make_dossier):
    archived = make_dossier("archived")
    head, reader = world.actor("head"), world.actor("officer2")
    asked = ask(session, world, now, "officer2", archived.file_code)
    with pytest.raises(RuleViolation, match="Only a refused request"):
        use_requests.reconsider(session, head, asked.id, now=now)
    use_requests.decide(session, head, asked.id, False, None, "Nhầm hồ sơ", now=now)
    with pytest.raises(PermissionDenied):  # the archivist keeps the register, the head decides
        use_requests.reconsider(session, world.actor("archivist"), asked.id, now=now)
    later = now + timedelta(hours=1)
    use_requests.reconsider(session, head, asked.id, now=later)
    assert (asked.state.value, asked.decided_by_id, asked.decision_note) == ("requested", None, "")
    use_requests.decide(session, head, asked.id, True, later.date() + timedelta(days=3), "", now=later)
    assert dossiers.get_dossier(session, reader, archived.id).id == archived.id
    told = [n.template for n in notices.newest(session, world.users["officer2"].id) if n.kind == "use_decided"]
    assert len(told) == 2 and any("approved" in template for template in told)  # told of both decisions
    assert actions(session, "use_request", asked.id) == [
        "use.requested",
        "use.refused",
        "use.reconsidered",
        "use.approved",
    ]
    (taken_back,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "use.reconsidered")).all()
    assert "Nhầm hồ sơ" in taken_back.details


def test_a_dossier_code_typed_in_small_letters_or_twice_in_two_cases_names_one_dossier(
    world, session, now, make_dossier
):
    archived = make_dossier("archived")
    asked = ask(session, world, now, "officer2", f"{archived.file_code.lower()}\n{archived.file_code}")
    assert [item.dossier_id for item in asked.items] == [archived.id]
