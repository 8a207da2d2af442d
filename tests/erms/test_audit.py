"""The hash-chained audit log: every change recorded, tampering detected."""

from sqlalchemy import delete, func, select, update

from erms import audit
from erms.models import AuditEvent


def test_every_step_is_audited_and_the_chain_verifies(session, make_dossier):
    dossier = make_dossier("archived", documents=2)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "dossier", AuditEvent.subject_id == dossier.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.before_state, e.after_state) for e in events] == [
        ("dossier.opened", "", "open"),
        ("dossier.closed", "open", "closed"),
        ("dossier.submitted", "closed", "submitted"),
        ("dossier.accepted", "submitted", "archived"),
    ]
    assert all(e.actor_name in ("officer1", "archivist") for e in events)
    report = audit.verify(session)
    assert report.ok and report.checked == session.scalar(select(func.count()).select_from(AuditEvent))


def test_altered_event_is_named(session, make_dossier):
    make_dossier("closed")
    victim = session.scalar(select(AuditEvent).where(AuditEvent.action == "dossier.closed"))
    session.execute(update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name="someone else"))
    session.expire_all()
    report = audit.verify(session)
    assert not report.ok
    assert report.broken_id == victim.id
    assert report.reason == "event altered"


def test_removed_event_is_detected(session, make_dossier):
    make_dossier("closed")
    victim = session.scalar(select(AuditEvent).where(AuditEvent.action == "document.added"))
    following = session.scalar(select(func.min(AuditEvent.id)).where(AuditEvent.id > victim.id))
    session.execute(delete(AuditEvent).where(AuditEvent.id == victim.id))
    session.expire_all()
    report = audit.verify(session)
    assert report.broken_id == following
    assert report.reason == "previous event missing or altered"


def test_hash_covers_the_previous_event(session, world, now):
    first = audit.record(session, None, "test.first", "test", 1, now=now)
    second = audit.record(session, None, "test.second", "test", 2, now=now, note="Đống Đa")
    assert second.prev_hash == first.hash
    assert second.hash == audit.chain_hash(first.hash, second)
    assert audit.head_hash(session) == second.hash
