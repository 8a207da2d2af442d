"""Supplementary metadata on the pages (PL6 III.7.c): the organisation's own fields are filled in the dossier's and
the document's forms, checked with their other fields, listed on their pages, withheld with a withheld summary, and a
required one is asked for before the dossier closes."""

from __future__ import annotations

import json

from erms_browser import DOCUMENT_FORM, file_field, make_pdf
from sqlalchemy import select

from erms import supplementary
from erms.models import AuditEvent, Document, Dossier
from filing import dossiers
from tests.factories import TODAY, supplementary_field
from tests.web.test_document_page import text_of
from tests.web.test_document_rights_pages import linked, sent  # noqa: F401


def project_fields(session, organisation_id: int) -> None:
    supplementary_field(session, organisation_id, "dossier", "ma_du_an", "Mã dự án", position=1)
    supplementary_field(
        session, organisation_id, "dossier", "nguon_von", "Nguồn vốn", "choice", choices="Ngân sách\nODA", required=True
    )
    supplementary_field(session, organisation_id, "dossier", "so_hop_cu", "Số hộp cũ", active=False)
    supplementary_field(session, organisation_id, "document", "ngay_nhan_ban_goc", "Ngày nhận bản gốc", "date")
    session.commit()


def test_an_officer_fills_the_dossiers_own_fields_and_sees_them_listed(client, session, world, make_dossier):
    project_fields(session, world.org.id)
    dossier = make_dossier("open")
    client.login("officer1")
    page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    assert 'name="supplementary.ma_du_an"' in page and 'name="supplementary.nguon_von"' in page
    assert 'name="supplementary.so_hop_cu"' not in page  # withdrawn: no longer offered
    assert "Bắt buộc trước khi đóng hồ sơ" in text_of(client.get(f"/dossiers/{dossier.id}"))
    form = {"revision": str(dossier.revision), "title": dossier.title, "start_date": "01/06/2026"}
    saved = client.post(
        f"/dossiers/{dossier.id}/edit",
        {**form, "supplementary.ma_du_an": "DA-2026-07", "supplementary.nguon_von": "ODA"},
    )
    assert saved.status_code == 302
    shown = text_of(client.get(f"/dossiers/{dossier.id}"))
    assert "Mã dự án DA-2026-07" in shown and "Nguồn vốn ODA" in shown
    session.expire_all()
    assert supplementary.values_of(dossier) == {"ma_du_an": "DA-2026-07", "nguon_von": "ODA"}
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "dossier.updated")).all()
    # The log names the fields changed, not their values (its readers may not read a restricted dossier).
    assert json.loads(event.details)["fields"] == [
        "start_date",
        "title",
        "supplementary.ma_du_an",
        "supplementary.nguon_von",
    ]


def test_a_wrong_value_is_shown_beside_its_field_with_the_others_and_nothing_is_saved(
    client, session, world, make_dossier
):
    project_fields(session, world.org.id)
    dossier = make_dossier("open")
    client.login("officer1")
    refused = client.post(
        f"/dossiers/{dossier.id}/edit",
        {
            "revision": str(dossier.revision),
            "title": "x" * 600,
            "start_date": "01/06/2026",
            "supplementary.ma_du_an": "DA-9",
            "supplementary.nguon_von": "Vay thương mại",
        },
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="edit-supplementary.nguon_von-error">Hãy chọn một giá trị trong danh sách.' in page
    assert 'id="edit-title-error"' in page  # the dossier's own field, refused in the same answer
    assert 'value="DA-9"' in page  # what was typed is kept
    session.expire_all()
    assert supplementary.values_of(dossier) == {} and dossier.title != "x" * 600


def test_a_required_field_left_empty_stops_the_dossier_closing(client, session, world, make_dossier):
    project_fields(session, world.org.id)
    dossier = make_dossier("open")
    client.login("officer1")
    assert "Nguồn vốn phải được nhập trước khi đóng hồ sơ." in text_of(client.get(f"/dossiers/{dossier.id}"))
    client.post(f"/dossiers/{dossier.id}/close", {"revision": str(dossier.revision)})
    session.expire_all()
    assert dossier.state.value == "open"


def test_a_documents_own_fields_are_edited_and_shown_on_its_page(client, session, world, make_dossier):
    project_fields(session, world.org.id)
    dossier = make_dossier("open")
    (link,) = dossier.links
    client.login("officer1")
    url = f"/dossiers/{dossier.id}/documents/{link.document_id}/edit"
    assert 'name="supplementary.ngay_nhan_ban_goc"' in client.get(url).get_data(as_text=True)
    refused = client.post(url, {"revision": str(link.document.revision), "supplementary.ngay_nhan_ban_goc": "31/02"})
    assert refused.status_code == 422 and "Ngày tháng không hợp lệ" in text_of(refused)
    saved = client.post(url, {"revision": str(link.document.revision), "supplementary.ngay_nhan_ban_goc": "2/3/2026"})
    assert saved.status_code == 302
    shown = text_of(client.get(f"/dossiers/{dossier.id}/documents/{link.document_id}"))
    assert "Ngày nhận bản gốc 02/03/2026" in shown


def test_a_withheld_summary_withholds_the_documents_own_fields(
    client,
    session,
    world,
    make_dossier,
    sent,  # noqa: F811
):
    project_fields(session, world.org.id)
    dossier, entry = linked(client, world, make_dossier, sent)
    document = session.get(type(entry).document.property.mapper.class_, entry.document_id)
    document.supplementary = supplementary.encode({"ngay_nhan_ban_goc": "1999-03-02"})
    session.commit()
    shown = text_of(client.get(f"/dossiers/{dossier.id}/documents/{entry.document_id}"))
    assert "Ngày nhận bản gốc (không hiển thị)" in shown and "02/03/1999" not in shown


def test_another_organisations_fields_are_not_offered(client, session, world, store, make_dossier):
    from tests.factories import another_agency

    dossier = make_dossier("open")
    other = another_agency(session, world, store, world.now)
    supplementary_field(session, other.org.id, "dossier", "ma_rieng", "Mã riêng của cơ quan khác")
    session.commit()
    client.login("officer1")
    assert "ma_rieng" not in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)


