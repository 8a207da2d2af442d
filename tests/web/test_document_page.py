"""A document's own page (PL6 III.7.b): every metadata element of the document for whoever reads its dossier, its
files with their digests, the other dossiers holding it that the reader reads; a top secret summary stays withheld,
another unit's document is not found, and each view is audited."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from erms.models import AuditEvent
from tests.web.test_document_rights_pages import linked, sent  # noqa: F401


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def views(session, document_id: int) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "document.viewed", AuditEvent.subject_id == document_id
        )
    )


def test_every_metadata_element_of_a_document_is_shown_with_its_files(client, session, make_dossier):
    dossier = make_dossier("closed")
    (link,) = dossier.links
    document = link.document
    document.signer_name, document.signer_position, document.keyword = "Nguyễn Văn Ký", "Chủ tịch", "ngân sách"
    document.recipients = "UBND các phường;\nPhòng Tài chính - Kế hoạch"
    session.commit()
    client.login("officer1")
    dossier_page = client.get(f"/dossiers/{dossier.id}").get_data(as_text=True)
    url = f"/dossiers/{dossier.id}/documents/{document.id}"
    assert f'href="{url}"' in dossier_page  # "Xem đầy đủ thông tin"
    page = client.get(url)
    assert page.status_code == 200
    shown = text_of(page)
    for title, value in (
        ("Tên loại văn bản", document.type_name),
        ("Trích yếu nội dung", document.subject),
        ("Họ và tên người ký", "Nguyễn Văn Ký"),
        ("Chức vụ của người ký", "Chủ tịch"),
        ("Từ khóa", "ngân sách"),
        ("Ngày, tháng, năm văn bản", f"{document.issued_date:%d/%m/%Y}"),
    ):
        assert re.search(rf"{re.escape(title)}\s+{re.escape(value)}", shown), title
    assert "UBND các phường;\nPhòng Tài chính - Kế hoạch" in html.unescape(page.get_data(as_text=True))
    (version,) = document.versions
    assert version.file.sha256 in shown and version.filename in shown
    assert f"Văn bản số {link.ordinal} của hồ sơ {dossier.file_code}" in shown
    assert views(session, document.id) == 1


def test_a_top_secret_summary_stays_withheld_and_another_unit_finds_nothing(
    client,
    browsers,
    session,
    world,
    make_dossier,
    sent,  # noqa: F811
):
    dossier, entry = linked(client, world, make_dossier, sent)
    url = f"/dossiers/{dossier.id}/documents/{entry.document_id}"
    shown = text_of(client.get(url))
    assert "Trích yếu nội dung (không hiển thị trích yếu: văn bản Tuyệt mật)" in shown
    assert "Kế hoạch bảo vệ mục tiêu quan trọng" not in shown
    other_unit = browsers("officer2")  # unit B reads neither the dossier nor its documents
    assert other_unit.get(url).status_code == 404
    other = make_dossier("open")  # a dossier officer1 reads, but not holding the document
    assert client.get(f"/dossiers/{other.id}/documents/{entry.document_id}").status_code == 404
    assert views(session, entry.document_id) == 1  # the refused views are not counted as views


def test_a_files_format_reads_as_its_format_on_the_dossier_and_document_pages(client, session, make_dossier):
    """PRONOM's English name alone left an officer wondering what the grey line under a file was."""
    dossier = make_dossier("open")
    (link,) = dossier.links
    stored = link.document.versions[0].file
    stored.puid, stored.format_basis, stored.format_name = "fmt/17", "signature", "Acrobat PDF 1.3"
    session.commit()
    client.login("officer1")
    said = "Định dạng tệp: Acrobat PDF 1.3 (fmt/17)"
    assert said in text_of(client.get(f"/dossiers/{dossier.id}"))
    assert said in text_of(client.get(f"/dossiers/{dossier.id}/documents/{link.document.id}"))
    # Bytes that are not what the file's name says (an executable named .pdf) are pointed out where the file is.
    stored.puid, stored.format_basis, stored.format_name = "x-fmt/409", "misnamed", "MS-DOS Executable"
    session.commit()
    said = "Nội dung tệp là MS-DOS Executable (x-fmt/409), không đúng như tên tệp: hãy kiểm tra"
    assert said in text_of(client.get(f"/dossiers/{dossier.id}"))
