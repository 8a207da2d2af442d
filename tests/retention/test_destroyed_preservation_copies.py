"""A destruction removes the PDF/A preservation copies of the files it deletes (PL6 III.5.e with IV.1): a destroyed
document must not live on as its copy, while the copy of a file a living dossier still holds is kept."""

import io

from sqlalchemy import select

from erms.models import AuditEvent, Dossier
from erms.models.dossier import DossierState
from filing import preservation
from retention.destruction import dossier_file_ids
from tests.retention.test_retention_destruction import _execute
from tests.signing import plain_pdf


def give_copy(session, store, stored) -> str:
    """Record a PDF/A copy of ``stored`` as the worker would (its bytes made here); return the copy's SHA-256."""
    captured = store.put(io.BytesIO(plain_pdf(f"Bản sao của {stored.sha256[:8]}")))
    waiting = preservation.Waiting(stored.id, stored.sha256, "fmt/412")
    preservation.record(session, preservation.Attempt(waiting, captured), "LibreOffice (test)", now=stored.created_at)
    return captured.sha256


def test_the_copies_of_destroyed_files_are_deleted_and_those_of_files_still_filed_kept(
    world, session, session_factory, store, make_dossier, approved, later
):
    doomed, survivor = make_dossier("archived", documents=2), make_dossier("archived")
    shared = dossier_file_ids(session, doomed.id) & dossier_file_ids(session, survivor.id)
    versions = {link.document.versions[0].file for link in doomed.links}
    (own,) = [stored for stored in versions if stored.id not in shared]
    (kept,) = [stored for stored in versions if stored.id in shared]
    own_copy, kept_copy = give_copy(session, store, own), give_copy(session, store, kept)
    listed = approved([doomed])
    session.flush()
    _execute(world, session_factory, store, listed, later)
    session.expire_all()
    assert session.get(Dossier, doomed.id).state is DossierState.DESTROYED
    assert not store.exists(own.sha256) and not store.exists(own_copy)  # the file and its copy, both gone
    assert store.exists(kept.sha256) and store.exists(kept_copy)  # still filed in a living dossier
    destroyed = session.scalars(select(AuditEvent.details).where(AuditEvent.action == "stored_file.destroyed"))
    assert any(own_copy in details for details in destroyed)
    assert preservation.pending(session) == []