def test_the_fields_are_filled_when_the_dossier_is_opened(client, session, world):
    project_fields(session, world.org.id)
    entry = world.approved_list(entries=1).entries[0]
    session.commit()
    client.login("officer1")
    form = client.get(f"/dossiers/open/{entry.id}").get_data(as_text=True)
    assert 'name="supplementary.nguon_von"' in form
    data = {"title": entry.title, "start_date": "05/01/2026", "rights": "public", "language": "Tiếng Việt"}
    refused = client.post(f"/dossiers/open/{entry.id}", {**data, "supplementary.nguon_von": "Vay"})
    assert refused.status_code == 422 and "Hãy chọn một giá trị trong danh sách." in text_of(refused)
    opened = client.post(f"/dossiers/open/{entry.id}", {**data, "supplementary.nguon_von": "Ngân sách"})
    assert opened.status_code == 302
    session.expire_all()
    (dossier,) = session.scalars(select(Dossier)).all()
    assert supplementary.values_of(dossier) == {"nguon_von": "Ngân sách"}


def test_a_document_is_added_with_its_own_fields_and_a_wrong_one_adds_nothing(client, session, world, make_dossier):
    project_fields(session, world.org.id)
    dossier = make_dossier("open", documents=0)
    client.login("officer1")
    assert 'id="doc-supplementary.ngay_nhan_ban_goc"' in client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    form = {**DOCUMENT_FORM, "file": file_field(make_pdf("Quyet dinh"), "quyết định.pdf")}
    refused = client.post(f"/dossiers/{dossier.id}/documents", {**form, "supplementary.ngay_nhan_ban_goc": "hôm qua"})
    assert refused.status_code == 422 and "Ngày tháng không hợp lệ" in text_of(refused)
    session.expire_all()
    assert session.scalars(select(Document)).all() == []
    form = {**DOCUMENT_FORM, "file": file_field(make_pdf("Quyet dinh"), "quyết định.pdf")}
    added = client.post(f"/dossiers/{dossier.id}/documents", {**form, "supplementary.ngay_nhan_ban_goc": "02/03/2026"})
    assert added.status_code == 302
    (document,) = session.scalars(select(Document)).all()
    assert supplementary.values_of(document) == {"ngay_nhan_ban_goc": "2026-03-02"} and document.revision == 1


def test_the_audit_log_keeps_a_restricted_documents_values_from_who_may_not_read_its_summary(
    browsers, session, world, store, now, make_dossier
):
    from tests.web.test_audit_log_withheld import OWN, edited, restrict

    supplementary_field(session, world.org.id, "document", "so_hop_dong", "Số hợp đồng")
    dossier = make_dossier("open", documents=0)
    document_id = edited(session, world, store, now, dossier.id, OWN, "301")
    officer = world.actor("officer1")
    secret = {"supplementary.so_hop_dong": "HĐ-BÍ-MẬT-15"}
    dossiers.update_document(session, officer, dossier.id, document_id, secret, now=now)
    restrict(session, world, dossier.id, document_id, now)
    session.commit()
    for reader in ("admin", "archivist"):
        shown = text_of(browsers(reader).get("/audit/?action=document.updated"))
        assert "HĐ-BÍ-MẬT-15" not in shown and "(trích yếu không hiển thị)" in shown, reader
    assert "HĐ-BÍ-MẬT-15" in text_of(browsers("head").get("/audit/?action=document.updated"))


def test_a_top_secret_documents_values_are_neither_shown_to_edit_nor_changed_nor_asked_for(
    client, session, world, store, now, make_dossier
):
    from tests.web.test_audit_log_withheld import top_secret_later

    supplementary_field(session, world.org.id, "document", "so_hop_dong", "Số hợp đồng", required=True)
    dossier = make_dossier("open", documents=0)
    document_id = top_secret_later(session, world, store, now, dossier.id)
    document = session.get(Document, document_id)
    document.supplementary = supplementary.encode({"so_hop_dong": "HĐ-TM-01"})
    session.commit()
    client.login("officer1")
    form = client.get(f"/dossiers/{dossier.id}/documents/{document_id}/edit").get_data(as_text=True)
    assert "HĐ-TM-01" not in form and 'name="supplementary.so_hop_dong"' not in form
    dossiers.update_document(
        session, world.actor("officer1"), dossier.id, document_id, {"supplementary.so_hop_dong": ""}, now=now
    )
    assert supplementary.values_of(document) == {"so_hop_dong": "HĐ-TM-01"}
    assert not [
        p
        for p in dossiers.closing_problems(dossier, today=TODAY)
        if p.template == supplementary.DOCUMENT_REQUIRED_TO_CLOSE
    ]
