"""What a page asks several times is read once in its read-only transaction, never kept where the transaction writes
(issue 18: the dossier page asked who may read its dossier four times and its documents' holders three)."""

from __future__ import annotations

from sqlalchemy import event

from erms import db, permissions
from erms.models import AccessChange, Dossier
from erms.models.access import AccessChangeKind, AccessChangeState


def share(session, dossier, world, unit) -> None:
    session.add(
        AccessChange(
            organisation_id=world.org.id,
            dossier_id=dossier.id,
            kind=AccessChangeKind.SHARE_UNIT,
            state=AccessChangeState.CONFIRMED,
            unit_id=unit.id,
            reason="Phối hợp xử lý",
            proposed_by_id=world.users["head"].id,
            proposed_at=world.now,
        )
    )
    session.flush()


def test_a_read_only_transaction_reads_a_dossiers_shares_once(session_factory, engine, make_dossier, world, session):
    dossier = make_dossier("open", documents=2)
    share(session, dossier, world, world.unit_b)
    statements: list[str] = []

    def sent(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with db.transaction(session_factory, read_only=True) as reading:
        seen = reading.get(Dossier, dossier.id)
        event.listen(engine, "before_cursor_execute", sent)
        try:
            first = permissions.dossier_access(reading, [seen])[seen.id]
            again = permissions.dossier_access(reading, [seen])[seen.id]
        finally:
            event.remove(engine, "before_cursor_execute", sent)
    assert len(statements) == 1  # the second answer came from the transaction's memo
    assert first == again and first.units == frozenset({world.unit_b.id})


def test_a_writing_transaction_sees_the_share_it_has_just_added(session_factory, make_dossier, world):
    dossier = make_dossier("open", documents=1)
    with db.transaction(session_factory) as writing:
        seen = writing.get(Dossier, dossier.id)
        assert permissions.dossier_access(writing, [seen])[seen.id].units == frozenset()
        share(writing, seen, world, world.unit_b)
        assert permissions.dossier_access(writing, [seen])[seen.id].units == frozenset({world.unit_b.id})
