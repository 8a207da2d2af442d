"""A summary a reader may not read stays out of every index they get (security): a tuyệt mật document's from
everyone — the closing page, the index preview and the index of the closed dossier —, and a document restricted on
its own from all but the people it names, who get the index made at closing as it is."""

from __future__ import annotations

import html
import io

from pypdf import PdfReader

from filing import access, dossiers
from tests.factories import DOCUMENT, upload
from tests.web.test_document_rights_pages import SECRET, linked, sent  # noqa: F401

RESTRICTED = "Phương án bồi thường giải phóng mặt bằng"


def pdf_text(data: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_a_top_secret_summary_is_in_no_index_a_reader_gets(client, session, world, store, now, make_dossier, sent):  # noqa: F811
    dossier, entry = linked(client, world, make_dossier, sent)
    dossiers.add_document(
        session,
        world.actor("officer1"),
        dossier.id,
        dict(DOCUMENT, code_number="98"),
        upload(b"%PDF-1.4 x", "cv.pdf"),
        store=store,
        now=now,
    )
    session.commit()
    closing = html.unescape(client.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True))
    assert SECRET not in closing and "(không hiển thị trích yếu: văn bản Tuyệt mật)" in closing
    preview = pdf_text(client.get(f"/dossiers/{dossier.id}/index-preview.pdf").data)
    assert SECRET not in preview and "(không hiển thị trích yếu: văn bản Tuyệt mật)" in preview
    assert DOCUMENT["subject"] in preview  # the other summaries are there
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    session.commit()
    for reader in ("officer1", "head"):
        client.logout()
        client.login(reader)
        index = client.get(f"/dossiers/{dossier.id}/index.pdf")
        assert index.status_code == 200
        text = pdf_text(index.data)
        assert SECRET not in text and "(không hiển thị trích yếu: văn bản Tuyệt mật)" in text, reader


def test_a_restricted_summary_reaches_only_the_people_named(browsers, session, world, store, now, make_dossier):
    dossier = make_dossier("open", documents=1)
    dossiers.add_document(
        session,
        world.actor("officer1"),
        dossier.id,
        dict(DOCUMENT, subject=RESTRICTED, code_number="99"),
        upload(b"%PDF-1.4 boi thuong", "phuong-an.pdf"),
        store=store,
        now=now,
    )
    restricted = next(link.document for link in dossier.links if link.document.subject == RESTRICTED)
    change = access.propose(
        session,
        world.actor("officer1"),
        dossier.id,
        {"kind": "restrict", "reason": "Tài liệu nhạy cảm", "document_id": str(restricted.id)},
        now=now,
    )
    access.decide(session, world.actor("head"), change.id, True, now=now)
    dossiers.close_dossier(session, world.actor("officer1"), dossier.id, store=store, now=now)
    session.commit()
    stored = store.open(dossier.index_file.sha256).read()
    assert RESTRICTED in pdf_text(stored)  # the index made at closing is whole
    registry, officer = browsers("registry"), browsers("officer1")  # registry reads the dossier, not that document
    theirs = registry.get(f"/dossiers/{dossier.id}/index.pdf")
    assert RESTRICTED not in pdf_text(theirs.data)
    assert "(trích yếu hạn chế sử dụng, chỉ dành cho người được chỉ định)" in pdf_text(theirs.data)
    assert DOCUMENT["subject"] in pdf_text(theirs.data)
    closing = html.unescape(registry.get(f"/dossiers/{dossier.id}/close").get_data(as_text=True))
    assert RESTRICTED not in closing
    assert officer.get(f"/dossiers/{dossier.id}/index.pdf").data == stored  # who forms it gets the index as made
