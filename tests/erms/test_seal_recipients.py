"""An outgoing document's receiving organisations and their codes (field 13.1) are sealed with it when its dossier
closes (PL6 III.1.g, III.7.đ): a code changed or a recipient removed through the database afterwards is found and
named, never with its value."""

from __future__ import annotations

import json

from erms import metadata_seal
from erms.models import MetadataSeal
from filing import dossiers
from tests.erms.test_metadata_seal import outside
from tests.filing.test_document_recipients import add, deployment  # noqa: F401 - the directory fixture


def test_a_recipients_code_changed_or_removed_after_closing_is_found(
    session,
    world,
    store,
    now,
    make_dossier,
    deployment,  # noqa: F811
):
    dossier = make_dossier("open", documents=1)
    document = add(session, world, store, now, dossier, recipients="Bộ Tài chính\nSở Y tế")
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    kept = session.get(MetadataSeal, dossier.id)
    first, second = json.loads(kept.content)["documents"]
    assert "recipient_codes" not in first  # a document without recipients keeps the seal it had before codes existed
    assert second["recipients"] == "Bộ Tài chính\nSở Y tế"  # the text as typed, sealed as before
    assert second["recipient_codes"] == [
        {"name": "Bộ Tài chính", "code": "000.00.00.G09"},
        {"name": "Sở Y tế", "code": ""},
    ]
    assert metadata_seal.changes(kept, dossier) == []
    outside(session, "update document_recipients set code = '000.00.00.G10' where document_id = :id", id=document.id)
    found = metadata_seal.changes(kept, dossier)
    assert found == [metadata_seal.Change("recipient_codes", 2)]
    assert metadata_seal.described(found) == "văn bản số 2: Mã định danh của cơ quan, tổ chức nhận văn bản"
    outside(session, "delete from document_recipients where document_id = :id", id=document.id)
    assert metadata_seal.changes(kept, dossier) == [metadata_seal.Change("recipient_codes", 2)]
