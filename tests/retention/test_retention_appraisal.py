"""The due list, period changes and conditional events, keeping dossiers, and holds."""

from datetime import date

import pytest
from sqlalchemy import select

from erms import audit
from erms.errors import InvalidMetadata, PermissionDenied, RuleViolation
from erms.models import AppraisalDecision, AuditEvent, RetentionRow
from retention import appraisal, holds, schedule
from retention.clock import Period


def test_due_list_is_what_is_due_on_the_date(world, session, make_dossier):
    ten = make_dossier("archived")
    make_dossier("archived", row="permanent")
    make_dossier("closed")
    assert ten.appraisal_due_on == date(2037, 1, 1)
    assert appraisal.find_due(session, world.org.id, date(2036, 12, 31)) == []
    assert appraisal.find_due(session, world.org.id, date(2037, 1, 1)) == [ten]
    assert appraisal.find_due(session, world.org.id, date(2037, 1, 1), appraisal.DueFilter(row_code="10y")) == [ten]
    assert appraisal.find_due(session, world.org.id, date(2037, 1, 1), appraisal.DueFilter(row_code="2y")) == []
    assert (
        appraisal.find_due(
            session, world.org.id, date(2037, 1, 1), appraisal.DueFilter(year=2026, unit_id=world.unit_b.id)
        )
        == []
    )


def test_schedule_changes_do_not_alter_filed_dossiers(world, session, make_dossier, now):
    dossier = make_dossier("archived")
    world.rows["10y"].period_years = 20  # the table row changed later, in place
    rows = [{"code": "10y", "title_vi": "Tập thông báo ý kiến", "permanent": True, "period_years": None}]
    schedule.import_schedule(
        session,
        None,
        rows,
        code="DDA-2027",
        title="Bảng của quận",
        legal_basis="TT 10/2022",
        superseded=False,
        now=now,
        organisation_id=world.org.id,
    )  # and a new version
    session.flush()
    session.refresh(dossier)
    assert (dossier.retention_years, dossier.retention_permanent, dossier.appraisal_due_on) == (
        10,
        False,
        date(2037, 1, 1),
    )


def test_changing_a_filed_period_needs_a_reason_and_is_audited(world, session, make_dossier, now):
    dossier = make_dossier("archived")
    archivist = world.actor("archivist")
    with pytest.raises(InvalidMetadata) as refused:
        appraisal.change_period(session, archivist, dossier.id, Period(), "  ", now=now)
    assert {problem.field for problem in refused.value.problems} == {"period", "reason"}
    with pytest.raises(PermissionDenied):
        appraisal.change_period(session, world.actor("officer1"), dossier.id, Period(years=20), "x", now=now)
    appraisal.change_period(session, archivist, dossier.id, Period(years=20), "Hồ sơ có giá trị tham khảo", now=now)
    assert dossier.appraisal_due_on == date(2047, 1, 1)
    decision = session.scalar(select(AppraisalDecision))
    assert (decision.previous_period, decision.new_period, decision.reason) == (
        "10 năm",
        "20 năm",
        "Hồ sơ có giá trị tham khảo",
    )
    event = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.before_state, event.after_state) == (
        "dossier.retention_period_changed",
        "10 năm",
        "20 năm",
    )
    assert audit.verify(session).ok


def test_conditional_period_is_due_once_its_event_is_recorded(world, session, make_dossier, now, later):
    row = RetentionRow(
        schedule_id=world.schedule.id,
        code="hd",
        title="Hợp đồng lao động vụ việc",
        period_years=5,
        condition="5 năm sau khi chấm dứt Hợp đồng",
    )
    session.add(row)
    session.flush()
    world.rows["hd"] = row
    dossier = make_dossier("archived", row="hd")
    assert dossier.appraisal_due_on is None
    with pytest.raises(RuleViolation, match="no conditional"):
        appraisal.record_event(
            session, world.actor("archivist"), make_dossier("archived").id, date(2027, 1, 1), now=now
        )
    with pytest.raises(InvalidMetadata, match="event_on: The event date cannot be after today."):
        appraisal.record_event(session, world.actor("archivist"), dossier.id, date(2028, 2, 29), now=now)
    appraisal.record_event(session, world.actor("archivist"), dossier.id, date(2028, 2, 29), now=later)
    assert (dossier.retention_event_on, dossier.appraisal_due_on) == (date(2028, 2, 29), date(2034, 1, 1))


def test_keep_in_bulk_checks_everything_first(world, session, make_dossier, later):
    due, other = make_dossier("archived"), make_dossier("archived")
    archivist = world.actor("archivist")
    on = date(2037, 3, 2)
    with pytest.raises(InvalidMetadata) as refused:
        appraisal.keep(session, archivist, [due.id, other.id], Period(years=5), "Còn giá trị", on=on, now=later)
    assert [problem.field for problem in refused.value.problems] == [due.file_code, other.file_code]
    assert refused.value.problems[0].params == {"due": "01/01/2032"}  # as the pages write a day
    assert due.retention_years == 10  # nothing half-applied
    outcomes = appraisal.keep(
        session, archivist, [due.id, other.id], Period(years=20), "Còn giá trị tra cứu", on=on, now=later
    )
    assert [(outcome.file_code, outcome.params["period"], outcome.params["due"]) for outcome in outcomes] == [
        (due.file_code, "20 năm", "01/01/2047"),
        (other.file_code, "20 năm", "01/01/2047"),
    ]
    assert due.appraisal_due_on == date(2047, 1, 1)
    assert appraisal.find_due(session, world.org.id, on) == []


def test_holds_are_placed_and_released_with_a_reason(world, session, make_dossier, now):
    dossier = make_dossier("archived")
    head = world.actor("head")
    with pytest.raises(PermissionDenied):
        holds.place_hold(session, world.actor("officer1"), dossier.id, "legal", "Thanh tra", now=now)
    with pytest.raises(InvalidMetadata) as refused:
        holds.place_hold(session, head, dossier.id, "whim", " ", now=now)
    assert {problem.field for problem in refused.value.problems} == {"reason", "kind"}
    hold = holds.place_hold(session, head, dossier.id, "inspection", "Thanh tra tỉnh yêu cầu giữ nguyên", now=now)
    assert holds.held_dossier_ids(session, [dossier.id]) == {dossier.id}
    holds.release_hold(session, world.actor("archivist"), hold.id, "Kết thúc thanh tra", now=now)
    assert holds.held_dossier_ids(session, [dossier.id]) == set()
    with pytest.raises(RuleViolation, match="already been released"):
        holds.release_hold(session, head, hold.id, "lần hai", now=now)
    assert holds.active_holds(session, dossier.id) == []
