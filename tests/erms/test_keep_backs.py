"""Hand-over deadlines the law lets move (issue 22): a capital-construction dossier is due three months after its
works were settled (NĐ 30 Điều 30 k.2a); a unit keeps a due dossier up to two years more with the head's consent
(Điều 31 k.3d), listed in the Danh mục hồ sơ, tài liệu giữ lại; a kept dossier is not late until its new day."""

from __future__ import annotations

from datetime import date

import pytest

from erms import notices
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import Role
from erms.models.dossier import KeepBackState
from filing import dossiers, keep_backs, transfers
from retention import appraisal, clock


def test_a_settled_works_dossier_is_due_three_months_after_settlement(world, session, now, make_dossier):
    dossier = make_dossier("closed")
    assert dossiers.due_on(dossier) == date(2027, 12, 31)  # a year after the year its work ended
    for wrong in (date(2025, 12, 31), date(2026, 6, 16)):  # before the dossier began; after today (15/06/2026)
        with pytest.raises(InvalidMetadata, match="settled after the dossier began"):
            keep_backs.set_settlement(session, world.actor("officer1"), dossier.id, wrong, now=now)
    keep_backs.set_settlement(session, world.actor("officer1"), dossier.id, date(2026, 5, 31), now=now)
    assert dossiers.due_on(dossier) == date(2026, 8, 31)
    assert clock.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    with pytest.raises(RuleViolation, match="recorded once"):  # a closed dossier's deadline is not moved at will
        keep_backs.set_settlement(session, world.actor("officer1"), dossier.id, date(2026, 6, 15), now=now)
    with pytest.raises(Exception, match="Not found"):
        keep_backs.set_settlement(session, world.actor("officer2"), dossier.id, None, now=now)


def test_the_head_consents_to_keep_a_dossier_back_and_its_deadline_moves(world, session, now, make_dossier):
    dossier = make_dossier("closed")  # due 31/12/2027
    officer, head = world.actor("officer1"), world.actor("head")
    for until, reason, message in (
        (date(2027, 12, 31), "Còn dùng", "after its deadline"),
        (date(2030, 1, 1), "Còn dùng", "at most two years more, until 31/12/2029"),
        (date(2029, 6, 1), "  ", "Say why"),
        (None, "Còn dùng", "required"),
    ):
        with pytest.raises(InvalidMetadata, match=message):
            keep_backs.request(session, officer, dossier.id, reason, until, now=now)
    asked = keep_backs.request(session, officer, dossier.id, "Phục vụ thanh tra năm 2028", date(2029, 12, 31), now=now)
    (told,) = [n for n in notices.newest(session, world.users["head"].id) if n.kind == "keep_back_asked"]
    assert (told.subject_type, told.subject_id) == ("dossier", dossier.id)
    with pytest.raises(RuleViolation, match="already has a keep-back"):
        keep_backs.request(session, officer, dossier.id, "Lần nữa", date(2029, 1, 1), now=now)
    with pytest.raises(PermissionDenied):
        keep_backs.decide(session, officer, asked.id, True, "", now=now)
    keep_backs.decide(session, head, asked.id, True, "Đồng ý", now=now)
    assert dossiers.due_on(dossier) == date(2029, 12, 31)
    assert [keep.dossier_id for keep in keep_backs.kept(session, officer)] == [dossier.id]
    assert keep_backs.kept(session, world.actor("officer2")) == []  # another unit's list
    found = transfers.reconcile(session, officer, world.unit_a.id, 2026, date(2028, 3, 1))
    assert dossier.id in {d.id for d in found.ready} and dossier.id not in found.late
    assert appraisal.flag_overdue_handovers(session, date(2028, 3, 1), now=now) == 0
    (decided,) = [n for n in notices.newest(session, world.users["officer1"].id) if n.kind == "keep_back_decided"]
    assert "31/12/2029" in decided.params
    with pytest.raises(RuleViolation, match="already been decided"):
        keep_backs.decide(session, head, asked.id, False, "Không", now=now)


def test_a_refusal_needs_its_reason_and_leaves_the_deadline(world, session, now, make_dossier):
    dossier = make_dossier("closed")
    asked = keep_backs.request(session, world.actor("officer1"), dossier.id, "Còn dùng", date(2028, 6, 1), now=now)
    with pytest.raises(InvalidMetadata, match="reason for refusing"):
        keep_backs.decide(session, world.actor("head"), asked.id, False, " ", now=now)
    keep_backs.decide(session, world.actor("head"), asked.id, False, "Không cần thiết", now=now)
    assert dossiers.due_on(dossier) == date(2027, 12, 31)
    assert appraisal.flag_overdue_handovers(session, date(2028, 3, 1), now=now) == 1
    open_one = make_dossier("open")
    with pytest.raises(RuleViolation, match="Only a closed dossier"):
        keep_backs.request(session, world.actor("officer1"), open_one.id, "Còn dùng", date(2028, 6, 1), now=now)


def test_a_keep_back_follows_its_dossier_and_the_calendar(world, session, now, make_dossier):
    officer, head = world.actor("officer1"), world.actor("head")
    dossier = make_dossier("closed")
    with pytest.raises(InvalidMetadata, match="a day still to come"):
        keep_backs.request(session, officer, dossier.id, "Còn dùng", date(2026, 6, 1), now=now.replace(year=2028))
    asked = keep_backs.request(session, officer, dossier.id, "Còn dùng", date(2028, 6, 1), now=now)
    with pytest.raises(RuleViolation, match="settlement day no longer changes"):
        keep_backs.set_settlement(session, officer, dossier.id, date(2026, 6, 1), now=now)
    dossiers.submit(session, officer, [dossier.id], now=now)  # submitted meanwhile
    with pytest.raises(RuleViolation, match="nothing to keep back"):
        keep_backs.decide(session, head, asked.id, True, "", now=now)
    other = make_dossier("closed")
    kept = keep_backs.request(session, officer, other.id, "Còn dùng", date(2028, 6, 1), now=now)
    keep_backs.decide(session, head, kept.id, True, "", now=now)
    dossiers.submit(session, officer, [other.id], now=now)
    assert keep_backs.kept(session, officer) == []  # in the archive's hands now, not kept by the unit


def test_a_head_for_one_unit_decides_only_that_units_keep_backs(world, session, now, make_dossier):
    dossier = make_dossier("closed")  # unit A's
    world.user("headb", Role.HEAD, world.unit_b)
    asked = keep_backs.request(
        session, world.actor("officer1"), dossier.id, "Phục vụ thanh tra", date(2028, 12, 31), now=now
    )
    assert keep_backs.waiting_for(session, world.actor("headb")) == []  # not on their home page either
    assert notices.newest(session, world.users["headb"].id) == []  # nor told of it
    assert "keep_back_asked" in [notice.kind for notice in notices.newest(session, world.users["head"].id)]
    assert keep_backs.waiting_for(session, world.actor("head")) == [asked]
    with pytest.raises(PermissionDenied):
        keep_backs.decide(session, world.actor("headb"), asked.id, True, "Đồng ý", now=now)
    assert asked.state is KeepBackState.REQUESTED and dossiers.due_on(dossier) == date(2027, 12, 31)
    keep_backs.decide(session, world.actor("head"), asked.id, True, "Đồng ý", now=now)  # the agency's head does
    assert asked.state is KeepBackState.APPROVED
