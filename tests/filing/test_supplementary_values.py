"""Filing supplementary metadata (PL6 III.7.c): saved with a document's own metadata in one audited change, never
saved twice for nothing, and a required document field asked for before its dossier closes."""

import json

from sqlalchemy import select

from erms import supplementary
from erms.models import AuditEvent
from filing import dossiers
from tests.factories import TODAY, supplementary_field


def test_a_documents_values_change_in_one_audited_edit_and_an_unchanged_save_records_nothing(
    session, world, make_dossier, now
):
    supplementary_field(session, world.org.id, "document", "so_ban", "Số bản", "number", required=True)
    dossier = make_dossier("open")
    (link,) = dossier.links
    officer = world.actor("officer1")
    assert [p.template for p in dossiers.closing_problems(dossier, today=TODAY)] == [
        supplementary.DOCUMENT_REQUIRED_TO_CLOSE
    ]
    dossiers.update_document(session, officer, dossier.id, link.document_id, {"supplementary.so_ban": "3"}, now=now)
    dossiers.update_document(session, officer, dossier.id, link.document_id, {"supplementary.so_ban": "3"}, now=now)
    session.flush()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.updated")).all()
    assert [json.loads(event.details)["supplementary"] for event in events] == [{"supplementary.so_ban": [None, "3"]}]
    assert supplementary.values_of(link.document) == {"so_ban": "3"}
    assert dossiers.closing_problems(dossier, today=TODAY) == []
