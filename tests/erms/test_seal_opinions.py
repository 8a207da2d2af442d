"""A document's opinions are sealed with it when its dossier closes (PL6 III.5.a, III.7.đ): one changed, removed or
slipped in through the database afterwards is found and named, never with its text; a document without opinions
keeps the very seal it had before opinions existed."""

from __future__ import annotations

import hashlib
import json

from erms import metadata_seal
from erms.models import MetadataSeal
from filing import dossiers, opinions
from tests.erms.test_metadata_seal import outside

DIRECTION = "Giao Văn phòng hoàn thiện trước ngày 15/3."


def closed_with_opinion(session, world, store, now, make_dossier):
    """Return a dossier of two documents, the first directed by the head, closed (and so sealed)."""
    dossier = make_dossier("open", documents=2)
    head = world.actor("head")
    opinions.give(session, head, dossier.id, dossier.links[0].document_id, "direction", DIRECTION, now=now)
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    return dossier


def test_a_document_without_opinions_keeps_the_seal_it_had_before(session, make_dossier):
    dossier = make_dossier("closed", documents=2)
    kept = session.get(MetadataSeal, dossier.id)
    sealed = json.loads(kept.content)
    before = {"id", "ordinal", *metadata_seal.DOCUMENT_ELEMENTS, "supplementary", "files"}  # a seal's elements so far
    assert all(set(document) == before for document in sealed["documents"])
    # The text a seal had before opinions were sealed: the same elements, so the same digest.
    assert metadata_seal.canonical(metadata_seal.content(dossier)) == kept.content
    assert hashlib.sha256(kept.content.encode()).hexdigest() == kept.sha256


def test_an_opinion_changed_or_removed_after_closing_is_found(session, world, store, now, make_dossier):
    dossier = closed_with_opinion(session, world, store, now, make_dossier)
    kept = session.get(MetadataSeal, dossier.id)
    first, second = json.loads(kept.content)["documents"]
    assert [opinion["text"] for opinion in first["opinions"]] == [DIRECTION] and "opinions" not in second
    assert metadata_seal.changes(kept, dossier) == []
    outside(session, "update document_opinions set text = 'Không đồng ý' where document_id = :id", id=first["id"])
    found = metadata_seal.changes(kept, dossier)
    assert found == [metadata_seal.Change("opinions", 1)]
    described = metadata_seal.described(found)
    assert described == "văn bản số 1: Ý kiến xử lý văn bản" and "Không đồng ý" not in described
    outside(session, "delete from document_opinions where document_id = :id", id=first["id"])
    assert metadata_seal.changes(kept, dossier) == [metadata_seal.Change("opinions", 1)]


def test_an_opinion_slipped_in_after_closing_is_found(session, world, store, now, make_dossier):
    dossier = make_dossier("closed", documents=2)
    outside(
        session,
        "insert into document_opinions (document_id, kind, text, author_id, given_at) "
        "values (:document, 'content_approval', 'Đồng ý', :author, :at)",
        document=dossier.links[1].document_id,
        author=world.users["head"].id,
        at=now,
    )
    found = metadata_seal.changes(session.get(MetadataSeal, dossier.id), dossier)
    assert found == [metadata_seal.Change("opinions", 2)]
