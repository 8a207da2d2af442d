"""The destruction chain end to end, and every refusal in words."""

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from retention_helpers import paper
from sqlalchemy import func, select

from erms import audit, jobs
from erms.config import LOCAL_TZ
from erms.errors import InvalidMetadata, NotFound, RuleViolation
from erms.models import AuditEvent, BackupSet, DestructionList, Dossier, Role, RoleMembership
from erms.models.dossier import DossierState
from filing import dossiers
from retention import appraisal, destruction, holds
from retention.destruction import dossier_file_ids


def _execute(world, session_factory, store, listed, now, settings=None):
    jobs.execute_destruction(
        session_factory,
        world.users["archivist"].id,
        listed.id,
        store=store,
        settings=settings or {},
        clock=lambda: now,
    )


def _text(store, destruction_list) -> str:
    with store.open(destruction_list.record_file.sha256) as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def _codes(text: str) -> str:
    """The record's text with its lines joined: a long dossier code wraps inside its table cell."""
    return text.replace("\n", "")


def test_appraisal_council_decision_execution(world, session, session_factory, store, make_dossier, approved, later):
    doomed, survivor = make_dossier("archived", documents=2), make_dossier("archived")
    shared = dossier_file_ids(session, doomed.id) & dossier_file_ids(session, survivor.id)
    only_doomed = dossier_file_ids(session, doomed.id) - shared
    assert shared and len(only_doomed) == 2  # the second document and the index are the doomed dossier's own
    digests = {file_id: session.get(type(doomed.index_file), file_id).sha256 for file_id in shared | only_doomed}
    listed = approved([doomed])
    day_before = later - timedelta(days=1)
    for target, keep, made, pruned in (
        ("usb", 30, day_before, None),  # holds the content until it leaves the medium
        ("nas", 90, day_before, None),
        ("nas", 90, later - timedelta(days=100), None),  # already past its days
        ("usb", 30, later - timedelta(days=2), later),  # already removed from the medium
        ("usb", 30, later + timedelta(days=1), None),  # made after the destruction
    ):
        expires = made.astimezone(LOCAL_TZ).date() + timedelta(days=keep)
        name = made.strftime("%Y%m%dT%H%M%SZ")
        session.add(
            BackupSet(target=target, name=name, created_at=made, expires_on=expires, files=3, bytes=9, pruned_at=pruned)
        )
    session.flush()
    _execute(world, session_factory, store, listed, later)
    session.expire_all()
    doomed = session.get(Dossier, doomed.id)
    assert doomed.state is DossierState.DESTROYED
    assert doomed.title and len(doomed.links) == 2  # the metadata stub stays
    assert not any(store.exists(digests[file_id]) for file_id in only_doomed)  # no byte left
    assert all(store.exists(digests[file_id]) for file_id in shared)  # still filed in a living dossier
    listed = session.get(DestructionList, listed.id)
    assert listed.state.value == "executed"
    text = _text(store, listed)
    assert doomed.file_code in _codes(text) and survivor.file_code not in _codes(text)
    held_by = day_before.astimezone(LOCAL_TZ)
    assert "45/QĐ-UBND" in text
    assert (
        "Nội dung còn trong các bản sao lưu sau cho đến khi chúng hết hạn: "
        f"nas {held_by:%d/%m/%Y %H:%M} đến hết ngày {held_by + timedelta(days=90):%d/%m/%Y}; "
        f"usb {held_by:%d/%m/%Y %H:%M} đến hết ngày {held_by + timedelta(days=30):%d/%m/%Y}."
    ) in " ".join(text.split())
    destroyed = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.destroyed"))
    assert destroyed.subject_id == doomed.id and "45/QĐ-UBND" in destroyed.details
    assert audit.verify(session).ok


def test_refusals_in_words(world, session, session_factory, store, make_dossier, approved, now, later):
    due, permanent, held = make_dossier("archived"), make_dossier("archived", row="permanent"), make_dossier("archived")
    holds.place_hold(session, world.actor("head"), held.id, "dispute", "Đang tranh chấp", now=now)
    archivist = world.actor("archivist")
    with pytest.raises(InvalidMetadata) as refused:
        destruction.propose(
            session, archivist, world.org.id, [due.id, permanent.id, held.id], "Danh mục", "Hết hạn", now=later
        )
    assert [str(problem) for problem in refused.value.problems] == [
        f"{permanent.file_code}: The dossier is kept permanently: it is never destroyed.",
        f"{held.file_code}: The dossier is under a hold: it cannot be destroyed.",
    ]
    with pytest.raises(InvalidMetadata, match="not due for appraisal until 2037-01-01"):
        destruction.propose(session, archivist, world.org.id, [due.id], "Danh mục", "Hết hạn", now=now)
    assert session.scalar(select(func.count()).select_from(DestructionList)) == 0

    listed = destruction.propose(session, archivist, world.org.id, [due.id], "Danh mục", "Hết hạn", now=later)
    with pytest.raises(RuleViolation, match="approved by the head"):
        _execute(world, session_factory, store, listed, later)
    with pytest.raises(InvalidMetadata, match="No council member"):
        destruction.record_appraisal(
            session,
            archivist,
            listed.id,
            destruction.Paper("1/SNV", date(2037, 2, 1), io.BytesIO(b"x")),
            store=store,
            now=later,
        )


