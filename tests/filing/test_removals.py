"""Taking a document out of an open dossier (gỡ văn bản khỏi hồ sơ) and putting it back: the document leaves the
dossier but is never deleted, only those who form the dossier do it while it is open, and each step is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from erms.errors import InvalidMetadata, NotFound, PermissionDenied, RuleViolation
from erms.models import AuditEvent, Document, RemovedDocument
from filing import dossiers, removals
from tests.web.test_leak_review import registered


def events(session, action: str) -> list[dict]:
    query = select(AuditEvent.details).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return [json.loads(details) for details in session.scalars(query)]


def test_a_document_taken_out_leaves_the_dossier_is_kept_and_comes_back_under_the_next_number(
    session, world, store, now, make_dossier
):
    dossier = make_dossier("open", documents=3)
    second = dossier.links[1].document
    officer = world.actor("officer1")
    taken = removals.remove(session, officer, dossier.id, second.id, "  Nhầm hồ sơ  ", now=now)
    session.commit()
    assert [link.ordinal for link in dossier.links] == [1, 3]
    assert (taken.ordinal, taken.reason, taken.removed_by_id) == (2, "Nhầm hồ sơ", officer.user_id)
    assert session.get(Document, second.id).versions  # the document and its file are kept
    assert removals.kept(session, dossier.id, second.id) == removals.Kept(elsewhere=0, registered=False)
    assert [(item.document_id, item.reason) for item in removals.removed_from(session, dossier)] == [
        (second.id, "Nhầm hồ sơ")
    ]
    assert events(session, "document.removed") == [{"dossier_id": dossier.id, "ordinal": 2, "reason": "Nhầm hồ sơ"}]
    back = removals.put_back(session, officer, dossier.id, taken.id, now=now)
    session.commit()
    assert (back.document_id, back.ordinal) == (second.id, 4)
    assert removals.removed_from(session, dossier) == [] and session.scalars(select(RemovedDocument)).all() == []
    assert events(session, "document.put_back") == [{"dossier_id": dossier.id, "ordinal": 4}]
    with pytest.raises(NotFound):  # put back once
        removals.put_back(session, officer, dossier.id, taken.id, now=now)


def test_a_registered_document_taken_out_stays_in_the_register_and_in_its_other_dossier(
    session, world, store, now, make_dossier
):
    line = registered(session, world, store, now, "31", world.unit_a)
    first, second = make_dossier("open", documents=0), make_dossier("open", documents=0)
    officer = world.actor("officer1")
    for dossier in (first, second):
        dossiers.link_document(session, officer, dossier.id, line.document_id, now=now)
    assert removals.kept(session, first.id, line.document_id) == removals.Kept(elsewhere=1, registered=True)
    removals.remove(session, officer, first.id, line.document_id, "Lập vào hồ sơ khác", now=now)
    assert first.links == [] and [link.document_id for link in second.links] == [line.document_id]


def test_an_empty_reason_is_refused_and_the_dossier_keeps_its_document(session, world, now, make_dossier):
    dossier = make_dossier("open", documents=1)
    with pytest.raises(InvalidMetadata) as refused:
        removals.remove(session, world.actor("officer1"), dossier.id, dossier.links[0].document_id, "   ", now=now)
    assert refused.value.problems[0].field == "reason"
    assert len(dossier.links) == 1 and session.scalars(select(RemovedDocument)).all() == []


@pytest.mark.parametrize(("who", "refusal"), [("officer2", NotFound), ("head", PermissionDenied)])
def test_who_does_not_form_the_dossier_takes_nothing_out_nor_puts_it_back(
    session, world, now, make_dossier, who, refusal
):
    dossier = make_dossier("open", documents=2)
    taken = removals.remove(session, world.actor("officer1"), dossier.id, dossier.links[0].document_id, "Nhầm", now=now)
    with pytest.raises(refusal):
        removals.remove(session, world.actor(who), dossier.id, dossier.links[0].document_id, "Nhầm", now=now)
    with pytest.raises(refusal):
        removals.put_back(session, world.actor(who), dossier.id, taken.id, now=now)
    assert len(dossier.links) == 1 and len(removals.removed_from(session, dossier)) == 1


def test_a_closed_dossier_keeps_its_documents_and_takes_none_back(session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=2)
    officer = world.actor("officer1")
    taken = removals.remove(session, officer, dossier.id, dossier.links[0].document_id, "Nhầm", now=now)
    dossiers.close_dossier(session, officer, dossier.id, store=store, now=now)
    with pytest.raises(RuleViolation):
        removals.remove(session, officer, dossier.id, dossier.links[0].document_id, "Nhầm", now=now)
    with pytest.raises(RuleViolation):
        removals.put_back(session, officer, dossier.id, taken.id, now=now)
    assert len(dossier.links) == 1


def test_a_removal_is_put_back_only_into_its_own_dossier(session, world, now, make_dossier):
    dossier, other = make_dossier("open", documents=1), make_dossier("open", documents=1)
    taken = removals.remove(session, world.actor("officer1"), dossier.id, dossier.links[0].document_id, "Nhầm", now=now)
    with pytest.raises(NotFound):
        removals.put_back(session, world.actor("officer1"), other.id, taken.id, now=now)
    assert len(other.links) == 1 and dossier.links == []
