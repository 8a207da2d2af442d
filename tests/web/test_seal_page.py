"""The dossier page says when its metadata was sealed, its digest, and what differs from the seal now (PL6 III.7.đ)."""

from __future__ import annotations

from erms.models import MetadataSeal
from tests.erms.test_metadata_seal import outside
from tests.web.test_document_page import text_of


def test_the_dossier_page_shows_the_seal_and_what_changed_outside_erms(client, session, make_dossier):
    dossier = make_dossier("closed")
    kept = session.get(MetadataSeal, dossier.id)
    client.login("officer1")
    shown = text_of(client.get(f"/dossiers/{dossier.id}"))
    assert "Niêm phong dữ liệu đặc tả" in shown and kept.sha256[:16] in shown and "Khớp với niêm phong" in shown
    outside(session, "update dossiers set keyword = 'khác' where id = :id", id=dossier.id)
    session.commit()
    assert "Đã bị thay đổi ngoài ERMS từ đó: Từ khóa" in text_of(client.get(f"/dossiers/{dossier.id}"))
