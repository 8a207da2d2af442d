"""Who may file, read and re-mark a document: another unit's documents stay out of reach, and a security
marking changes only by the head's audited decision, never as a side effect of an edit (issue 17, holes 1-2)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from classification import marking_decisions
from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, DossierDocument
from erms.models.dossier import DossierState
from erms.models.register import RegisterKind, RegisterSeries
from filing import dossiers, registers
from tests.factories import DOCUMENT, upload

INCOMING = {key: value for key, value in DOCUMENT.items() if key not in ("direction", "status")}


def register(session, world, store, now, **changes):
    data = {**INCOMING, **changes}
    file = None if data["marking"] != "none" else upload(f"{changes}".encode())
    return registers.register_document(
        session, world.actor("registry"), world.org.id, RegisterKind.INCOMING, data, file, store=store, now=now
    )


def send_to(session, world, now, entry, unit):
    registers.assign_unit(
        session, world.actor("registry"), world.org.id, entry.year, entry.series, entry.number, unit.id, now=now
    )


def events(session, action):
    return [
        json.loads(event.details)
        for event in session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    ]


def test_an_officer_cannot_file_a_document_sent_to_another_unit(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    theirs = register(session, world, store, now, code_number="41", subject="Dự toán của phòng Tài chính")
    send_to(session, world, now, theirs, world.unit_b)
    officer = world.actor("officer1")
    assert theirs.document_id not in [
        entry.document_id for entry in dossiers.registered_documents(session, officer, dossier)
    ]
    with pytest.raises(NotFound):
        dossiers.link_document(session, officer, dossier.id, theirs.document_id, now=now)
    assert dossier.links == [] and events(session, "document.linked") == []


def test_an_officer_files_what_was_sent_to_the_unit_and_the_registry_sees_everything(
    session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=0)
    ours = register(session, world, store, now, code_number="42")
    unsent = register(session, world, store, now, code_number="43", subject="Chưa chuyển cho đơn vị nào")
    send_to(session, world, now, ours, world.unit_a)
    officer = world.actor("officer1")
    offered = [entry.document_id for entry in dossiers.registered_documents(session, officer, dossier)]
    assert offered == [ours.document_id]
    assert {entry.document_id for entry in dossiers.registered_documents(session, world.actor("head"), dossier)} == {
        ours.document_id,
        unsent.document_id,
    }
    dossiers.link_document(session, officer, dossier.id, ours.document_id, now=now)
    assert [link.document_id for link in dossier.links] == [ours.document_id]


def test_a_document_in_a_dossier_of_the_unit_can_be_filed_again(session, world, store, now, make_dossier):
    first = make_dossier("closed")
    second = make_dossier("open", documents=0)
    filed = first.links[0].document
    dossiers.link_document(session, world.actor("officer1"), second.id, filed.id, now=now)
    with pytest.raises(NotFound):  # officer2 works in unit B: unit A's document is not theirs to file
        dossiers.link_document(session, world.actor("officer2"), second.id, filed.id, now=now)


def test_an_officer_cannot_record_a_classified_document_in_a_dossier(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=0)
    with pytest.raises(InvalidMetadata) as refused:
        dossiers.add_document(
            session,
            world.actor("officer1"),
            dossier.id,
            dict(DOCUMENT, marking="tuyet_mat"),
            None,
            store=store,
            now=now,
        )
    assert [(problem.field, problem.template) for problem in refused.value.problems] == [
        ("marking", dossiers.CLASSIFIED_FROM_REGISTER)
    ]
    assert dossier.links == []


def linked_secret(session, world, store, now, make_dossier, marking="tuyet_mat"):
    dossier = make_dossier("open", documents=0)
    entry = register(session, world, store, now, marking=marking, code_number="7", subject="Kế hoạch bảo vệ")
    send_to(session, world, now, entry, world.unit_a)
    dossiers.link_document(session, world.actor("officer1"), dossier.id, entry.document_id, now=now)
    return dossier, entry


def test_an_officer_cannot_declassify_through_the_edit(session, world, store, now, make_dossier):
    dossier, entry = linked_secret(session, world, store, now, make_dossier)
    document, officer = entry.document, world.actor("officer1")
    values = dossiers.document_values(document)
    for change in ({"marking": "none"}, {"marking": "mat"}):
        with pytest.raises(InvalidMetadata) as refused:
            dossiers.update_document(session, officer, dossier.id, document.id, {**values, **change}, now=now)
        assert [problem.template for problem in refused.value.problems] == [dossiers.MARKING_ONLY_BY_DECISION]
    with pytest.raises(InvalidMetadata) as refused:  # the register's own fields stay the register's
        dossiers.update_document(
            session,
            officer,
            dossier.id,
            document.id,
            {**values, "arrival_number": "999", "arrival_date": "2026-01-01"},
            now=now,
        )
    assert {problem.field for problem in refused.value.problems} == {"arrival_number", "arrival_date"}
    assert (document.marking, document.arrival_number, document.arrival_date.isoformat()) == (
        "tuyet_mat",
        str(entry.number),
        "2026-06-15",
    )
    assert events(session, "document.updated") == []


def test_an_edit_never_clears_fields_it_was_not_given(session, world, store, now, make_dossier):
    dossier, entry = linked_secret(session, world, store, now, make_dossier, marking="mat")
    document = entry.document
    dossiers.update_document(session, world.actor("officer1"), dossier.id, document.id, {"page_amount": 5}, now=now)
    assert (document.page_amount, document.marking, document.arrival_number, document.code_number) == (
        5,
        "mat",
        str(entry.number),
        "7",
    )
    assert document.arrival_date is not None
    # A field the caller's form carried but left empty is cleared, and only that one.
    dossiers.update_document(
        session, world.actor("officer1"), dossier.id, document.id, {}, now=now, fields=["page_amount"]
    )
    assert (document.page_amount, document.code_number) == (None, "7")
    assert [sorted(event["changes"]) for event in events(session, "document.updated")] == [["page_amount"]] * 2


def test_only_the_head_changes_a_marking_with_a_reason(session, world, store, now, make_dossier):
    dossier, entry = linked_secret(session, world, store, now, make_dossier)
    document = entry.document
    for name in ("officer1", "registry", "archivist", "admin"):
        with pytest.raises(PermissionDenied):
            marking_decisions.change_marking(session, world.actor(name), document.id, "none", "Giải mật", now=now)
    head = world.actor("head")
    with pytest.raises(InvalidMetadata) as refused:
        marking_decisions.change_marking(session, head, document.id, "secret!", " ", now=now)
    assert {problem.field for problem in refused.value.problems} == {"marking", "reason"}
    marking_decisions.change_marking(session, head, document.id, "mat", "Quyết định giải mật số 12/QĐ", now=now)
    assert document.marking == "mat"
    assert entry.series is RegisterSeries.CLASSIFIED  # the number it was given stays in its series
    (decision,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.marking_changed"))
    assert (decision.actor_name, decision.before_state, decision.after_state, json.loads(decision.details)) == (
        "head",
        "tuyet_mat",
        "mat",
        {"reason": "Quyết định giải mật số 12/QĐ"},
    )
    assert "Kế hoạch bảo vệ" not in decision.details


def test_a_stored_file_cannot_become_classified(session, world, store, now, make_dossier):
    document = make_dossier("open").links[0].document
    with pytest.raises(RuleViolation, match="cannot become classified"):
        marking_decisions.change_marking(session, world.actor("head"), document.id, "mat", "Nâng độ mật", now=now)
    assert document.marking == "none"


def test_an_edit_names_only_dossiers_the_actor_may_read(session, world, store, now, make_dossier):
    dossier, entry = linked_secret(session, world, store, now, make_dossier, marking="mat")
    elsewhere = make_dossier("open", documents=0)
    # Unit B's dossier holds the same document and is no longer open (set directly: only the rule matters).
    elsewhere.unit_id, elsewhere.state = world.unit_b.id, DossierState.CLOSED
    session.add(
        DossierDocument(
            dossier_id=elsewhere.id,
            document_id=entry.document_id,
            ordinal=1,
            added_by_id=world.users["officer2"].id,
            added_at=now,
        )
    )
    session.flush()
    with pytest.raises(RuleViolation) as refused:
        dossiers.update_document(
            session, world.actor("officer1"), dossier.id, entry.document_id, {"page_amount": 2}, now=now
        )
    assert elsewhere.file_code not in str(refused.value)
    assert "no longer open" in str(refused.value)