def test_the_proposer_cannot_approve_and_a_hold_after_the_decision_keeps_its_dossier_only(
    world, session, session_factory, store, make_dossier, approved, later
):
    dossier, other = make_dossier("archived"), make_dossier("archived")
    both = world.user("archivisthead", Role.ARCHIVIST, None)
    both.memberships.append(RoleMembership(organisation_id=world.org.id, unit_id=None, role=Role.HEAD))
    session.flush()
    actor = world.actor("archivisthead")
    chosen = [dossier.id, other.id]
    listed = destruction.propose(session, actor, world.org.id, chosen, "Danh mục", "Hết hạn", now=later)
    destruction.record_opinion(session, world.actor("council1"), listed.id, True, "", now=later)
    destruction.record_appraisal(session, actor, listed.id, paper("2/SNV"), store=store, now=later)
    with pytest.raises(RuleViolation, match="someone else must approve"):
        destruction.approve(session, actor, listed.id, paper("3/QĐ", "Bà Hà"), store=store, now=later)
    destruction.approve(session, world.actor("head"), listed.id, paper("3/QĐ", "Bà Hà"), store=store, now=later)
    hold = holds.place_hold(session, world.actor("head"), dossier.id, "legal", "Tòa án yêu cầu", now=later)
    session.commit()
    _execute(world, session_factory, store, listed, later)  # the rest of the list is not stuck behind the hold
    with pytest.raises(RuleViolation, match="already been executed"):
        _execute(world, session_factory, store, listed, later)
    session.expire_all()
    assert session.get(Dossier, dossier.id).state is DossierState.ARCHIVED
    assert session.get(Dossier, other.id).state is DossierState.DESTROYED
    record = _codes(_text(store, listed))
    assert "Không hủy do đang bị phong tỏa: " + dossier.file_code in record
    assert re.search(r"\d+,\d kB", record)  # sizes with the decimal comma, as the pages write them
    assert destruction.list_totals(listed).dossiers == 1  # the list's page counts what it destroyed
    # Released, the hold leaves the dossier due again: it is appraised anew and may go on another list.
    holds.release_hold(session, world.actor("head"), hold.id, "Tòa án cho phép", now=later)
    assert dossier.id in [due.id for due in appraisal.find_due(session, world.org.id, later.date())]
    again = destruction.propose(session, actor, world.org.id, [dossier.id], "Danh mục 2", "Hết hạn", now=later)
    assert [item.dossier_id for item in again.items] == [dossier.id]


def test_a_dossier_its_unit_keeps_under_five_years_is_appraised_and_destroyed_there(
    world, session, session_factory, store, make_dossier, approved, later
):
    short = make_dossier("closed", row="2y")  # closed in 2026, kept 2 years: due 1 January 2029, never submitted
    waiting = make_dossier("closed")  # a 10-year dossier is appraised only once in the agency archive
    assert [dossier.id for dossier in appraisal.find_due(session, world.org.id, later.date())] == [short.id]
    assert appraisal.flag_due_dossiers(session, date(2037, 1, 1), now=later) == 1
    with pytest.raises(InvalidMetadata) as refused:
        destruction.propose(
            session, world.actor("archivist"), world.org.id, [waiting.id], "Danh mục", "Hết hạn", now=later
        )
    assert [problem.template for problem in refused.value.problems] == [
        "Only a dossier in the agency archive, or a closed one its unit keeps under 5 years, can be destroyed."
    ]
    listed = approved([short])
    with pytest.raises(RuleViolation, match="on destruction list Danh mục tài liệu hết giá trị năm 2037"):
        dossiers.reopen_dossier(session, world.actor("officer1"), short.id, "Bổ sung văn bản", now=later)
    _execute(world, session_factory, store, listed, later)
    session.expire_all()
    assert session.get(Dossier, short.id).state is DossierState.DESTROYED
    assert session.get(Dossier, waiting.id).state is DossierState.CLOSED
    assert short.file_code in _codes(_text(store, session.get(DestructionList, listed.id)))


def test_a_destruction_list_is_read_only_by_those_who_take_a_step_of_it(world, session, make_dossier, approved):
    """The service decides on its own, whatever page or job calls it: an officer or the registry reads the dossiers
    of the organisation, not its destruction lists."""
    listed = approved([make_dossier("archived")])
    for name in ("archivist", "head", "council1"):
        assert destruction.get_list(session, world.actor(name), listed.id) is listed
    for name in ("officer1", "registry"):
        with pytest.raises(NotFound):
            destruction.get_list(session, world.actor(name), listed.id)
